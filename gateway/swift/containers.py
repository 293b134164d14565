"""Container-level Swift helpers every part of ``SwiftStore`` shares: listing
pages of any container, and best-effort bulk deletes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from urllib.parse import quote

from gateway.storage import errors as store
from gateway.swift.client import SwiftClient, json_body
from gateway.swift.outcomes import raise_for

log = logging.getLogger("gateway")

# Swift's bulk middleware takes at most this many paths per request.
BULK_DELETE_MAX = 10000


async def listing_or_none(swift: SwiftClient, account: str, container: str,
                          params: dict[str, str]) -> list[dict] | None:
    """One JSON page of a container listing; ``None`` if the container is missing."""
    resp = await swift.request("GET", account, container, params={"format": "json", **params})
    if resp.status == 404:
        resp.release()
        return None
    raise_for(resp, {})
    if resp.status == 204:
        resp.release()
        return []
    return await json_body(resp)


def bulk_delete_body(container: str, names: Iterable[str]) -> str:
    """What Swift's bulk delete reads: one URL-encoded ``/container/object`` a line."""
    return "\n".join(f"/{quote(container, safe='')}/{quote(name, safe='/')}" for name in names)


async def bulk_delete(swift: SwiftClient, account: str, container: str,
                      names: Iterable[str]) -> None:
    """Delete objects through Swift's bulk middleware; failures are logged, not raised.

    Cleanup is best effort: the S3 operation that triggers it has succeeded.
    """
    names = list(names)
    for start in range(0, len(names), BULK_DELETE_MAX):
        body = bulk_delete_body(container, names[start:start + BULK_DELETE_MAX])
        resp = await swift.request(
            "POST", account, params={"bulk-delete": "true"}, data=body.encode("utf-8"),
            headers={"Content-Type": "text/plain", "Accept": "application/json"})
        try:
            raise_for(resp, {})
            result = json.loads((await resp.read()).strip() or b"{}")
        except (store.StoreError, ValueError) as exc:
            log.warning("bulk delete in %s failed: %s", container, exc)
            continue
        finally:
            resp.release()
        if result.get("Errors"):
            log.warning("bulk delete in %s: %s", container, result["Errors"])


async def empty_and_drop(swift: SwiftClient, account: str, container: str,
                         prefix: str = "", drop: bool = True) -> None:
    """Delete every object (under ``prefix``) of ``container``, then (``drop``) the
    container itself. Best effort, bounded: a failing bulk delete must not loop."""
    page: list[dict] | None = None
    for _ in range(1000):
        params = {"limit": str(BULK_DELETE_MAX)}
        if prefix:
            params["prefix"] = prefix
        page = await listing_or_none(swift, account, container, params)
        if not page:  # never created, or empty
            break
        await bulk_delete(swift, account, container, (entry["name"] for entry in page))
        if len(page) < BULK_DELETE_MAX:
            break
    if drop and page is not None:
        resp = await swift.request("DELETE", account, container)
        resp.release()
