"""Multipart uploads on Swift: Create, the upload's record, UploadPart, ListParts, Abort.

The layout (hidden ``+uploads`` and ``+segments`` containers, names, content
type parameters) is ``gateway.swift.multipart_layout``; markers and the settle rule
are ``gateway.swift.upload_markers``; ListMultipartUploads is
``gateway.swift.upload_listing`` and Complete ``gateway.swift.completes``.
"""

from __future__ import annotations

import asyncio
import time

from gateway.checksums import Checksum
from gateway.swift.multipart_layout import (
    UPLOAD_ID_META, new_upload_id, part_name, segments_container, uploads_container)
from gateway.storage import errors as store
from gateway.storage.records import Body, NewObject, PartsPage, UploadInfo, WriteResult
from gateway.swift import parts
from gateway.swift.codec import (
    marker_headers, part_checksum_headers, part_headers, upload_info)
from gateway.swift.deletes import SwiftDeletes
from gateway.swift.outcomes import OutcomeMap, raise_for
from gateway.swift.upload_markers import (
    ABORT_SETTLE_SECONDS, UploadAt, head_marker, recent_marker)

CREATE_OUTCOMES: OutcomeMap = {400: store.KeyTooLong}
UPLOAD_PART_OUTCOMES: OutcomeMap = {400: store.InvalidWrite}


class SwiftUploads(SwiftDeletes):
    """``Store``'s multipart operations but ListMultipartUploads and Complete."""

    def upload_at(self, account: str, bucket: str, key: str, upload_id: str) -> UploadAt:
        return UploadAt(self.swift, self.caches.markers, account, bucket, key, upload_id)

    async def create_upload(self, account: str, bucket: str, key: str, new: NewObject,
                            checksum_algorithm: str | None = None,
                            checksum_type: str | None = None, initiator: str | None = None,
                            owner: str | None = None) -> str:
        """One marker PUT (the bucket's first upload also creates the hidden containers)."""
        await self.head_bucket(account, bucket)
        headers = marker_headers(new, checksum_algorithm, checksum_type, initiator, owner)
        await self.keep_acl_record(account, bucket, new.acl)  # Complete names it too
        upload_id = new_upload_id()
        at = self.upload_at(account, bucket, key, upload_id)
        container, name = at.marker
        resp = await self.swift.request("PUT", account, container, name, headers=headers,
                                        data=b"")
        if resp.status == 404:  # the bucket's first upload: create the hidden containers
            resp.release()
            await self._create_upload_containers(account, bucket)
            resp = await self.swift.request("PUT", account, container, name, headers=headers,
                                            data=b"")
        resp.release()
        raise_for(resp, CREATE_OUTCOMES, bucket=bucket, key=key)
        self.caches.segments.mark(account, bucket)
        return upload_id

    async def _create_upload_containers(self, account: str, bucket: str) -> None:
        for container in (segments_container(bucket), uploads_container(bucket)):
            resp = await self.swift.request("PUT", account, container)
            resp.release()
            raise_for(resp, {}, bucket=bucket)

    async def get_upload(self, account: str, bucket: str, key: str, upload_id: str,
                         cached: bool = False) -> UploadInfo:
        at = self.upload_at(account, bucket, key, upload_id)
        headers = await (recent_marker(at) if cached else head_marker(at))
        if headers is None:
            await self.head_bucket(account, bucket)
            raise at.not_found()
        return upload_info(key, upload_id, headers)

    async def upload_part(self, account: str, bucket: str, key: str, upload_id: str,
                          number: int, body: Body | bytes, length: int | None,
                          checksum: Checksum | None = None,
                          content_md5: str | None = None) -> WriteResult:
        """One PUT into ``+segments`` (Swift computes and checks its MD5), then, only
        when the settle rule asks, the marker HEAD that catches an Abort."""
        name = part_name(key, upload_id, number)
        resp = await self.swift.request("PUT", account, segments_container(bucket), name,
                                        headers=part_headers(length, checksum, content_md5),
                                        data=body)
        committed_at = time.monotonic()
        resp.release()
        at = self.upload_at(account, bucket, key, upload_id)
        if resp.status == 404:  # no segments container: no upload was ever created
            raise at.not_found()
        raise_for(resp, UPLOAD_PART_OUTCOMES, bucket=bucket, key=key)
        await self._check_still_open(at, name, committed_at)
        backend_etag = resp.headers.get("Etag") or ""
        return WriteResult(etag=backend_etag.strip('"'), checksum=checksum,
                           backend_etag=backend_etag)

    async def _check_still_open(self, at: UploadAt, name: str, committed_at: float) -> None:
        """Remove a part that landed after its upload was aborted (no orphan survives).

        Needs no request while the settle rule covers the part
        (``UploadAt.part_needs_open_check``). A part of an upload that was
        completed meanwhile is kept: it may be a segment.
        """
        if not at.part_needs_open_check(committed_at):
            return
        if await head_marker(at) is not None:
            return
        resp = await self.swift.request("HEAD", at.account, at.bucket, at.key)
        resp.release()
        if resp.status == 200 and resp.headers.get(UPLOAD_ID_META) == at.upload_id:
            return
        resp = await self.swift.request("DELETE", at.account, segments_container(at.bucket),
                                        name)
        resp.release()
        raise at.not_found()

    async def record_part_checksum(self, account: str, bucket: str, key: str,
                                   upload_id: str, number: int, checksum: Checksum) -> bool:
        """A POST on the part (its only metadata is the checksum); bound to the part's
        ETag, since it may land after another UploadPart of the same number."""
        if checksum.etag is None:
            return False
        return await self._post_checksum(
            account, segments_container(bucket), part_name(key, upload_id, number),
            part_checksum_headers(checksum), f"part {number} of {bucket}/{key}")

    async def list_parts(self, account: str, bucket: str, key: str, upload_id: str,
                         marker: int, max_parts: int) -> PartsPage:
        """One listing of ``+segments`` (the upload checked through the marker cache:
        the caller's ``get_upload`` just saw it)."""
        await self.get_upload(account, bucket, key, upload_id, cached=True)
        return await parts.parts_page(self.swift, account, bucket, key, upload_id, marker,
                                      max_parts)

    async def abort_upload(self, account: str, bucket: str, key: str, upload_id: str) -> None:
        """Delete the marker first (so new parts are refused), then every part.

        Between the two it waits ``ABORT_SETTLE_SECONDS``, so that a part still
        being stored meanwhile is either in the listing or checks for the marker
        itself (``UploadAt.part_needs_open_check``). If a concurrent Complete of
        the same upload won (the object now carries this upload id), the parts
        are its segments and stay.
        """
        await self.get_upload(account, bucket, key, upload_id)
        at = self.upload_at(account, bucket, key, upload_id)
        container, name = at.marker
        resp = await self.swift.request("DELETE", account, container, name)
        resp.release()
        if resp.status == 404:
            raise at.not_found()
        raise_for(resp, {}, bucket=bucket, key=key)
        at.forget()
        await asyncio.sleep(ABORT_SETTLE_SECONDS)
        head = await self.swift.request("HEAD", account, bucket, key)
        head.release()
        if not (head.status == 200 and head.headers.get(UPLOAD_ID_META) == upload_id):
            await parts.delete_parts(self.swift, account, bucket, key, upload_id)
