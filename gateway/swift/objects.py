"""Object reads and deletes on Swift, with the 404 disambiguation S3 needs.

Swift answers 404 both for a missing object and a missing container; S3 says
NoSuchBucket for the second, so a 404 is followed by a HEAD of the bucket.
"""

from __future__ import annotations

from gateway.storage import errors as store
from gateway.storage.records import ObjectInfo, ReadOptions
from gateway.swift.buckets import SwiftBuckets
from gateway.swift.codec import object_info
from gateway.swift.outcomes import raise_for


class SwiftObjects(SwiftBuckets):
    """``Store``'s object operations (reads here; writes in their own modules)."""

    async def missing_object(self, account: str, bucket: str, key: str) -> store.StoreError:
        """What Swift's 404 for ``key`` means: ``BucketNotFound`` raised, else the
        ``ObjectNotFound`` to raise."""
        await self.head_bucket(account, bucket)
        return store.ObjectNotFound(bucket=bucket, key=key)

    async def head_object(self, account: str, bucket: str, key: str,
                          options: ReadOptions | None = None) -> ObjectInfo:
        resp = await self.swift.request("HEAD", account, bucket, key)
        resp.release()
        if resp.status == 404:
            raise await self.missing_object(account, bucket, key)
        raise_for(resp, {}, bucket=bucket, key=key)
        return object_info(key, resp.headers)
