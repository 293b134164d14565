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
import time
from collections.abc import Iterable

from gateway import errors
from gateway.handlers.multipart_common import (
    SWIFT_PAGE, completed_upload_id, delete_parts, swift_listing)
from gateway.multipart_layout import (
    segments_container, upload_marker_name, uploads_container, valid_upload_id)
from gateway.s3request import S3Request

log = logging.getLogger("gateway")

# Marker HEADs (or keys) in flight at once for one sweep.
MARKER_CHECKS = 8
# Listing pages a multi-key sweep reads before it lists key by key instead.
RANGE_PAGES = 10


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

    def mark(self, account: str, bucket: str) -> None:
        self._known[(account, bucket)] = (time.monotonic() + self.YES_SECONDS, True)

    async def may_hold_multipart(self, req: S3Request) -> bool:
        assert req.bucket is not None
        key = (req.account, req.bucket)
        known = self._known.get(key)
        if known is not None and known[0] > time.monotonic():
            return known[1]
        resp = await req.swift.request("HEAD", req.account, segments_container(req.bucket))
        resp.release()
        present = resp.status != 404  # an error counts as "maybe": clean up rather than leak
        if len(self._known) > 4096:
            self._known.clear()
        ttl = self.YES_SECONDS if present else self.NO_SECONDS
        self._known[key] = (time.monotonic() + ttl, present)
        return present


SEGMENTS = SegmentsPresence()


async def _upload_ids_with_segments(req: S3Request, key: str) -> set[str]:
    """Step 1: the upload ids under ``key/`` in ``+segments`` (``key/<id>/`` subdirs).

    A subdir can also be the next path element of a longer key (``key/x/...``);
    such a name is never a live upload of ``key``, and ``delete_parts`` only
    removes names of the exact form ``key/<id>/<5 digits>``.
    """
    assert req.bucket is not None
    prefix = key + "/"
    found: set[str] = set()
    marker = ""
    while True:
        page = await swift_listing(req, segments_container(req.bucket), {
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


async def _in_progress(req: S3Request, key: str, upload_id: str,
                       limit: asyncio.Semaphore) -> bool:
    """Step 2: the marker exists (or cannot be ruled out)."""
    assert req.bucket is not None
    async with limit:
        resp = await req.swift.request("HEAD", req.account, uploads_container(req.bucket),
                                       upload_marker_name(key, upload_id))
    resp.release()
    return resp.status != 404


async def _current_upload(req: S3Request, key: str) -> str | None:
    """Step 3: the upload the object now at ``key`` was completed from."""
    resp = await req.swift.request("HEAD", req.account, req.bucket, key)
    resp.release()
    if resp.status == 404:
        return None
    if resp.status != 200:
        raise errors.ServiceUnavailable()
    return completed_upload_id(resp.headers)


async def _remove_orphans(req: S3Request, key: str, candidates: set[str]) -> None:
    """Steps 2 and 3 for uploads of ``key`` that have segments, then the deletes."""
    limit = asyncio.Semaphore(MARKER_CHECKS)
    ordered = sorted(candidates)
    live = await asyncio.gather(*(_in_progress(req, key, u, limit) for u in ordered))
    orphans = {u for u, alive in zip(ordered, live) if not alive}
    if not orphans:
        return
    orphans.discard(await _current_upload(req, key))  # strictly after the markers
    for upload_id in sorted(orphans):
        await delete_parts(req, key, upload_id)


async def sweep_segments(req: S3Request, key: str | None = None,
                         may_hold: bool | None = None) -> None:
    """After a successful write or delete of ``key``: remove unowned segments.

    ``may_hold``: ``SEGMENTS.may_hold_multipart`` already asked (a PUT asks it
    while its body streams, so a bucket without multipart objects pays nothing
    after the write).
    """
    key = key if key is not None else req.key
    assert key is not None
    try:
        if may_hold is None:
            may_hold = await SEGMENTS.may_hold_multipart(req)
        if not may_hold:
            return
        candidates = await _upload_ids_with_segments(req, key)
        if candidates:
            await _remove_orphans(req, key, candidates)
    except errors.S3Error as exc:
        log.warning("segment cleanup of a key in %s skipped: %s", req.bucket, exc.code)


async def _uploads_in_range(req: S3Request, keys: set[str]) -> dict[str, set[str]] | None:
    """Step 1 for many keys: one listing of ``+segments`` from the first key to the
    last, grouped by key; ``None`` when that range holds too many segments."""
    assert req.bucket is not None
    found: dict[str, set[str]] = {}
    marker, end = min(keys), max(keys) + "0"  # "0" follows "/": past "<last>/..."
    for _ in range(RANGE_PAGES):
        page = await swift_listing(req, segments_container(req.bucket), {
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


async def sweep_many(req: S3Request, keys: Iterable[str]) -> None:
    """``sweep_segments`` for the keys of one DeleteObjects, with few listings.

    Keys deleted together are usually neighbours in a listing, so one range
    listing finds their segments; a range too wide falls back to one
    delimited listing per key. Only keys with segments pay for step 2 and 3.
    """
    wanted = {key for key in keys if key}
    try:
        if not wanted or not await SEGMENTS.may_hold_multipart(req):
            return
        grouped = await _uploads_in_range(req, wanted)
    except errors.S3Error as exc:
        log.warning("segment cleanup in %s skipped: %s", req.bucket, exc.code)
        return
    limit = asyncio.Semaphore(MARKER_CHECKS)

    async def one(key: str) -> None:
        async with limit:
            if grouped is None:
                await sweep_segments(req, key)
                return
            try:
                await _remove_orphans(req, key, grouped[key])
            except errors.S3Error as exc:
                log.warning("segment cleanup in %s skipped: %s", req.bucket, exc.code)

    await asyncio.gather(*(one(key) for key in (wanted if grouped is None else grouped)))
