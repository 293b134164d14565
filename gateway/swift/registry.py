"""The bucket-name registry on Swift: one owner per bucket name, gateway-wide.

Each registered name is an empty object ``<name>`` of the reserved container
``REGISTRY_CONTAINER`` in the registry account (the service identity's, as
configured: ``[swift] registry_account``), its owner in the object's content
type so a plain container listing shows every name with its owner. A claim is
a PUT with ``If-None-Match: *``: Swift refuses it (412) when the name exists,
so of two gateways racing for one name exactly one PUT succeeds; the claim is
then read back, which settles the rare case where both PUTs passed the check.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from gateway.storage.errors import StoreUnavailable
from gateway.swift.client import SwiftClient
from gateway.swift.outcomes import raise_for

REGISTRY_CONTAINER = "s3gw+registry"
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
        for _ in range(3):
            resp = await self.swift.request(
                "PUT", self.registry_account, REGISTRY_CONTAINER, bucket,
                headers={"If-None-Match": "*", "Content-Length": "0",
                         "Content-Type": owner_content_type(account)}, data=b"")
            resp.release()
            if resp.status == 404:  # the registry's first name: create its container
                created = await self.swift.request("PUT", self.registry_account,
                                                   REGISTRY_CONTAINER)
                created.release()
                raise_for(created, {})
                continue
            raise_for(resp, {}, ok=(412,))
            owner = await self.bucket_name_owner(bucket)
            if owner is not None:
                return owner
        raise StoreUnavailable("the bucket registry did not settle")

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
