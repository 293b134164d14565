"""UploadPartCopy: a part copied from ``x-amz-copy-source`` (and its range).

Transitional: it still writes the part through Swift itself, with the copy
mechanics of ``gateway.swift.copying``, until it moves behind
``Store.copy_part``. The source step, the retry and the result are
CopyObject's (``gateway.handlers.copy``).

UploadPartCopy into an upload created with a checksum algorithm needs the
part's checksum of that algorithm, as S3 computes it. A whole-source copy
reuses the source's FULL_OBJECT checksum of that algorithm when it has one.
Otherwise the gateway first reads the source range once, pinned with
``If-Match`` like the copy, hashing it (``copying.hash_source``), and only
then makes the Swift-side copy with the checksum in the PUT's own headers.
The part and its checksum are written by one atomic PUT. The alternatives
were worse under concurrency: streaming the range through a PUT, or hashing
the part after the copy, both learn the checksum only after the part exists
and must add it with a later POST, which leaves a window where the part lists
without its checksum, and a POST that lands after a concurrent UploadPart of
the same number would label that part's bytes with this copy's checksum. The
price is that Swift reads the range twice (for the hashing, then for the
copy); the gateway reads it once and writes nothing. Uploads without an
algorithm keep the pure Swift-side copy.
"""

from __future__ import annotations

from aiohttp import web

from gateway import checksums, errors, multipart_layout
from gateway.handlers import multipart
from gateway.handlers.copy import copy_result, pinned
from gateway.handlers.copy_source import (
    COPY_SOURCE_RANGE, CopySource, check_copy_size, parse_copy_range)
from gateway.handlers.multipart_common import head_marker, parse_part_number
from gateway.handlers.objects import require_bucket
from gateway.s3request import S3Request
from gateway.storage import errors as store
from gateway.storage.records import ObjectInfo, WriteResult
from gateway.swift.copying import copy_put, hash_source, range_header, written

PART_CONTENT_TYPE = "application/octet-stream"


async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    assert req.key is not None and req.bucket is not None
    number = parse_part_number(req.query.get("partNumber"))
    upload_id = req.query.get("uploadId", "")
    marker = await head_marker(req, upload_id)
    algorithm = marker.get(multipart_layout.CHECKSUM_ALGORITHM_META)
    byte_range = req.http.headers.get(COPY_SOURCE_RANGE)
    container = multipart_layout.segments_container(req.bucket)
    part = multipart_layout.part_name(req.key, upload_id, number)
    stored: list[checksums.Checksum] = []

    async def attempt(source: CopySource, info: ObjectInfo) -> WriteResult:
        headers = {"Content-Type": PART_CONTENT_TYPE}
        stored.clear()
        span: tuple[int, int] | None = None
        if byte_range is not None:
            span = parse_copy_range(byte_range, info.size)
            check_copy_size(span[1] - span[0] + 1)
            headers["Range"] = range_header(span)
        else:
            check_copy_size(info.size)
        if algorithm is not None:
            checksum = None if span is not None else _part_checksum_of_source(info, algorithm)
            if checksum is None:
                checksum = await hash_source(req.swift, req.account, source.bucket, info,
                                             algorithm, span)
            stored.append(checksum)
            # As an uploaded part: in the content type for listings, and as metadata.
            headers["Content-Type"] = multipart_layout.part_content_type(checksum)
            headers.update(checksum.swift_metadata())
        try:
            answer = await copy_put(req.swift, req.account, container, part, source.bucket,
                                    info, headers)
        except store.ObjectNotFound:
            await require_bucket(req)
            raise errors.NoSuchKey(Key=source.key) from None
        etag, modified = written(answer)
        return WriteResult(etag=etag, last_modified=modified)

    result = await pinned(req, attempt)
    # A part that landed after an Abort is removed again (as UploadPart does).
    await multipart._check_still_open(req, upload_id, part)
    return copy_result("CopyPartResult", WriteResult(result.etag, result.last_modified,
                                                     stored[0] if stored else None),
                       with_type=False)


def _part_checksum_of_source(info: ObjectInfo, algorithm: str) -> checksums.Checksum | None:
    """A whole-source copy's part checksum, if the source already has it: a FULL_OBJECT
    checksum of the upload's algorithm (a COMPOSITE one describes other parts)."""
    stored = info.checksum
    if stored is None or stored.algorithm != algorithm or stored.type != checksums.FULL_OBJECT:
        return None
    return checksums.Checksum(stored.algorithm, stored.value)
