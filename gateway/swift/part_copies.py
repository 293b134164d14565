"""UploadPartCopy on Swift: a part made by Swift's ``copy`` middleware.

A PUT with ``X-Copy-From`` (and ``Range``) stores the part inside the proxy,
pinned to the source as the caller read it (``gateway.swift.copying``), so a
concurrent overwrite of the source makes it fail (``PreconditionFailed``: the
caller may read the source again).

An upload created with a checksum algorithm needs the part's checksum. When the
caller does not know it (``copy_part``'s ``checksum``), the source range is
read once here first (``copying.hash_source``), pinned to the same Swift ETag, hence the same bytes (a
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

import time

from gateway.checksums import Checksum
from gateway.swift.multipart_layout import part_content_type, part_name, segments_container
from gateway.storage import errors as store
from gateway.storage.records import CopySpec, WriteResult
from gateway.swift.completes import SwiftCompletes
from gateway.swift.copying import copy_put, hash_source, range_header, written


class SwiftPartCopies(SwiftCompletes):
    """``Store.copy_part``."""

    async def copy_part(self, account: str, bucket: str, key: str, upload_id: str,
                        number: int, spec: CopySpec, checksum: Checksum | None = None,
                        checksum_algorithm: str | None = None) -> WriteResult:
        if checksum is None and checksum_algorithm is not None:
            checksum = await hash_source(self.swift, spec.source_account or account,
                                         spec.source_bucket, spec.source,
                                         checksum_algorithm, spec.byte_range)
        headers = {"Content-Type": part_content_type(checksum)}
        if checksum is not None:  # as an uploaded part's: content type and metadata
            headers.update(checksum.swift_metadata())
        if spec.byte_range is not None:
            headers["Range"] = range_header(spec.byte_range)
        name = part_name(key, upload_id, number)
        try:
            answer = await copy_put(self.swift, account, segments_container(bucket), name,
                                    spec.source_bucket, spec.source, headers,
                                    source_account=spec.source_account)
        except store.ObjectNotFound:
            await self.head_bucket(account, bucket)
            raise
        # A part that landed after an Abort is removed again (as UploadPart does).
        await self._check_still_open(self.upload_at(account, bucket, key, upload_id), name,
                                     time.monotonic())
        etag, modified = written(answer)
        return WriteResult(etag=etag.strip('"'), last_modified=modified, checksum=checksum,
                           backend_etag=etag)
