"""The bounded expiring cache the Swift credential store and the token check use."""

from __future__ import annotations

from gateway.credentials.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_ttl() -> None:
    clock = Clock()
    cache: TtlCache[str] = TtlCache(10, 10, clock)
    cache.put("k", "v")
    clock.now += 9.9
    assert cache.get("k") == (True, "v")
    clock.now += 0.1
    assert cache.get("k") == (False, None)


def test_a_cached_miss_differs_from_no_entry() -> None:
    cache: TtlCache[str] = TtlCache(10, 10, Clock())
    cache.put("gone", None)
    assert cache.get("gone") == (True, None)
    assert cache.get("never") == (False, None)


def test_oldest_entries_are_evicted_beyond_the_bound() -> None:
    cache: TtlCache[int] = TtlCache(10, 2, Clock())
    for number in range(3):
        cache.put(str(number), number)
    assert cache.get("0") == (False, None)
    assert cache.get("1") == (True, 1) and cache.get("2") == (True, 2)


def test_zero_ttl_caches_nothing() -> None:
    cache: TtlCache[int] = TtlCache(0, 2, Clock())
    cache.put("k", 1)
    assert cache.get("k") == (False, None)
