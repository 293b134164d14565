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

CreateBucket and DeleteBucket (``create_registered_bucket``,
``delete_registered_bucket``) overlap their registry requests with the
bucket's own where the order does not matter: the winner of a claim records
itself while its container is made (a container that cannot be made frees
the name again; one made for a name that cannot be recorded is dropped), and
a DeleteBucket reads the name's owner while the container goes, then frees
the name while the bucket's leftovers go.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote, unquote

from gateway.storage.errors import BucketAlreadyOwned, StoreUnavailable
from gateway.swift.buckets import SwiftBuckets
from gateway.swift.client import json_body
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


class SwiftRegistry(SwiftBuckets):
    """``Store``'s registry operations, in ``registry_account``, and the bucket
    operations that go with them."""

    registry_account: str

    async def claim_bucket_name(self, bucket: str, account: str) -> str:
        owner = await self.bucket_name_owner(bucket)
        if owner is not None:
            return owner
        if await self._claim(bucket):
            await self._record_owner(bucket, account)
            return account
        return await self._winner_of(bucket, account)

    async def create_registered_bucket(self, account: str, bucket: str) -> str:
        owner = await self.bucket_name_owner(bucket)
        if owner is None and await self._claim(bucket):
            await self._create_claimed_bucket(account, bucket)
            return account
        if owner is None:  # another request holds the claim
            owner = await self._winner_of(bucket, account)
        # Re-created (or its container is missing: made again). A failure frees
        # nothing: the name was not claimed here (another request may use it).
        if owner == account:
            await self.create_bucket(account, bucket)
        return owner

    async def _create_claimed_bucket(self, account: str, bucket: str) -> None:
        """The record and the container at once, for a name this request claimed."""
        recorded, created = await asyncio.gather(
            self._record_owner(bucket, account), self.create_bucket(account, bucket),
            return_exceptions=True)
        if isinstance(created, BaseException) and not isinstance(created, BucketAlreadyOwned):
            if not isinstance(recorded, BaseException):
                await self._free_name(bucket)
            raise created
        if isinstance(recorded, BaseException):
            if created is None:  # made for a name it cannot have: not a bucket
                await self.drop_bucket_container(account, bucket)
            raise recorded
        if created is not None:  # a container the account already had: adopted
            raise created

    async def delete_registered_bucket(self, account: str, bucket: str) -> None:
        owner, dropped = await asyncio.gather(
            self.bucket_name_owner(bucket), self.drop_bucket_container(account, bucket),
            return_exceptions=True)
        if isinstance(dropped, BaseException):
            raise dropped
        cleanups = [self.drop_bucket_leftovers(account, bucket)]
        if owner == account:
            cleanups.append(self._free_name(bucket))
        results = await asyncio.gather(*cleanups, return_exceptions=True)
        for result in (owner, *results):
            if isinstance(result, BaseException):
                raise result

    async def _claim(self, bucket: str) -> bool:
        """Whether this request created the name's claim container: the name is ours."""
        lock = await self.swift.request("PUT", self.registry_account, CLAIM_PREFIX + bucket)
        lock.release()
        raise_for(lock, {})
        return lock.status == 201

    async def _winner_of(self, bucket: str, account: str) -> str:
        """The owner another claim records; taken over if it never does."""
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
        if await self.bucket_name_owner(bucket) == account:
            await self._free_name(bucket)

    async def _free_name(self, bucket: str) -> None:
        """The claim container first, then the record (see the module's docstring)."""
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
            page = await json_body(resp)
            for entry in page:
                owner = owner_of_content_type(str(entry.get("content_type") or ""))
                if owner is not None:
                    names[str(entry["name"])] = owner
            if len(page) < PAGE:
                return names
            marker = page[-1]["name"]
