"""Removing the segments no object and no upload owns any more.

Invariant: every segment ``<key>/<upload_id>/<part>`` in ``<bucket>+segments``
belongs to the object now at ``key`` (its manifest names ``upload_id``) or to
an upload in progress (its marker ``<key>\\x01<upload_id>`` exists), or it is
removed by the write or delete that made it unreachable.

Why a sweep and not "clean what I replaced": writers racing on one key do not
see each other's objects (a HEAD before the write misses one completed in
between), so each writer, *after* its own write succeeded, looks at every
upload that has segments under the key and removes those that are neither
current nor in progress. The last write to land always sweeps after every
other write landed, so nothing survives it but its own segments and live
uploads. The checks run in this order, which is what makes them safe:

1. list the key's upload ids in ``+segments`` (one delimited listing: one entry
   per upload, not per part);
2. HEAD each candidate's marker: present means in progress, keep it. A
   Complete deletes its marker only after its manifest is written, so an
   upload is always covered by its marker or by its manifest;
3. only then HEAD the object: an upload whose marker was gone in 2 and that is
   not current in 3 was replaced (or aborted). A Complete in flight still has
   its marker in 2; its own sweep, after its marker is gone, removes it if it
   lost meanwhile.

Markers and objects are read with HEADs (consistent), never from a container
listing (which Swift updates asynchronously). A segment still missing from the
listing in 1 (written an instant ago) belongs to an upload whose own Complete
or Abort cleans it. Any failure keeps the segments: cleanup is best effort and
never turns the client's successful write into an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from gateway.swift.multipart_layout import (
    UPLOAD_ID_META, segments_container, upload_marker_name, uploads_container, valid_upload_id)
from gateway.storage.errors import StoreError, StoreUnavailable
from gateway.swift.caches import SwiftCaches
from gateway.swift.client import SwiftClient
from gateway.swift.containers import listing_or_none
from gateway.swift.parts import delete_parts

log = logging.getLogger("gateway")

SWIFT_PAGE = 10000
# Marker HEADs (or keys) in flight at once for one sweep.
MARKER_CHECKS = 8
# Listing pages a multi-key sweep reads before it lists key by key instead.
RANGE_PAGES = 10


@dataclass(frozen=True)
class BucketAt:
    """One bucket of one account, with the store's client and caches."""

    swift: SwiftClient
    account: str
    bucket: str
    caches: SwiftCaches

    async def may_hold_multipart(self) -> bool:
        """Whether the bucket may hold multipart objects (``caches.SegmentsPresence``)."""
        return await self.caches.segments.may_hold_multipart(self.swift, self.account,
                                                             self.bucket)


async def _upload_ids_with_segments(at: BucketAt, key: str) -> set[str]:
    """Step 1: the upload ids under ``key/`` in ``+segments`` (``key/<id>/`` subdirs).

    A subdir can also be the next path element of a longer key (``key/x/...``);
    such a name is never a live upload of ``key``, and ``delete_parts`` only
    removes names of the exact form ``key/<id>/<5 digits>``.
    """
    prefix = key + "/"
    found: set[str] = set()
    marker = ""
    while True:
        page = await listing_or_none(at.swift, at.account, segments_container(at.bucket), {
            "prefix": prefix, "delimiter": "/", "marker": marker, "limit": str(SWIFT_PAGE)})
        if not page:
            return found
        for entry in page:
            name = entry.get("subdir")
            if name is not None:
                upload_id = name[len(prefix):-1]
                if valid_upload_id(upload_id):
                    found.add(upload_id)
        if len(page) < SWIFT_PAGE:
            return found
        marker = page[-1].get("subdir") or page[-1]["name"]


async def _in_progress(at: BucketAt, key: str, upload_id: str,
                       limit: asyncio.Semaphore) -> bool:
    """Step 2: the marker exists (or cannot be ruled out)."""
    async with limit:
        resp = await at.swift.request("HEAD", at.account, uploads_container(at.bucket),
                                       upload_marker_name(key, upload_id))
    resp.release()
    return resp.status != 404


