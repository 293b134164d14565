"""UploadPartCopy: a part of a multipart upload copied from ``x-amz-copy-source``.

The store makes the copy inside the backend, pinned to the source as the
handler read it (``Store.copy_part``); if the source changes in between, the
source is read again and the copy retried once. An upload created with a
checksum algorithm needs the part's checksum of that algorithm, as S3
computes it: a whole-source copy reuses the source's FULL_OBJECT checksum of
that algorithm when it has one; otherwise the store computes it over the
copied bytes. Uploads without an algorithm get a part without a checksum.
"""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.checksums import FULL_OBJECT, Checksum
from gateway.handlers.common import xml_response
from gateway.handlers.copy_source import (
    COPY_SOURCE, COPY_SOURCE_RANGE, CopyConditions, CopySource, check_copy_size,
    parse_copy_range, parse_copy_source)
from gateway.handlers.multipart_common import parse_part_number, upload_id_param
from gateway.handlers.object_headers import MAX_KEY_BYTES
from gateway.s3request import S3Request
from gateway.storage.errors import PreconditionFailed
from gateway.storage.records import CopySpec, ObjectInfo, WriteResult
from gateway.timefmt import iso_from_datetime
from gateway.xml import XMLWriter

# Attempts: a PreconditionFailed from the pinned copy means the source changed.
ATTEMPTS = 2


async def _source_record(req: S3Request, source: CopySource) -> ObjectInfo:
    """The source's record (``NoSuchBucket``/``NoSuchKey`` name the source), after
    its ``x-amz-copy-source-if-*`` conditions."""
    if len(source.key.encode("utf-8")) > MAX_KEY_BYTES:
        await req.store.head_bucket(req.account, source.bucket)
        raise errors.NoSuchKey(Key=source.key)
    info = await req.store.head_object(req.account, source.bucket, source.key)
    CopyConditions.from_headers(req.http.headers).check(info.etag, info.last_modified)
    return info


def _known_checksum(info: ObjectInfo, algorithm: str) -> Checksum | None:
    """A whole-source copy's part checksum, if the source already has it: a FULL_OBJECT
    checksum of the upload's algorithm (a COMPOSITE one describes other parts)."""
    stored = info.checksum
    if stored is None or stored.algorithm != algorithm or stored.type != FULL_OBJECT:
        return None
    return Checksum(stored.algorithm, stored.value)


def _result(result: WriteResult) -> web.Response:
    doc = XMLWriter("CopyPartResult")
    doc.element("ETag", f'"{result.etag}"')
    doc.element("LastModified", iso_from_datetime(result.last_modified))
    if result.checksum is not None:  # CopyPartResult has no ChecksumType
        doc.element("Checksum" + result.checksum.algorithm, result.checksum.value)
    return xml_response(doc)


async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    assert req.key is not None and req.bucket is not None
    number = parse_part_number(req.query.get("partNumber"))
    upload_id = upload_id_param(req)
    upload = await req.store.get_upload(req.account, req.bucket, req.key, upload_id)
    algorithm = upload.checksum_algorithm
    byte_range = req.http.headers.get(COPY_SOURCE_RANGE)
    source = parse_copy_source(req.http.headers[COPY_SOURCE])
    for attempt in range(1, ATTEMPTS + 1):
        info = await _source_record(req, source)
        span: tuple[int, int] | None = None
        if byte_range is not None:
            span = parse_copy_range(byte_range, info.size)
            check_copy_size(span[1] - span[0] + 1)
        else:
            check_copy_size(info.size)
        known = _known_checksum(info, algorithm) if algorithm and span is None else None
        spec = CopySpec(source.bucket, info, byte_range=span)
        try:
            result = await req.store.copy_part(req.account, req.bucket, req.key, upload_id,
                                               number, spec, known, algorithm)
        except PreconditionFailed:
            if attempt == ATTEMPTS:
                raise
            continue
        return _result(result)
    raise AssertionError("unreachable")
