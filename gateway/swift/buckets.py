"""Buckets and their S3 configuration documents on Swift.

A bucket is a Swift container. Its multipart state lives in two hidden
containers (``gateway.swift.multipart_layout``), and its S3 configuration documents
(tagging, CORS, policy, lifecycle, website, notification...) in one reserved
container per account, ``DOCUMENTS_CONTAINER``, as objects
``<bucket>/<document name>``: object bodies, so a 20 KB policy never meets
Swift's metadata limits, and one container per account rather than per bucket.
S3 bucket names cannot contain ``+``, so no bucket can collide with it, and
ListBuckets hides it like the multipart containers (``HIDDEN_SUFFIXES``).
DeleteBucket removes a bucket's documents, so a bucket created again with the
same name starts bare, as on S3.
"""

from __future__ import annotations

import asyncio

from gateway.swift.multipart_layout import SEGMENTS_SUFFIX, segments_container, uploads_container
from gateway.swift.multipart_layout import UPLOADS_SUFFIX
from gateway.storage import errors as store
from gateway.storage.records import BucketInfo
from gateway.swift.client import SwiftClient, json_body
from gateway.swift.codec import bucket_info
from gateway.swift.containers import empty_and_drop
from gateway.swift.outcomes import OutcomeMap, raise_for

DOCUMENTS_CONTAINER = "s3gw+buckets"
# Containers the gateway keeps for its own bookkeeping are not buckets.
HIDDEN_SUFFIXES = (SEGMENTS_SUFFIX, UPLOADS_SUFFIX, "+buckets")
PAGE = 10000
MAX_DOCUMENT_BYTES = 64 * 1024


def is_bucket(container: str) -> bool:
    """Whether a container of the account is an S3 bucket: S3 names have no ``+``,
    which every container the gateway keeps for itself has (``HIDDEN_SUFFIXES``)."""
    return "+" not in container


BUCKET: OutcomeMap = {404: store.BucketNotFound}
DELETE_BUCKET: OutcomeMap = {404: store.BucketNotFound, 409: store.BucketNotEmpty}


class SwiftBuckets:
    """``Store``'s bucket operations; ``swift`` is the shared client."""

    swift: SwiftClient

    async def list_buckets(self, account: str, prefix: str = "", marker: str = "",
                           limit: int | None = None) -> list[BucketInfo]:
        out: list[BucketInfo] = []
        while limit is None or len(out) < limit:
            # Hidden containers take places in Swift's pages: ask again for the rest.
            want = PAGE if limit is None else min(PAGE, limit - len(out))
            params = {"format": "json", "marker": marker, "limit": str(want)}
            if prefix:
                params["prefix"] = prefix
            resp = await self.swift.request("GET", account, params=params)
            if resp.status == 404:  # the account does not exist until first used
                resp.release()
                break
            raise_for(resp, {})
            page = await json_body(resp)
            out.extend(bucket_info(account, c) for c in page if is_bucket(c["name"]))
            if len(page) < want:
                break
            marker = page[-1]["name"]
        return out

    async def create_bucket(self, account: str, bucket: str) -> None:
        resp = await self.swift.request("PUT", account, bucket)
        raise_for(resp, {}, bucket=bucket)
        resp.release()
        if resp.status == 202:  # Swift: the container already existed
            raise store.BucketAlreadyOwned(bucket=bucket)

    async def head_bucket(self, account: str, bucket: str) -> BucketInfo:
        resp = await self.swift.request("HEAD", account, bucket)
        raise_for(resp, BUCKET, bucket=bucket)
        resp.release()
        return BucketInfo(name=bucket, owner=account)

    async def delete_bucket(self, account: str, bucket: str) -> None:
        await self.drop_bucket_container(account, bucket)
        await self.drop_bucket_leftovers(account, bucket)

    async def drop_bucket_container(self, account: str, bucket: str) -> None:
        """The first half of ``delete_bucket``: the container, if empty."""
        resp = await self.swift.request("DELETE", account, bucket)
        raise_for(resp, DELETE_BUCKET, bucket=bucket)
        resp.release()

    async def drop_bucket_leftovers(self, account: str, bucket: str) -> None:
        """The second half of ``delete_bucket``, once the container is gone: uploads
        in progress and documents go with the bucket, as in S3; they would otherwise
        come back with a bucket of the same name. Best effort."""
        # Three independent cleanups: at once (each is at least one listing).
        results = await asyncio.gather(
            empty_and_drop(self.swift, account, uploads_container(bucket)),
            empty_and_drop(self.swift, account, segments_container(bucket)),
            empty_and_drop(self.swift, account, DOCUMENTS_CONTAINER, prefix=bucket + "/",
                           drop=False),
            return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    # --- per-bucket documents ----------------------------------------------------

    async def get_bucket_document(self, account: str, bucket: str, name: str) -> bytes | None:
        exists, resp = await asyncio.gather(
            self.head_bucket(account, bucket),
            self.swift.request("GET", account, DOCUMENTS_CONTAINER, document_name(bucket, name)),
            return_exceptions=True)
        if isinstance(resp, BaseException):
            if isinstance(exists, BaseException):
                raise exists
            raise resp
        try:
            if isinstance(exists, BaseException):
                raise exists
            if resp.status == 404:
                return None
            raise_for(resp, {})
            return await resp.read()
        finally:
            resp.release()

    async def put_bucket_document(self, account: str, bucket: str, name: str,
                                  document: bytes) -> None:
        if len(document) > MAX_DOCUMENT_BYTES:
            raise store.EntityTooLarge(bucket=bucket, max_size=MAX_DOCUMENT_BYTES)
        await self.head_bucket(account, bucket)
        await self.put_document(account, document_name(bucket, name), document)

    async def put_document(self, account: str, name: str, document: bytes,
                           conditions: dict[str, str] | None = None) -> None:
        """PUT ``name`` into the account's documents container (made on first use);
        ``conditions``: ``If-None-Match: *`` keeps an existing one (no error)."""
        for attempt in (1, 2):
            resp = await self.swift.request(
                "PUT", account, DOCUMENTS_CONTAINER, name, data=document,
                headers={"Content-Type": "application/octet-stream",
                         "Content-Length": str(len(document)), **(conditions or {})})
            if resp.status == 404 and attempt == 1:  # first document of the account
                resp.release()
                created = await self.swift.request("PUT", account, DOCUMENTS_CONTAINER)
                raise_for(created, {})
                created.release()
                continue
            raise_for(resp, {}, ok=(412,))
            resp.release()
            return

    async def delete_bucket_document(self, account: str, bucket: str, name: str) -> None:
        await self.head_bucket(account, bucket)
        resp = await self.swift.request("DELETE", account, DOCUMENTS_CONTAINER,
                                        document_name(bucket, name))
        raise_for(resp, {}, ok=(404,))
        resp.release()


def document_name(bucket: str, name: str) -> str:
    """A bucket's document's object name in ``DOCUMENTS_CONTAINER``."""
    return f"{bucket}/{name}"
