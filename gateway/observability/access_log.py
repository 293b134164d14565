"""The access log: one structured line per request, JSON (default) or ``key=value`` text.

It has its own logger object, outside ``logging``'s registry (one per application,
closed with it), writing to ``[server] access_log_destination``: ``stderr``,
``stdout`` or a file (reopened when logrotate moves it). Lines are logged at
``access_log_level`` and written only if that is at least ``log_level``.
Nothing secret is ever a field: the access key, never the secret or a signature.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from typing import Any

from gateway.config import ServerConfig

# The order of the fields in every line (the documented format, docs/operations.md).
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


class AccessLog:
    """Writes access lines; ``enabled`` is false when configured off."""

    def __init__(self, config: ServerConfig) -> None:
        self._level = logging.getLevelName(config.access_log_level)
        self.enabled = (config.access_log != "off"
                        and self._level >= logging.getLevelName(config.log_level))
        self._format = format_text if config.access_log == "text" else format_json
        self._logger = logging.Logger("s3swift.access", self._level)
        self._logger.propagate = False
        self._handler: logging.Handler | None = None
        if self.enabled:
            destination = config.access_log_destination
            if destination in ("stderr", "stdout"):
                self._handler = logging.StreamHandler(
                    sys.stderr if destination == "stderr" else sys.stdout)
            else:
                self._handler = logging.handlers.WatchedFileHandler(destination,
                                                                    encoding="utf-8")
            self._handler.setFormatter(logging.Formatter("%(message)s"))
            self._logger.addHandler(self._handler)

    def write(self, entry: dict[str, Any]) -> None:
        self._logger.log(self._level, self._format(entry))

    def close(self) -> None:
        if self._handler is not None:
            self._logger.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
