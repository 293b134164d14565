"""The caches of one ``SwiftStore``: created with it, dropped with it (app lifetime).

Both spare Swift round trips on hot paths and are per process: entries expire
on their own (``MarkerCache``: 10 s; ``SegmentsPresence``: 30 s for "yes",
1 s for "no"), and both are bounded in size.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.swift.multipart_layout import segments_container
from gateway.swift.client import SwiftClient


class MarkerCache:
    """Upload markers seen lately, by (account, bucket, key, upload id).

    Each entry keeps the marker's headers (they never change) for ``ttl``
    seconds, sparing UploadPart a HEAD before each body, and ``seen_at``: when
    the latest HEAD that found the marker was sent, for the settle rule
    (``upload_markers.UploadAt.part_needs_open_check``).
    """

    def __init__(self, ttl_seconds: float = 10.0, size: int = 1024) -> None:
        self._ttl = ttl_seconds
        self._size = size
        self._entries: dict[tuple[str, ...], tuple[float, float, Mapping[str, str]]] = {}

    def get(self, key: tuple[str, ...]) -> Mapping[str, str] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[2]

    def seen_at(self, key: tuple[str, ...]) -> float | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None else None

    def put(self, key: tuple[str, ...], headers: Mapping[str, str], seen_at: float) -> None:
        if key not in self._entries and len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        previous = self._entries.get(key)
        if previous is not None:
            seen_at = max(seen_at, previous[1])  # answers may arrive out of order
        self._entries[key] = (time.monotonic() + self._ttl, seen_at, headers)

    def forget(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key, None)


class SegmentsPresence:
    """Which buckets have a segments container, i.e. may hold multipart objects.

    Only those need the sweep after a write or delete; for every other bucket,
    PutObject and DeleteObject stay one Swift request. Per process: a "yes" is
    kept for a while (it rarely changes), a "no" only for a second, and this
    process's own CreateMultipartUpload turns it into "yes" at once. Accepted
    race: an upload created *and completed* through another gateway process
    within that second, then overwritten here, leaves its segments behind.
    """

    YES_SECONDS = 30.0
    NO_SECONDS = 1.0

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[float, bool]] = {}
        # One question to Swift per bucket at a time: when an answer expires under
        # concurrent writes, they all wait for the same HEAD instead of each
        # sending one (at concurrency 8: ~8 HEADs a second per bucket, not 1).
        self._asking: dict[tuple[str, str], asyncio.Future[bool]] = {}

    def mark(self, account: str, bucket: str) -> None:
        self._known[(account, bucket)] = (time.monotonic() + self.YES_SECONDS, True)

    def known(self, account: str, bucket: str) -> bool | None:
        """The answer while it is fresh, without asking Swift; else ``None``."""
        known = self._known.get((account, bucket))
        if known is not None and known[0] > time.monotonic():
            return known[1]
        return None

    async def may_hold_multipart(self, swift: SwiftClient, account: str, bucket: str) -> bool:
        known = self.known(account, bucket)
        if known is not None:
            return known
        key = (account, bucket)
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(swift, account, bucket))
            self._asking[key] = asking
            asking.add_done_callback(lambda done: self._answered(key, done))
        # Shielded: a waiter that is cancelled does not cancel the others' answer.
        return await asyncio.shield(asking)

    async def _ask(self, swift: SwiftClient, account: str, bucket: str) -> bool:
        resp = await swift.request("HEAD", account, segments_container(bucket))
        resp.release()
        present = resp.status != 404  # an error counts as "maybe": clean up rather than leak
        if len(self._known) > 4096:
            self._known.clear()
        ttl = self.YES_SECONDS if present else self.NO_SECONDS
        self._known[(account, bucket)] = (time.monotonic() + ttl, present)
        return present

    def _answered(self, key: tuple[str, str], done: asyncio.Future[bool]) -> None:
        if self._asking.get(key) is done:
            del self._asking[key]
        if not done.cancelled():
            done.exception()  # retrieved: waiters may all have been cancelled


@dataclass
class SwiftCaches:
    """What one ``SwiftStore`` remembers between requests."""

    markers: MarkerCache = field(default_factory=MarkerCache)
    segments: SegmentsPresence = field(default_factory=SegmentsPresence)
