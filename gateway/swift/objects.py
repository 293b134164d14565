"""Object records and deletes on Swift, with the 404 disambiguation S3 needs.

Swift answers 404 both for a missing object and a missing container; S3 says
NoSuchBucket for the second, so a 404 is followed by a HEAD of the bucket.
Deleting a multipart object removes its segments with it; every delete then
starts the segment sweep (``gateway.swift.segment_sweep``, run after the
answer by ``gateway.swift.background``), which finds what racing writers left.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable

from gateway.storage import errors as store
from gateway.storage.records import ObjectInfo, ReadOptions
from gateway.swift.background import BackgroundWork
from gateway.swift.acl_records import SwiftAclRecords
from gateway.swift.codec import CopyKind, copy_headers, object_info
from gateway.swift.caches import SwiftCaches
from gateway.swift.outcomes import raise_for
from gateway.swift.segment_sweep import BucketAt, sweep_segments
from gateway.swift.multipart_layout import UPLOAD_ID_META

log = logging.getLogger("gateway")


class SwiftObjects(SwiftAclRecords):
    """``Store``'s object records and deletes (reads: ``swift.reads``)."""

    caches: SwiftCaches
    background: BackgroundWork

    def at(self, account: str, bucket: str) -> BucketAt:
        return BucketAt(self.swift, account, bucket, self.caches)

    async def missing_object(self, account: str, bucket: str, key: str) -> store.StoreError:
        """What Swift's 404 for ``key`` means: ``BucketNotFound`` raised, else the
        ``ObjectNotFound`` to raise."""
        await self.head_bucket(account, bucket)
        return store.ObjectNotFound(bucket=bucket, key=key)

    async def head_object(self, account: str, bucket: str, key: str,
                          options: ReadOptions | None = None) -> ObjectInfo:
        """The record from a plain HEAD (``SwiftReads.head_object`` honours ``options``)."""
        resp = await self.swift.request("HEAD", account, bucket, key)
        resp.release()
        if resp.status == 404:
            raise await self.missing_object(account, bucket, key)
        raise_for(resp, {}, bucket=bucket, key=key)
        return await self.with_acl_record(account, bucket, object_info(key, resp.headers))

    async def put_object_acl(self, account: str, bucket: str, key: str,
                             current: ObjectInfo, acl: bytes | None) -> None:
        """A Swift POST, which replaces every metadata header: it repeats what
        ``current`` holds (as a copy onto itself would keep it) with the new ACL."""
        headers = copy_headers(current, None, CopyKind.of(current, onto_itself=True), acl)
        await self.keep_acl_record(account, bucket, acl)
        resp = await self.swift.request("POST", account, bucket, key, headers=headers)
        resp.release()
        if resp.status == 404:
            raise await self.missing_object(account, bucket, key)
        raise_for(resp, {}, bucket=bucket, key=key)

    async def delete_object(self, account: str, bucket: str, key: str) -> None:
        # Asked once, before the delete (as a PUT does): a bucket without multipart
        # objects then costs one DELETE and no sweep task at all.
        may_hold = self.caches.segments.known(account, bucket)
        if may_hold is None:
            may_hold = await self.at(account, bucket).may_hold_multipart()
        if not (may_hold and await self._delete_if_multipart(account, bucket, key)):
            resp = await self.swift.request("DELETE", account, bucket, key)
            resp.release()
            if resp.status == 404:
                await self.head_bucket(account, bucket)  # an absent key is still a success
            else:
                raise_for(resp, {}, bucket=bucket, key=key)
        # Also what racing writers left (no-op in buckets without multipart objects).
        await self.sweep_later(account, bucket, key, may_hold)

    async def sweep_later(self, account: str, bucket: str, key: str,
                          may_hold: bool | Awaitable[bool] | None = None) -> None:
        """After a successful write or delete of ``key``: its segment sweep, run
        after the answer (``gateway.swift.background``). ``may_hold``: whether the
        bucket may hold multipart objects, if known or asked while the write ran."""
        if may_hold is False:
            return
        at = self.at(account, bucket)

        async def sweep() -> None:
            known = may_hold if may_hold is None or isinstance(may_hold, bool) else await may_hold
            await sweep_segments(at, key, may_hold=known)

        await self.background.start(sweep())

    async def _delete_if_multipart(self, account: str, bucket: str, key: str) -> bool:
        """Delete a multipart object with its segments; False when it is not one
        (the caller knows that the bucket may hold multipart objects)."""
        head = await self.swift.request("HEAD", account, bucket, key)
        head.release()
        if head.status != 200 or head.headers.get(UPLOAD_ID_META) is None:
            return False
        resp = await self.swift.request(
            "DELETE", account, bucket, key, params={"multipart-manifest": "delete"},
            headers={"Accept": "application/json"})
        try:
            if resp.status != 200:
                return False
            try:
                result = json.loads((await resp.read()).strip() or b"{}")
            except ValueError:
                return False
        finally:
            resp.release()
        if not str(result.get("Response Status", "")).startswith("200"):
            log.warning("multipart delete of %s: %s", key, result)
            return False  # e.g. replaced meanwhile by a plain object: delete it plainly
        return True
