"""A bounded, expiring cache of access-key lookups, owned by one credential store.

Found keys (and keys refused for their roles) are kept ``ttl`` seconds and may
be served up to ``grace`` seconds longer while Keystone is unreachable; from
``REFRESH_AHEAD`` of ``ttl`` on, a use of the key is the store's cue to ask
Keystone again in the background (``refresh_due``), so a key in steady use
never waits for Keystone when its entry expires;
unknown keys are remembered ``negative_ttl`` seconds, in a separate, smaller
bound, so a flood of made-up keys can neither reach Keystone each time nor
push real keys out. Counters feed the benchmark's hit rate.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")

# The share of ``ttl`` after which a found entry is renewed ahead of its expiry.
REFRESH_AHEAD = 0.75


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    stored_at: float


class KeyCache(Generic[V]):
    """``get`` answers fresh entries only; ``stale`` also entries within the grace."""

    def __init__(self, ttl: float, negative_ttl: float, size: int, negative_size: int,
                 grace: float = 0.0) -> None:
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._grace = grace
        self._size = size
        self._negative_size = negative_size
        self._found: OrderedDict[str, _Entry[V]] = OrderedDict()
        self._unknown: OrderedDict[str, float] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str, now: float) -> tuple[bool, V | None]:
        """``(True, value)`` for a fresh entry, ``(True, None)`` for a fresh
        "unknown", ``(False, None)`` when Keystone must be asked."""
        entry = self._found.get(key)
        if entry is not None and now - entry.stored_at < self._ttl:
            self.hits += 1
            return True, entry.value
        stored_at = self._unknown.get(key)
        if stored_at is not None and now - stored_at < self._negative_ttl:
            self.hits += 1
            return True, None
        self.misses += 1
        return False, None

    def refresh_due(self, key: str, now: float) -> bool:
        """A found entry old enough to be renewed before it expires."""
        entry = self._found.get(key)
        return entry is not None and now - entry.stored_at >= self._ttl * REFRESH_AHEAD

    def stale(self, key: str, now: float) -> V | None:
        """A found entry not older than ``ttl + grace``: the outage answer."""
        entry = self._found.get(key)
        if entry is not None and now - entry.stored_at < self._ttl + self._grace:
            return entry.value
        return None

    def put(self, key: str, value: V, now: float) -> None:
        self._unknown.pop(key, None)
        self._found.pop(key, None)
        self._found[key] = _Entry(value, now)
        while len(self._found) > self._size:
            self._found.popitem(last=False)

    def put_unknown(self, key: str, now: float) -> None:
        """Remember that Keystone has no such key; forget any older found entry."""
        self._found.pop(key, None)
        self._unknown.pop(key, None)
        self._unknown[key] = now
        while len(self._unknown) > self._negative_size:
            self._unknown.popitem(last=False)

    def __len__(self) -> int:
        return len(self._found) + len(self._unknown)
