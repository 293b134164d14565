"""``MemoryStore``: the whole storage interface in memory, for fast handler tests.

It follows ``gateway.storage.base.Store``'s contracts (the errors each method
raises, the listing's paging as Swift pages it) without any backend, so the
S3 logic of every operation can be tested in milliseconds. State lives in the
instance (one per application), never in the module; nothing is persisted.
Buckets, documents, listings and objects are in ``memory_objects``, multipart
uploads in ``memory_uploads``, the HTTP read rules in ``memory_rules``.
"""

from __future__ import annotations

from dataclasses import replace

from gateway.storage.memory_uploads import MemoryUploads
from gateway.storage.records import ObjectInfo


class MemoryStore(MemoryUploads):
    """Every ``Store`` operation on dictionaries: accounts -> buckets -> objects,
    documents and uploads in progress; ``registry``: bucket names -> owners."""

    # --- the bucket-name registry ------------------------------------------------

    async def claim_bucket_name(self, bucket: str, account: str) -> str:
        return self.registry.setdefault(bucket, account)

    async def bucket_name_owner(self, bucket: str) -> str | None:
        return self.registry.get(bucket)

    async def release_bucket_name(self, bucket: str, account: str) -> None:
        if self.registry.get(bucket) == account:
            del self.registry[bucket]

    async def create_registered_bucket(self, account: str, bucket: str) -> str:
        owner = await self.claim_bucket_name(bucket, account)
        if owner == account:
            await self.create_bucket(account, bucket)  # nothing else can fail here
        return owner

    async def delete_registered_bucket(self, account: str, bucket: str) -> None:
        await self.delete_bucket(account, bucket)
        await self.release_bucket_name(bucket, account)

    async def registered_bucket_names(self) -> dict[str, str]:
        return dict(self.registry)

    async def put_object_acl(self, account: str, bucket: str, key: str,
                             current: ObjectInfo, acl: bytes | None) -> None:
        stored = self.stored(account, bucket, key)
        stored.info = replace(stored.info, acl=acl)
