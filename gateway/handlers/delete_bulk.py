"""DeleteObjects' plain keys through Swift's bulk delete: one request per batch.

A HEAD and a DELETE per key cost two proxy round trips each; the bulk
middleware deletes the whole list inside the proxy. A multipart object among
the keys loses only its manifest there; its segments are found afterwards by
``segment_sweep.sweep_many``, which lists them for the whole batch at once.
Swift reports every failure by path (a missing object is no failure: S3 calls
it Deleted too), so each key keeps its own outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from urllib.parse import unquote

from gateway import errors
from gateway.handlers.multipart_common import bulk_delete_body
from gateway.s3request import S3Request
from gateway.swift.status import StatusMap, error_for

log = logging.getLogger("gateway")

BULK_ERRORS: StatusMap = {}


class BulkUnavailable(Exception):
    """The bulk request failed as a whole: the caller deletes the keys one by one."""


def bulk_outcomes(container: str, keys: Sequence[str],
                  result: Mapping[str, object]) -> dict[str, errors.S3Error | None]:
    """Each key's outcome from the bulk middleware's JSON result.

    ``Errors`` lists ``[quoted /container/object, "409 Conflict"]`` pairs; any
    key not listed was deleted or was already absent. A ``Response Body``
    (e.g. "Max delete failures exceeded") or a 5xx status means the request
    stopped part way: ``BulkUnavailable``.
    """
    status = str(result.get("Response Status", ""))
    if result.get("Response Body") or not status[:1].isdigit() or status.startswith("5"):
        raise BulkUnavailable(status)
    failed: dict[str, errors.S3Error] = {}
    for entry in result.get("Errors") or []:  # type: ignore[union-attr]
        if not isinstance(entry, list) or len(entry) != 2:
            raise BulkUnavailable(f"unexpected entry {entry!r}")
        path, reason = unquote(str(entry[0])), str(entry[1])
        code = int(reason.split(" ", 1)[0]) if reason[:3].isdigit() else 500
        failed[path] = error_for(code, BULK_ERRORS)
    prefix = f"/{container}/"
    return {key: failed.get(prefix + key) for key in keys}


async def bulk_delete_keys(req: S3Request, keys: Sequence[str]) -> dict[str, errors.S3Error | None]:
    """Delete ``keys`` of ``req.bucket`` in one bulk request; each key's outcome."""
    assert req.bucket is not None
    if not keys:
        return {}
    resp = await req.swift.request(
        "POST", req.account, params={"bulk-delete": "true"},
        data=bulk_delete_body(req.bucket, keys).encode("utf-8"),
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
    return bulk_outcomes(req.bucket, keys, result)
