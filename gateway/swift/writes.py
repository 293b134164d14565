"""Object writes on Swift: PutObject and a checksum recorded after the body.

A PUT replaces the key's object; if that was a multipart object, its
segments are left behind, so every successful write starts the segment
sweep (``gateway.swift.segment_sweep``), which runs after the answer. Whether the bucket may hold multipart
objects at all is looked up while the body streams, so a bucket without them
costs no extra request after the PUT.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.checksums import Checksum
from gateway.storage import errors as store
from gateway.storage.etags import etag_matches
from gateway.storage.errors import StoreError
from gateway.storage.records import Body, NewObject, WriteConditions, WriteResult
from gateway.swift.codec import metadata_headers, put_headers
from gateway.swift.outcomes import OutcomeMap, raise_for
from gateway.swift.reads import SwiftReads
from gateway.timefmt import parse_http_date

log = logging.getLogger("gateway")

# A body up to this size is read before its PUT and sent as bytes: aiohttp then
# writes head and body at once, with no writer task or per-chunk iteration, and
# can resend it if Swift refuses the service token. Larger bodies stream.
GATHERED_BODY = 64 * 1024

PUT_OUTCOMES: OutcomeMap = {
    404: store.BucketNotFound, 400: store.InvalidWrite, 412: store.PreconditionFailed}


class SwiftWrites(SwiftReads):
    """``Store.put_object`` and ``Store.record_checksum``."""

    async def put_object(self, account: str, bucket: str, key: str, new: NewObject,
                         body: Body | bytes,
                         conditions: WriteConditions | None = None, *,
                         body_withheld: bool = False) -> WriteResult:
        if conditions is not None and conditions.if_match is not None:
            # Swift cannot check it on a PUT: checked against a HEAD just before it.
            current = await self.head_object(account, bucket, key)
            if not etag_matches(conditions.if_match, current.etag):
                raise store.PreconditionFailed("If-Match", bucket=bucket, key=key)
        length = new.content_length
        if (not isinstance(body, bytes) and not body_withheld and length is not None
                and length <= GATHERED_BODY):
            body = b"".join([chunk async for chunk in body])  # checks run as it is read
        headers = put_headers(new)
        await self.keep_acl_record(account, bucket, new.acl)
        if conditions is not None and conditions.if_none_match_star:
            headers["If-None-Match"] = "*"  # Swift refuses the PUT (412) if the key exists
        if body_withheld and new.content_length != 0:
            # Swift's proxy checks the container (404) and If-None-Match (412) before
            # it answers 100; aiohttp pulls the body, i.e. asks the client, only then.
            headers["Expect"] = "100-continue"
        # Usually cached; else asked while the body streams (a task costs ~5 us).
        may_hold = self.caches.segments.known(account, bucket)
        presence = (asyncio.ensure_future(self._may_hold_multipart(account, bucket))
                    if may_hold is None else None)
        try:
            resp = await self.swift.request("PUT", account, bucket, key, headers=headers,
                                            data=body)
            resp.release()
            raise_for(resp, PUT_OUTCOMES, bucket=bucket, key=key)
        except BaseException:
            if presence is not None:
                presence.cancel()
            raise
        await self.sweep_later(account, bucket, key, presence if may_hold is None else may_hold)
        backend_etag = resp.headers.get("Etag") or ""
        modified = resp.headers.get("Last-Modified")
        return WriteResult(etag=backend_etag.strip('"'),
                           last_modified=parse_http_date(modified) if modified else None,
                           checksum=new.checksum, backend_etag=backend_etag)

    async def _may_hold_multipart(self, account: str, bucket: str) -> bool:
        try:
            return await self.at(account, bucket).may_hold_multipart()
        except StoreError:
            return True  # unknown: sweep rather than leak

    async def record_checksum(self, account: str, bucket: str, key: str, new: NewObject,
                              checksum: Checksum) -> bool:
        """A Swift POST, which replaces all metadata (and the content type), so it
        carries ``new`` again. It cannot be made conditional and may land after
        another writer's PUT: hence ``checksum`` bound to this write's ETag, and
        an unbound one is not stored."""
        if checksum.etag is None:
            return False
        headers = metadata_headers(new)
        headers.update(checksum.swift_metadata())
        return await self._post_checksum(account, bucket, key, headers, f"{bucket}/{key}")

    async def _post_checksum(self, account: str, container: str, obj: str,
                             headers: dict[str, str], what: str) -> bool:
        """POST ``headers`` (an object's metadata with a late checksum); False, logged,
        if Swift did not take them: the object then has no stored checksum."""
        try:
            resp = await self.swift.request("POST", account, container, obj, headers=headers)
        except StoreError as exc:
            log.warning("storing the checksum of %s failed: %s", what, exc)
            return False
        resp.release()
        if resp.status >= 300:
            log.warning("storing the checksum of %s failed: Swift answered %s", what,
                        resp.status)
            return False
        return True
