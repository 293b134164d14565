"""Reading a gateway's admin listener and access log in integration tests."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def get(url: str) -> tuple[int, str]:
    """Status and text of a GET (no retries, no proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def scrape(metrics_url: str) -> dict[str, float]:
    """Every sample of a /metrics page: ``'name{labels}' -> value`` (labels as exposed)."""
    status, text = get(metrics_url)
    assert status == 200, text
    samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """The samples that changed, by how much (``*_created`` timestamps left out)."""
    return {name: after[name] - before.get(name, 0.0) for name in after
            if "_created" not in name and after[name] != before.get(name, 0.0)}


def scrape_until(metrics_url: str, before: dict[str, float], expected: dict[str, float],
                 timeout: float = 30.0) -> dict[str, float]:
    """A scrape once every ``expected`` sample moved at least that much since ``before``
    (a request is counted just after its last byte is sent, so the client may be a
    little ahead), or the last one when time is up; the caller asserts exact values."""
    deadline = time.monotonic() + timeout
    while True:
        after = scrape(metrics_url)
        delta = moved(before, after)
        if all(delta.get(name, 0.0) >= value for name, value in expected.items()) \
                or time.monotonic() > deadline:
            return after
        time.sleep(0.05)


def access_lines(log_path: Path, request_ids: set[str],
                 timeout: float = 30.0) -> dict[str, dict[str, Any]]:
    """The JSON access lines of ``request_ids`` in a log file, by request id, once all
    are written (a line is written just after the response's last byte) or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        found = {}
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"request_id"' in line:
                entry = json.loads(line)
                if entry.get("request_id") in request_ids:
                    found[entry["request_id"]] = entry
        if set(found) == set(request_ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
