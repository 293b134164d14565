"""The access log: one structured line per request, JSON (default) or ``key=value`` text.

Lines go to ``[server] access_log_destination``: ``stderr``, ``stdout`` or a
file (reopened when logrotate moves it), one sink per application, closed with
it. They are written only if ``access_log_level`` is at least ``log_level``.
Nothing secret is ever a field: the access key, never the secret or a signature.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any, TextIO

from gateway.config import ServerConfig

# The order of the fields in every line (the documented format, docs/operations.md).
REOPEN_CHECK_SECONDS = 1.0
FIELDS = ("time", "request_id", "remote_addr", "secure", "access_key", "account", "operation",
          "bucket", "key", "status", "error_code", "bytes_in", "bytes_out", "duration_ms",
          "swift_ms", "swift_requests", "user_agent", "client_disconnected")


def _text_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if not text or any(c in text for c in ' "=\\') or not text.isprintable():
        return json.dumps(text)
    return text


def format_json(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def format_text(entry: dict[str, Any]) -> str:
    return " ".join(f"{name}={_text_value(entry.get(name))}" for name in FIELDS)


class _FileSink:
    """Appends lines to a file, line-buffered; reopens it at most once a second when
    logrotate moved it away (checking on every line would cost a stat per request)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self._inode = os.fstat(self._file.fileno()).st_ino
        self._next_check = time.monotonic() + REOPEN_CHECK_SECONDS

    def write(self, line: str) -> None:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + REOPEN_CHECK_SECONDS
            try:
                moved = os.stat(self._path).st_ino != self._inode
            except FileNotFoundError:
                moved = True
            if moved:
                self._file.close()
                self._file = open(self._path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
                self._inode = os.fstat(self._file.fileno()).st_ino
        self._file.write(line)

    def close(self) -> None:
        self._file.close()


class _StreamSink:
    """stderr or stdout, flushed per line (stdout is block-buffered when not a TTY)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, line: str) -> None:
        self._stream.write(line)
        self._stream.flush()

    def close(self) -> None:
        self._stream.flush()


class AccessLog:
    """Writes access lines; ``enabled`` is false when configured off.

    Lines go straight to their sink, not through ``logging`` (whose records,
    locks and per-line stat would cost more than the rest of the request's
    bookkeeping); the level only decides, once, whether they are written."""

    def __init__(self, config: ServerConfig) -> None:
        level = logging.getLevelName(config.access_log_level)
        self.enabled = (config.access_log != "off"
                        and level >= logging.getLevelName(config.log_level))
        self._format = format_text if config.access_log == "text" else format_json
        self._sink: _FileSink | _StreamSink | None = None
        if self.enabled:
            destination = config.access_log_destination
            if destination in ("stderr", "stdout"):
                self._sink = _StreamSink(sys.stderr if destination == "stderr" else sys.stdout)
            else:
                self._sink = _FileSink(destination)

    def write(self, entry: dict[str, Any]) -> None:
        if self._sink is not None:
            self._sink.write(self._format(entry) + "\n")

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
