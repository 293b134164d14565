"""DeleteObjects on Swift: plain keys through the bulk middleware, the rest one by one.

A HEAD and a DELETE per key cost two proxy round trips each; Swift's bulk
delete removes a whole list inside the proxy in one request. A multipart
object among those keys loses only its manifest there; its segments are found
afterwards by ``segment_sweep.sweep_many``, which lists them for the whole
batch at once. Swift reports every bulk failure by path (a missing object is
no failure: S3 calls it Deleted too), so each key keeps its own outcome.

Keys with an ETag condition need a HEAD first (as s3api does) and are deleted
one by one, at most ``CONCURRENCY`` at a time; so is every key when the bulk
request fails as a whole. A Static Large Object's manifest and segments go
together with ``?multipart-manifest=delete``; on a plain object Swift refuses
that query ("Not an SLO manifest").
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from urllib.parse import unquote

from gateway.storage import errors as store
from gateway.storage.etags import etag_matches
from gateway.storage.records import DeleteItem
from gateway.swift.codec import s3_etag_of
from gateway.swift.containers import bulk_delete_body
from gateway.swift.outcomes import OutcomeMap, outcome_for
from gateway.swift.segment_sweep import sweep_many
from gateway.swift.writes import SwiftWrites

log = logging.getLogger("gateway")

CONCURRENCY = 8
DELETE_OUTCOMES: OutcomeMap = {404: store.ObjectNotFound}
BULK_OUTCOMES: OutcomeMap = {}
Outcomes = dict[DeleteItem, store.StoreError | None]


class BulkUnavailable(Exception):
    """The bulk request failed as a whole: the keys are deleted one by one."""


def bulk_outcomes(container: str, keys: Sequence[str],
                  result: Mapping[str, object]) -> dict[str, store.StoreError | None]:
    """Each key's outcome from the bulk middleware's JSON result.

    ``Errors`` lists ``[quoted /container/object, "409 Conflict"]`` pairs; any
    key not listed was deleted or was already absent. A ``Response Body``
    (e.g. "Max delete failures exceeded") or a 5xx status means the request
    stopped part way: ``BulkUnavailable``.
    """
    status = str(result.get("Response Status", ""))
    if result.get("Response Body") or not status[:1].isdigit() or status.startswith("5"):
        raise BulkUnavailable(status)
    failed: dict[str, store.StoreError] = {}
    for entry in result.get("Errors") or []:  # type: ignore[union-attr]
        if not isinstance(entry, list) or len(entry) != 2:
            raise BulkUnavailable(f"unexpected entry {entry!r}")
        path, reason = unquote(str(entry[0])), str(entry[1])
        code = int(reason.split(" ", 1)[0]) if reason[:3].isdigit() else 500
        failed[path] = outcome_for(code, BULK_OUTCOMES, bucket=container,
                                   key=path[len(container) + 2:])
    prefix = f"/{container}/"
    return {key: failed.get(prefix + key) for key in keys}


class SwiftDeletes(SwiftWrites):
    """``Store.delete_objects``."""

    async def delete_objects(self, account: str, bucket: str,
                             items: Sequence[DeleteItem]) -> Mapping[DeleteItem,
                                                                    store.StoreError | None]:
        """Every item's outcome; segments of deleted multipart objects swept at the end."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(item: DeleteItem) -> store.StoreError | None:
            async with gate:
                try:
                    return await self._delete_one(account, bucket, item)
                except store.StoreError as exc:  # e.g. Swift unreachable: only that key failed
                    return exc

        async def bulk(plain: list[DeleteItem]) -> Outcomes:
            try:
                by_key = await self._bulk_delete(account, bucket,
                                                 list(dict.fromkeys(i.key for i in plain)))
            except (BulkUnavailable, store.StoreError) as exc:
                log.warning("bulk delete in %s failed (%s): deleting key by key", bucket, exc)
                return dict(zip(plain, await asyncio.gather(*(one(i) for i in plain))))
            return {item: by_key[item.key] for item in plain}

        plain = [item for item in items if item.if_match is None and item.key != ""]
        others = [item for item in items if item.if_match is not None or item.key == ""]
        outcomes, *rest = await asyncio.gather(bulk(plain), *(one(item) for item in others))
        outcomes.update(zip(others, rest))
        await self.background.start(sweep_many(
            self.at(account, bucket),
            [item.key for item, error in outcomes.items() if error is None]))
        return outcomes

    async def _bulk_delete(self, account: str, bucket: str,
                           keys: Sequence[str]) -> dict[str, store.StoreError | None]:
        """Delete ``keys`` in one bulk request; each key's outcome."""
        if not keys:
            return {}
        resp = await self.swift.request(
            "POST", account, params={"bulk-delete": "true"},
            data=bulk_delete_body(bucket, keys).encode("utf-8"),
            headers={"Content-Type": "text/plain", "Accept": "application/json"})
        try:
            if resp.status != 200:
                raise BulkUnavailable(str(resp.status))
            raw = (await resp.read()).strip()  # after the heartbeat spaces
        finally:
            resp.release()
        try:
            result = json.loads(raw)
        except ValueError:
            raise BulkUnavailable("unreadable result") from None
        if not isinstance(result, dict):
            raise BulkUnavailable("unreadable result")
        return bulk_outcomes(bucket, keys, result)

    async def _delete_one(self, account: str, bucket: str,
                          item: DeleteItem) -> store.StoreError | None:
        """Delete one key; an absent key counts as deleted, as in S3 (unless an ETag
        was required)."""
        key = item.key
        head = await self.swift.request("HEAD", account, bucket, key)
        head.release()
        if head.status == 404:
            return store.ObjectNotFound(bucket=bucket, key=key) if item.if_match else None
        if not 200 <= head.status < 300:
            return outcome_for(head.status, DELETE_OUTCOMES, bucket=bucket, key=key)
        if item.if_match is not None and not etag_matches(item.if_match, s3_etag_of(head.headers)):
            return store.PreconditionFailed("If-Match", bucket=bucket, key=key)
        if head.headers.get("X-Static-Large-Object", "").lower() == "true":
            handled, error = await self._delete_slo(account, bucket, key)
            if handled:
                return error
        resp = await self.swift.request("DELETE", account, bucket, key)
        resp.release()
        if resp.status == 404 or 200 <= resp.status < 300:
            return None
        return outcome_for(resp.status, DELETE_OUTCOMES, bucket=bucket, key=key)

    async def _delete_slo(self, account: str, bucket: str,
                          key: str) -> tuple[bool, store.StoreError | None]:
        """Manifest and segments in one request; Swift reports the outcome in a JSON body.

        Returns (handled, error); not handled when the key is no longer a manifest
        (replaced by a plain object since the HEAD): the caller deletes it plainly.
        """
        resp = await self.swift.request(
            "DELETE", account, bucket, key, params={"multipart-manifest": "delete"},
            headers={"Accept": "application/json"})
        failed = store.StoreInternal("multipart delete failed", bucket=bucket, key=key)
        try:
            if resp.status == 404:
                return True, None
            if not 200 <= resp.status < 300:
                return True, outcome_for(resp.status, DELETE_OUTCOMES, bucket=bucket, key=key)
            try:
                result = json.loads(await resp.read())
                status = int(str(result["Response Status"]).split()[0])
                failures = result.get("Errors") or []
            except (ValueError, KeyError, TypeError, IndexError):
                return True, failed
        finally:
            resp.release()
        if any("Not an SLO manifest" in str(failure) for failure in failures):
            return False, None
        if failures or not (200 <= status < 300 or status == 404):
            return True, failed
        return True, None
