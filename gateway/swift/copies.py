"""CopyObject on Swift: one pinned ``X-Copy-From`` PUT, then the segment sweep.

The caller read the source's record (``head_object``) and made its S3
decisions on it; the copy is pinned to those bytes (``gateway.swift.copying``).
Which gateway state the destination keeps is the codec's table
(``codec.copy_headers``). A copy that overwrites a multipart object leaves
its segments behind, so it starts the segment sweep (run after the answer),
as ``put_object`` does; whether the bucket may hold multipart objects is looked up while the
copy runs. A manifest copied onto itself replaces nothing: no sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from gateway.storage import errors as store
from gateway.storage.records import CopySpec, WriteResult
from gateway.swift.codec import CopyKind, copy_checksum, copy_headers
from gateway.swift.copying import copy_put, written
from gateway.swift.deletes import SwiftDeletes


class SwiftCopies(SwiftDeletes):
    """``Store.copy_object``."""

    async def copy_object(self, account: str, bucket: str, key: str,
                          spec: CopySpec) -> WriteResult:
        source = spec.source
        onto_itself = (spec.source_bucket, source.key) == (bucket, key) and \
            spec.source_account in (None, account)
        kind = CopyKind.of(source, onto_itself)
        headers = copy_headers(source, spec.new, kind, spec.acl)
        await self.keep_acl_record(account, bucket, spec.acl)
        if kind is CopyKind.MANIFEST_ONTO_ITSELF:
            # Same manifest, same segments: nothing is replaced, nothing to clean.
            answer = await self._copy(account, bucket, key, spec, headers, pin=False,
                                      params={"multipart-manifest": "get"})
            _, modified = written(answer)
            return WriteResult(etag=source.etag, last_modified=modified,
                               checksum=copy_checksum(headers, source.etag),
                               backend_etag=source.backend_etag)
        presence = asyncio.ensure_future(self._may_hold_multipart(account, bucket))
        try:
            answer = await self._copy(account, bucket, key, spec, headers)
        except BaseException:
            presence.cancel()
            raise
        await self.sweep_later(account, bucket, key, presence)
        etag, modified = written(answer)
        return WriteResult(etag=etag.strip('"'), last_modified=modified,
                           checksum=copy_checksum(headers, etag), backend_etag=etag)

    async def _copy(self, account: str, bucket: str, key: str, spec: CopySpec,
                    headers: dict[str, str], pin: bool = True,
                    params: dict[str, str] | None = None) -> Mapping[str, str]:
        """The copy PUT; its 404 is the destination bucket's (``BucketNotFound``)
        or else the source's (``ObjectNotFound`` naming the source key)."""
        try:
            return await copy_put(self.swift, account, bucket, key, spec.source_bucket,
                                  spec.source, headers, pin=pin, params=params,
                                  source_account=spec.source_account)
        except store.ObjectNotFound:
            await self.head_bucket(account, bucket)
            raise
