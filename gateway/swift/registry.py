"""The bucket-name registry on Swift: one owner per bucket name, gateway-wide.

Each registered name is an empty object ``<name>`` of the reserved container
``REGISTRY_CONTAINER`` in the registry account (the service identity's, as
configured: ``[swift] registry_account``), its owner in the object's content
type so a plain container listing shows every name with its owner.

Who wins a race for a free name: creating a container is atomic in Swift (a
container server creates its database under a lock; of two racing PUTs one
gets 201 Created, the other 202 Accepted, and with replicas only one can
reach a quorum of 201s), while two object PUTs with ``If-None-Match: *``
can both pass the check when they arrive together. So a claim creates the
name's empty claim container ``s3gw+claim+<name>`` in the registry account:
201 wins and records the owner; 202 loses and waits for the winner's record
(a claim whose winner died before recording it is taken over after
``RECORD_WAIT_SECONDS``). A release drops the claim container first, then the
record, so a name is never free while its record still names an owner.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote, unquote

from gateway.storage.errors import StoreUnavailable
from gateway.swift.client import SwiftClient
from gateway.swift.outcomes import raise_for

REGISTRY_CONTAINER = "s3gw+registry"
CLAIM_PREFIX = "s3gw+claim+"
# How long a losing claim waits for the winner's record, and how often it looks.
RECORD_WAIT_SECONDS = 5.0
RECORD_POLL_SECONDS = 0.02
_OWNER_TYPE = "application/x-s3swift-bucket;owner="
PAGE = 10000


def owner_content_type(account: str) -> str:
    return _OWNER_TYPE + quote(account, safe="")


def owner_of_content_type(content_type: str) -> str | None:
    if not content_type.startswith(_OWNER_TYPE):
        return None
    return unquote(content_type[len(_OWNER_TYPE):]) or None


class SwiftRegistry:
    """``Store``'s registry operations, in ``registry_account``."""

    swift: SwiftClient
    registry_account: str

    async def claim_bucket_name(self, bucket: str, account: str) -> str:
        owner = await self.bucket_name_owner(bucket)
        if owner is not None:
            return owner
        lock = await self.swift.request("PUT", self.registry_account, CLAIM_PREFIX + bucket)
        lock.release()
        raise_for(lock, {})
        if lock.status == 201:  # this request created the claim: the name is ours
            await self._record_owner(bucket, account)
            return account
        deadline = time.monotonic() + RECORD_WAIT_SECONDS
        while time.monotonic() < deadline:  # another claim: its winner records itself
            owner = await self.bucket_name_owner(bucket)
            if owner is not None:
                return owner
            await asyncio.sleep(RECORD_POLL_SECONDS)
        return await self._take_over(bucket, account)

    async def _record_owner(self, bucket: str, account: str) -> None:
        for _ in range(2):
            resp = await self.swift.request(
                "PUT", self.registry_account, REGISTRY_CONTAINER, bucket,
                headers={"Content-Length": "0", "Content-Type": owner_content_type(account)},
                data=b"")
            resp.release()
            if resp.status != 404:
                raise_for(resp, {})
                return
            await self._create_registry_container()
        raise StoreUnavailable("the bucket registry cannot be written")

    async def _take_over(self, bucket: str, account: str) -> str:
        """A claim container with no record (its winner died in between): the first
        ``If-None-Match: *`` record wins, read back."""
        resp = await self.swift.request(
            "PUT", self.registry_account, REGISTRY_CONTAINER, bucket,
            headers={"If-None-Match": "*", "Content-Length": "0",
                     "Content-Type": owner_content_type(account)}, data=b"")
        resp.release()
        raise_for(resp, {}, ok=(412,))
        owner = await self.bucket_name_owner(bucket)
        if owner is None:
            raise StoreUnavailable("the bucket registry did not settle")
        return owner

    async def _create_registry_container(self) -> None:
        created = await self.swift.request("PUT", self.registry_account, REGISTRY_CONTAINER)
        created.release()
        raise_for(created, {})

    async def bucket_name_owner(self, bucket: str) -> str | None:
        resp = await self.swift.request("HEAD", self.registry_account, REGISTRY_CONTAINER,
                                        bucket)
        resp.release()
        if resp.status == 404:
            return None
        raise_for(resp, {})
        return owner_of_content_type(resp.headers.get("Content-Type") or "")

    async def release_bucket_name(self, bucket: str, account: str) -> None:
        if await self.bucket_name_owner(bucket) != account:
            return
        lock = await self.swift.request("DELETE", self.registry_account, CLAIM_PREFIX + bucket)
        lock.release()
        raise_for(lock, {}, ok=(404, 409))
        resp = await self.swift.request("DELETE", self.registry_account, REGISTRY_CONTAINER,
                                        bucket)
        resp.release()
        raise_for(resp, {}, ok=(404,))

    async def registered_bucket_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        marker = ""
        while True:
            resp = await self.swift.request(
                "GET", self.registry_account, REGISTRY_CONTAINER,
                params={"format": "json", "marker": marker, "limit": str(PAGE)})
            if resp.status == 404:
                resp.release()
                return names
            raise_for(resp, {})
            page = await resp.json()
            for entry in page:
                owner = owner_of_content_type(str(entry.get("content_type") or ""))
                if owner is not None:
                    names[str(entry["name"])] = owner
            if len(page) < PAGE:
                return names
            marker = page[-1]["name"]
