"""UploadPartCopy: a part of a multipart upload copied from ``x-amz-copy-source``.

The source step, the retry when the source changed and the result document
are CopyObject's (``gateway.handlers.copy``); the store makes the copy inside
the backend, pinned to the source as read (``Store.copy_part``). An upload
created with a checksum algorithm needs the part's checksum of that
algorithm, as S3 computes it: a whole-source copy reuses the source's
FULL_OBJECT checksum of that algorithm when it has one; otherwise the store
computes it over the copied bytes. Uploads without an algorithm get a part
without a checksum.
"""

from __future__ import annotations

from aiohttp import web

from gateway.checksums import FULL_OBJECT, Checksum
from gateway.handlers.copy import copy_result, pinned
from gateway.handlers.copy_source import (
    COPY_SOURCE_RANGE, CopySource, check_copy_size, parse_copy_range)
from gateway.handlers.multipart_common import parse_part_number, upload_id_param
from gateway.s3request import S3Request
from gateway.storage.records import CopySpec, ObjectInfo, WriteResult


def _known_checksum(info: ObjectInfo, algorithm: str) -> Checksum | None:
    """A whole-source copy's part checksum, if the source already has it: a FULL_OBJECT
    checksum of the upload's algorithm (a COMPOSITE one describes other parts)."""
    stored = info.checksum
    if stored is None or stored.algorithm != algorithm or stored.type != FULL_OBJECT:
        return None
    return Checksum(stored.algorithm, stored.value)


async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    bucket, key = req.bucket, req.key
    assert key is not None and bucket is not None
    number = parse_part_number(req.query.get("partNumber"))
    upload_id = upload_id_param(req)
    upload = await req.store.get_upload(req.account, bucket, key, upload_id)
    algorithm = upload.checksum_algorithm
    byte_range = req.http.headers.get(COPY_SOURCE_RANGE)

    async def attempt(source: CopySource, info: ObjectInfo) -> WriteResult:
        span: tuple[int, int] | None = None
        if byte_range is not None:
            span = parse_copy_range(byte_range, info.size)
            check_copy_size(span[1] - span[0] + 1)
        else:
            check_copy_size(info.size)
        known = _known_checksum(info, algorithm) if algorithm and span is None else None
        return await req.store.copy_part(req.account, bucket, key, upload_id, number,
                                         CopySpec(source.bucket, info, byte_range=span,
                                                  source_account=source.account),
                                         known, algorithm)

    return copy_result("CopyPartResult", await pinned(req, attempt), with_type=False)