async def _current_upload(at: BucketAt, key: str) -> str | None:
    """Step 3: the upload the object now at ``key`` was completed from."""
    resp = await at.swift.request("HEAD", at.account, at.bucket, key)
    resp.release()
    if resp.status == 404:
        return None
    if resp.status != 200:
        raise StoreUnavailable(f"HEAD of an object answered {resp.status}")
    return resp.headers.get(UPLOAD_ID_META)


async def _remove_orphans(at: BucketAt, key: str, candidates: set[str]) -> None:
    """Steps 2 and 3 for uploads of ``key`` that have segments, then the deletes."""
    limit = asyncio.Semaphore(MARKER_CHECKS)
    ordered = sorted(candidates)
    live = await asyncio.gather(*(_in_progress(at, key, u, limit) for u in ordered))
    orphans = {u for u, alive in zip(ordered, live) if not alive}
    if not orphans:
        return
    orphans.discard(await _current_upload(at, key))  # strictly after the markers
    for upload_id in sorted(orphans):
        await delete_parts(at.swift, at.account, at.bucket, key, upload_id)


async def sweep_segments(at: BucketAt, key: str, may_hold: bool | None = None) -> None:
    """After a successful write or delete of ``key``: remove unowned segments.

    ``may_hold``: ``may_hold_multipart`` already asked (a PUT asks it
    while its body streams, so a bucket without multipart objects pays nothing
    after the write).
    """
    try:
        if may_hold is None:
            may_hold = await at.may_hold_multipart()
        if not may_hold:
            return
        candidates = await _upload_ids_with_segments(at, key)
        if candidates:
            await _remove_orphans(at, key, candidates)
    except StoreError as exc:
        log.warning("segment cleanup of a key in %s skipped: %r", at.bucket, exc)


async def _uploads_in_range(at: BucketAt, keys: set[str]) -> dict[str, set[str]] | None:
    """Step 1 for many keys: one listing of ``+segments`` from the first key to the
    last, grouped by key; ``None`` when that range holds too many segments."""
    found: dict[str, set[str]] = {}
    marker, end = min(keys), max(keys) + "0"  # "0" follows "/": past "<last>/..."
    for _ in range(RANGE_PAGES):
        page = await listing_or_none(at.swift, at.account, segments_container(at.bucket), {
            "marker": marker, "end_marker": end, "limit": str(SWIFT_PAGE)})
        if not page:
            return found
        for entry in page:
            owner, _, rest = entry["name"].rpartition("/")[0].rpartition("/")
            if owner in keys and valid_upload_id(rest):
                found.setdefault(owner, set()).add(rest)
        if len(page) < SWIFT_PAGE:
            return found
        marker = page[-1]["name"]
    return None


async def sweep_many(at: BucketAt, keys: Iterable[str]) -> None:
    """``sweep_segments`` for the keys of one DeleteObjects, with few listings.

    Keys deleted together are usually neighbours in a listing, so one range
    listing finds their segments; a range too wide falls back to one
    delimited listing per key. Only keys with segments pay for step 2 and 3.
    """
    wanted = {key for key in keys if key}
    try:
        if not wanted or not await at.may_hold_multipart():
            return
        grouped = await _uploads_in_range(at, wanted)
    except StoreError as exc:
        log.warning("segment cleanup in %s skipped: %r", at.bucket, exc)
        return
    limit = asyncio.Semaphore(MARKER_CHECKS)

    async def one(key: str) -> None:
        async with limit:
            if grouped is None:
                await sweep_segments(at, key)
                return
            try:
                await _remove_orphans(at, key, grouped[key])
            except StoreError as exc:
                log.warning("segment cleanup in %s skipped: %r", at.bucket, exc)

    await asyncio.gather(*(one(key) for key in (wanted if grouped is None else grouped)))
