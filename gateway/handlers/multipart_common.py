"""What the multipart handlers share: the upload id and part number parameters.

``head_marker`` is transitional, for UploadPartCopy (``handlers/copy.py``)
until it goes through ``Store.get_upload`` and ``Store.copy_part``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import cast

from gateway import errors
from gateway.multipart_layout import (
    MAX_PART_NUMBER, MIN_PART_NUMBER, upload_marker_name, uploads_container, valid_upload_id)
from gateway.s3request import S3Request
from gateway.swift.caches import MarkerCache, SwiftCaches
from gateway.swift.status import raise_for_status


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
