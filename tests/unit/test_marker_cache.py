"""The upload-marker cache behind UploadPart's settle rule (multipart_common)."""

from __future__ import annotations

import time

from gateway.swift.caches import MarkerCache

KEY = ("AUTH_a", "bucket", "key", "upload")


def test_headers_expire_but_seen_at_is_kept_while_cached() -> None:
    cache = MarkerCache(ttl_seconds=60)
    cache.put(KEY, {"X-Object-Meta-A": "1"}, seen_at=5.0)
    assert cache.get(KEY) == {"X-Object-Meta-A": "1"}
    assert cache.seen_at(KEY) == 5.0
    expired = MarkerCache(ttl_seconds=-1)
    expired.put(KEY, {}, seen_at=5.0)
    assert expired.get(KEY) is None
    assert expired.seen_at(KEY) is None  # dropped with the headers


def test_a_late_answer_never_moves_seen_at_back() -> None:
    """Two HEADs in flight: the one sent earlier may answer last."""
    cache = MarkerCache()
    cache.put(KEY, {}, seen_at=10.0)
    cache.put(KEY, {}, seen_at=7.0)
    assert cache.seen_at(KEY) == 10.0
    cache.put(KEY, {}, seen_at=12.0)
    assert cache.seen_at(KEY) == 12.0


def test_forget_and_size_bound() -> None:
    cache = MarkerCache(size=2)
    now = time.monotonic()
    for n in range(3):
        cache.put(("a", "b", "k", str(n)), {}, seen_at=now)
    assert cache.get(("a", "b", "k", "0")) is None  # the oldest went first
    assert cache.get(("a", "b", "k", "2")) == {}
    cache.forget(("a", "b", "k", "2"))
    assert cache.seen_at(("a", "b", "k", "2")) is None
