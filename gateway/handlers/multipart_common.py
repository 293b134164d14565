"""What the multipart handlers share: finding an upload, listing and removing parts."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import cast

from gateway import errors
from gateway.multipart_layout import (
    MAX_PART_NUMBER, MIN_PART_NUMBER, UPLOAD_ID_META, upload_marker_name, uploads_container,
    valid_upload_id)
from gateway.s3request import S3Request
from gateway.swift import containers, parts
from gateway.swift.caches import MarkerCache, SwiftCaches
from gateway.swift.status import StatusMap, raise_for_status

log = logging.getLogger("gateway")

LISTING_ERRORS: StatusMap = {}
SWIFT_PAGE = 10000
# How long an Abort waits between deleting the marker and listing the parts it
# deletes (see part_needs_open_check).
ABORT_SETTLE_SECONDS = 1.0


async def require_bucket(req: S3Request) -> None:
    """``NoSuchBucket`` unless the bucket exists."""
    assert req.bucket is not None
    await req.store.head_bucket(req.account, req.bucket)


def upload_id_param(req: S3Request) -> str:
    return req.query.get("uploadId", "")


async def head_marker(req: S3Request, upload_id: str) -> Mapping[str, str]:
    """The upload marker's headers; ``NoSuchUpload`` (or ``NoSuchBucket``) if absent."""
    assert req.bucket is not None and req.key is not None
    if not valid_upload_id(upload_id):
        await require_bucket(req)
        raise errors.NoSuchUpload(UploadId=upload_id)
    sent = time.monotonic()
    resp = await req.swift.request("HEAD", req.account, uploads_container(req.bucket),
                                   upload_marker_name(req.key, upload_id))
    if resp.status == 404:
        resp.release()
        _markers(req).forget(_marker_key(req, upload_id))
        await require_bucket(req)
        raise errors.NoSuchUpload(UploadId=upload_id)
    raise_for_status(resp, {})
    resp.release()
    _markers(req).put(_marker_key(req, upload_id), resp.headers, seen_at=sent)
    return resp.headers


def _markers(req: S3Request) -> MarkerCache:
    """The store's upload-marker cache (``gateway.swift.caches``): app-scoped."""
    return cast(SwiftCaches, req.store.caches).markers  # type: ignore[attr-defined]




def _marker_key(req: S3Request, upload_id: str) -> tuple[str, ...]:
    return (req.account, req.bucket or "", req.key or "", upload_id)


async def recent_marker(req: S3Request, upload_id: str) -> Mapping[str, str]:
    """``head_marker``, answered from the marker cache when the marker was seen just now."""
    headers = _markers(req).get(_marker_key(req, upload_id))
    if headers is None:
        headers = await head_marker(req, upload_id)
    return headers


def forget_marker(req: S3Request, upload_id: str) -> None:
    _markers(req).forget(_marker_key(req, upload_id))


def part_needs_open_check(req: S3Request, upload_id: str, committed_at: float) -> bool:
    """Whether a part stored at ``committed_at`` (monotonic) must HEAD its marker again.

    The settle rule: AbortMultipartUpload deletes the marker, waits
    ``ABORT_SETTLE_SECONDS``, and only then lists the parts it deletes. A part
    committed less than that after a moment its marker still existed (a HEAD
    sent then found it) was therefore committed before that listing, and the
    Abort removes it. Only a part committed later must look for the marker
    itself, so concurrent parts of one upload share one HEAD per settle period
    instead of one HEAD each. Only durations on one clock are compared.
    """
    seen_at = _markers(req).seen_at(_marker_key(req, upload_id))
    return seen_at is None or committed_at - seen_at >= ABORT_SETTLE_SECONDS


def parse_part_number(value: str | None) -> int:
    """partNumber of UploadPart: an integer in 1..10000, as AWS words the error."""
    try:
        number = int(value or "")
    except ValueError:
        number = 0
    if not MIN_PART_NUMBER <= number <= MAX_PART_NUMBER:
        raise errors.InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber", ArgumentValue=value)
    return number


async def swift_listing(req: S3Request, container: str,
                        params: dict[str, str]) -> list[dict] | None:
    """One JSON page of a container listing; ``None`` if the container is missing."""
    resp = await req.swift.request("GET", req.account, container,
                                   params={"format": "json", **params})
    if resp.status == 404:
        resp.release()
        return None
    raise_for_status(resp, LISTING_ERRORS)
    if resp.status == 204:
        resp.release()
        return []
    return await resp.json()


async def list_parts_of(req: S3Request, key: str, upload_id: str,
                        marker: str = "", limit: int | None = None) -> list[dict]:
    """The parts of an upload in part order (all of them, unless ``limit``)."""
    assert req.bucket is not None
    return await parts.list_parts_of(req.swift, req.account, req.bucket, key, upload_id,
                                     marker, limit)


async def bulk_delete(req: S3Request, container: str, names: Iterable[str]) -> None:
    """Delete objects through Swift's bulk middleware; failures are logged, not raised."""
    await containers.bulk_delete(req.swift, req.account, container, names)


async def delete_parts(req: S3Request, key: str, upload_id: str,
                       keep: frozenset[str] = frozenset()) -> None:
    """Delete every part of an upload, except the names in ``keep``."""
    assert req.bucket is not None
    await parts.delete_parts(req.swift, req.account, req.bucket, key, upload_id, keep)


def completed_upload_id(headers: Mapping[str, str]) -> str | None:
    """The upload an object was completed from, if it is a multipart object."""
    return headers.get(UPLOAD_ID_META)
