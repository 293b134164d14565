"""The per-process bucket access cache: one read per bucket per TTL, and writes
through this process are never hidden by an answer read before them."""

from __future__ import annotations

import asyncio

from gateway.authz.acl import Owner, canned
from gateway.authz.cache import ACL_DOCUMENT, BucketAccess, BucketAccessCache
from gateway.storage.memory import MemoryStore


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0
        self.gate: asyncio.Event | None = None

    async def bucket_name_owner(self, bucket: str) -> str | None:
        self.lookups += 1
        if self.gate is not None:
            await self.gate.wait()
        return await super().bucket_name_owner(bucket)


async def test_one_read_serves_concurrent_and_later_requests() -> None:
    store = CountingStore()
    await store.create_bucket("AUTH_a", "b1")
    await store.claim_bucket_name("b1", "AUTH_a")
    acl = canned("public-read", Owner("x" * 64))
    await store.put_bucket_document("AUTH_a", "b1", ACL_DOCUMENT, acl.to_bytes())
    cache = BucketAccessCache()
    answers = await asyncio.gather(*(cache.get(store, "b1") for _ in range(5)))
    assert store.lookups == 1
    assert all(answer == BucketAccess("AUTH_a", acl) for answer in answers)
    assert (await cache.get(store, "unknown")).owner_account is None
    assert store.lookups == 2


async def test_an_expired_or_forgotten_entry_is_read_again() -> None:
    store = CountingStore()
    cache = BucketAccessCache(ttl=0.0)
    await cache.get(store, "b2")
    await cache.get(store, "b2")
    assert store.lookups == 2
    cache = BucketAccessCache()
    store.gate = asyncio.Event()
    loading = asyncio.ensure_future(cache.get(store, "b2"))
    await asyncio.sleep(0)
    cache.forget("b2")  # a write while the read was under way
    store.gate.set()
    assert (await loading).owner_account is None
    await cache.get(store, "b2")
    assert store.lookups == 4  # the answer read before the write was not kept


async def test_remember_primes_an_entry() -> None:
    store = CountingStore()
    cache = BucketAccessCache()
    cache.remember("b3", BucketAccess("AUTH_a"))
    assert (await cache.get(store, "b3")).owner_account == "AUTH_a"
    assert store.lookups == 0
