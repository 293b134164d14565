"""``SwiftStore``: the storage interface on OpenStack Swift.

The only code that speaks Swift: every request and response release, the
404 disambiguation (missing bucket vs missing key), the multipart layout and
the codec between S3 state and Swift headers (``gateway.swift.codec``). One
instance per application (``gateway.app``), sharing one pooled client.
"""

from __future__ import annotations

from gateway.storage.base import Store
from gateway.storage.records import ListQuery, ObjectPage
from gateway.swift import listing
from gateway.swift.background import BackgroundWork
from gateway.swift.caches import SwiftCaches
from gateway.swift.client import SwiftClient
from gateway.swift.copies import SwiftCopies
from gateway.swift.part_copies import SwiftPartCopies
from gateway.swift.registry import SwiftRegistry


class SwiftStore(SwiftPartCopies, SwiftCopies, SwiftRegistry, Store):
    """Buckets (``swift.buckets``), objects (``swift.objects``, ``swift.reads``,
    ``swift.writes``, ``swift.deletes``), copies (``swift.copies``), listings
    (``swift.listing``), multipart uploads (``swift.uploads``,
    ``swift.upload_listing``, ``swift.completes``, ``swift.part_copies``), the
    bucket-name registry (``swift.registry``) in ``registry_account``."""

    def __init__(self, swift: SwiftClient, registry_account: str = "AUTH_s3swift-registry"
                 ) -> None:
        self.swift = swift
        self.registry_account = registry_account
        # Per instance, hence per application: see gateway.swift.caches.
        self.caches = SwiftCaches()
        # Segment sweeps run after the answer; drained in close().
        self.background = BackgroundWork()

    async def list_objects(self, account: str, bucket: str, query: ListQuery) -> ObjectPage:
        return await listing.list_objects(self.swift, account, bucket, query)

    async def close(self) -> None:
        await self.background.drain()
        await self.swift.close()
