"""What the authorization point remembers of each bucket, per process.

A bucket's owner (the registry's answer), its ACL, policy, ownership controls
and public access block documents are
read from the store once per ``TTL_SECONDS`` per bucket, so an owner's request
to a private bucket costs no Swift round trip for authorization. Concurrent
misses for one bucket share one read. Writes through this process
(CreateBucket, DeleteBucket, PutBucketAcl, the policy's) call ``forget``;
other processes see them within the TTL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.authz.acl import Acl
from gateway.policy import access_block
from gateway.policy import ownership as ownership_doc
from gateway.policy.access_block import NOTHING_BLOCKED, PublicAccessBlock
from gateway.storage.base import Store
from gateway.storage.errors import BucketNotFound

TTL_SECONDS = 5.0
MAX_ENTRIES = 10000
ACL_DOCUMENT = "acl"
POLICY_DOCUMENT = "policy"


@dataclass(frozen=True)
class BucketAccess:
    """``owner_account`` None: the name is in no registry entry (``gateway.authz.point``
    serves it as the caller's own, unregistered bucket)."""

    owner_account: str | None
    acl: Acl | None = None
    policy: Any = None  # a parsed ``policy_port.BucketPolicy``
    ownership: str | None = None  # the ownership controls' mode, if set
    block: PublicAccessBlock = NOTHING_BLOCKED


UNREGISTERED = BucketAccess(None)


class BucketAccessCache:
    """Bucket name -> ``BucketAccess``, fresh for ``ttl`` seconds; bounded in size."""

    def __init__(self, parse_policy: Callable[[str, str], Any] | None = None,
                 ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES) -> None:
        """``parse_policy``: how a stored policy document becomes a ``BucketPolicy``
        (``None``: policies are not evaluated, none can be stored)."""
        self._parse = parse_policy
        self._ttl = ttl
        self._size = size
        self._entries: dict[str, tuple[float, BucketAccess]] = {}
        self._loading: dict[str, asyncio.Future[BucketAccess]] = {}

    async def get(self, store: Store, bucket: str) -> BucketAccess:
        entry = self._entries.get(bucket)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        loading = self._loading.get(bucket)
        if loading is None:
            loading = asyncio.ensure_future(self._load(store, bucket))
            self._loading[bucket] = loading
            loading.add_done_callback(lambda done: self._loaded(bucket, done))
        return await asyncio.shield(loading)

    def remember(self, bucket: str, access: BucketAccess) -> None:
        """What a write through this process just made true (CreateBucket)."""
        self.forget(bucket)
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[bucket] = (time.monotonic() + self._ttl, access)

    def forget(self, bucket: str) -> None:
        self._entries.pop(bucket, None)
        self._loading.pop(bucket, None)

    async def _load(self, store: Store, bucket: str) -> BucketAccess:
        owner = await store.bucket_name_owner(bucket)
        if owner is None:
            return UNREGISTERED
        try:
            acl, policy, ownership, block = await asyncio.gather(*(
                store.get_bucket_document(owner, bucket, name)
                for name in (ACL_DOCUMENT, POLICY_DOCUMENT, ownership_doc.DOCUMENT,
                             access_block.DOCUMENT)))
        except BucketNotFound:  # registered, container gone: the owner's requests say so
            return BucketAccess(owner)
        parsed = self._parse(policy.decode(), bucket) if policy and self._parse else None
        return BucketAccess(owner, Acl.from_bytes(acl) if acl else None, parsed,
                            ownership_doc.stored_ownership(ownership),
                            access_block.public_access_block(block))

    def _loaded(self, bucket: str, done: asyncio.Future[BucketAccess]) -> None:
        if self._loading.get(bucket) is not done:
            return  # forgotten while loading: a write happened, do not keep the old answer
        del self._loading[bucket]
        if done.cancelled() or done.exception() is not None:
            return
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[bucket] = (time.monotonic() + self._ttl, done.result())
