"""UploadPartCopy on Swift: a part made by Swift's ``copy`` middleware.

A PUT with ``X-Copy-From`` (and ``Range``) stores the part inside the proxy,
pinned with ``If-Match`` to the source's Swift ETag as the caller read it
(``CopySpec.source.backend_etag``), so a concurrent overwrite of the source
makes it fail (``PreconditionFailed``: the caller may read the source again).

An upload created with a checksum algorithm needs the part's checksum. When the
caller does not know it (``copy_part``'s ``checksum``), the source range is
read once here first, pinned to the same Swift ETag, hence the same bytes (a
plain object's ETag is its MD5; an SLO's covers its segments' ETags, which SLO
checks on read), and hashed; the copy PUT then carries the checksum in its own
headers, so the part and its checksum land in one atomic write. The
alternatives were worse under concurrency: streaming the range through a PUT,
or hashing the part after the copy, both learn the checksum only after the
part exists and must add it with a later POST, which leaves a window where the
part lists without its checksum, and a POST that lands after a concurrent
UploadPart of the same number would label that part's bytes with this copy's
checksum. The price is that Swift reads the range twice; the gateway reads it
once and writes nothing.
"""

from __future__ import annotations

import asyncio
import base64
import time

import aiohttp

from gateway.checksums import Checksum, new_hasher
from gateway.multipart_layout import part_content_type, part_name, segments_container
from gateway.storage import errors as store
from gateway.storage.records import CopySpec, WriteResult
from gateway.swift.client import quote_name
from gateway.swift.completes import SwiftCompletes
from gateway.swift.outcomes import OutcomeMap, raise_for
from gateway.timefmt import parse_http_date

# 413: the source exceeds Swift's own object size limit (below S3's 5 GiB copy limit).
COPY_PART_OUTCOMES: OutcomeMap = {
    412: store.PreconditionFailed, 416: store.RangeNotSatisfiable, 400: store.InvalidWrite,
    413: store.EntityTooLarge}
SOURCE_READ_OUTCOMES: OutcomeMap = {
    412: store.PreconditionFailed, 416: store.RangeNotSatisfiable}


def copy_from(bucket: str, key: str) -> str:
    """The ``X-Copy-From`` value; Swift percent-decodes it before splitting the path."""
    return f"/{quote_name(bucket)}/{quote_name(key)}"


def _range_header(span: tuple[int, int]) -> str:
    return f"bytes={span[0]}-{span[1]}"


class SwiftPartCopies(SwiftCompletes):
    """``Store.copy_part``."""

    async def copy_part(self, account: str, bucket: str, key: str, upload_id: str,
                        number: int, spec: CopySpec, checksum: Checksum | None = None,
                        checksum_algorithm: str | None = None) -> WriteResult:
        if checksum is None and checksum_algorithm is not None:
            checksum = await self._hash_source(account, spec, checksum_algorithm)
        source = spec.source
        headers = {"Content-Type": part_content_type(checksum),
                   "X-Copy-From": copy_from(spec.source_bucket, source.key),
                   "X-Fresh-Metadata": "true", "Content-Length": "0"}
        if checksum is not None:  # as an uploaded part's: content type and metadata
            headers.update(checksum.swift_metadata())
        if spec.byte_range is not None:
            headers["Range"] = _range_header(spec.byte_range)
        if source.backend_etag:
            headers["If-Match"] = source.backend_etag
        name = part_name(key, upload_id, number)
        resp = await self.swift.request("PUT", account, segments_container(bucket), name,
                                        headers=headers)
        resp.release()
        if resp.status == 404:
            await self.head_bucket(account, bucket)
            raise store.ObjectNotFound(bucket=spec.source_bucket, key=source.key)
        raise_for(resp, COPY_PART_OUTCOMES, bucket=bucket, key=key)
        # A part that landed after an Abort is removed again (as UploadPart does).
        await self._check_still_open(self.upload_at(account, bucket, key, upload_id), name,
                                     time.monotonic())
        etag = resp.headers.get("Etag") or ""
        modified = resp.headers.get("Last-Modified")
        return WriteResult(etag=etag.strip('"'),
                           last_modified=parse_http_date(modified) if modified else None,
                           checksum=checksum, backend_etag=etag)

    async def _hash_source(self, account: str, spec: CopySpec, algorithm: str) -> Checksum:
        """Read the source (or its range), pinned to its Swift ETag, once: its
        ``algorithm`` checksum, nothing stored."""
        source = spec.source
        # X-Newest: read the version the copy middleware will read (it asks for the newest).
        headers = {"X-Newest": "true"}
        if source.backend_etag:
            headers["If-Match"] = source.backend_etag
        expected = source.size
        if spec.byte_range is not None:
            headers["Range"] = _range_header(spec.byte_range)
            expected = spec.byte_range[1] - spec.byte_range[0] + 1
        hasher = new_hasher(algorithm)
        size = 0
        resp = await self.swift.request("GET", account, spec.source_bucket, source.key,
                                        headers=headers)
        try:
            if resp.status == 404:
                raise store.ObjectNotFound(bucket=spec.source_bucket, key=source.key)
            raise_for(resp, SOURCE_READ_OUTCOMES, bucket=spec.source_bucket, key=source.key)
            async for chunk in resp.content.iter_any():
                hasher.update(chunk)
                size += len(chunk)
        except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as exc:
            raise store.StoreUnavailable("copy source read failed") from exc
        finally:
            resp.release()
        if size != expected:  # a short read: never a checksum of other bytes
            raise store.StoreUnavailable("copy source read short")
        return Checksum(algorithm, base64.b64encode(hasher.digest()).decode("ascii"))
