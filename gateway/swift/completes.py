"""CompleteMultipartUpload on Swift: an SLO manifest over the uploaded parts.

Writing the manifest makes Swift HEAD every segment, which can take long for
10000 parts, so it is sent with ``heartbeat=on``: Swift answers 202 at once,
keeps the connection alive with whitespace and ends with a JSON result. Then
the marker goes (only after the manifest is written, so a racing writer's
sweep always sees this upload as in progress or as current:
``gateway.swift.segment_sweep``), then the parts Complete did not use, then
the segments of the object this one replaced (the sweep, after the answer).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from gateway.checksums import Checksum, stored_checksum
from gateway.swift.multipart_layout import UPLOAD_ID_META, part_name, segments_container
from gateway.storage import errors as store
from gateway.storage.etags import multipart_etag
from gateway.storage.records import CompletedPart, UploadInfo, WriteConditions, WriteResult
from gateway.swift.parts import delete_parts, list_parts_of
from gateway.swift.codec import manifest_headers, part_info, s3_etag_of
from gateway.swift.outcomes import OutcomeMap, outcome_for
from gateway.swift.upload_listing import SwiftUploadListing

log = logging.getLogger("gateway")

MANIFEST_OUTCOMES: OutcomeMap = {404: store.BucketNotFound, 412: store.PreconditionFailed,
                                 409: store.Conflict}


def slo_error(result: dict, bucket: str, key: str) -> store.StoreError:
    """The store error for a failed heartbeat manifest PUT's JSON result."""
    status = str(result.get("Response Status", ""))
    if status.startswith("412"):
        return store.PreconditionFailed(bucket=bucket, key=key, condition="If-None-Match")
    problems = " ".join(str(err) for err in result.get("Errors") or [])
    if "Etag Mismatch" in problems or "Not Found" in problems or "Size Mismatch" in problems:
        return store.PartNotFound(bucket=bucket, key=key)
    if "Too small" in problems:
        return store.PartTooSmall(bucket=bucket, key=key)
    code = int(status.split(" ", 1)[0]) if status[:3].isdigit() else 500
    log.warning("manifest PUT failed: %s %s", status, problems)
    return outcome_for(code, MANIFEST_OUTCOMES, bucket=bucket, key=key)


class SwiftCompletes(SwiftUploadListing):
    """``Store.complete_upload``."""

    async def complete_upload(self, account: str, bucket: str, key: str, upload_id: str,
                              parts: Sequence[CompletedPart], checksum: Checksum | None,
                              conditions: WriteConditions | None = None, *,
                              upload: UploadInfo | None = None,
                              unused_parts: bool | None = None) -> WriteResult:
        if upload is None:
            try:
                upload = await self.get_upload(account, bucket, key, upload_id)
            except store.UploadNotFound:
                return await self._retried(account, bucket, key, upload_id)
        if any(part.size is None for part in parts):
            parts, unused_parts = await self._with_sizes(account, bucket, key, upload_id, parts)
        segments = segments_container(bucket)
        manifest = [{"path": f"/{segments}/{part_name(key, upload_id, part.number)}",
                     "etag": part.etag, "size_bytes": part.size} for part in parts]
        etag = multipart_etag(part.etag for part in parts)
        headers = manifest_headers(upload.new, upload_id, etag, checksum)
        if conditions is not None and conditions.if_none_match_star:
            headers["If-None-Match"] = "*"
        await self._put_manifest(account, bucket, key, manifest, headers)
        at = self.upload_at(account, bucket, key, upload_id)
        container, name = at.marker
        resp = await self.swift.request("DELETE", account, container, name)
        resp.release()
        if unused_parts is not False:
            used = frozenset(part_name(key, upload_id, part.number) for part in parts)
            await delete_parts(self.swift, account, bucket, key, upload_id, keep=used)
        await self.sweep_later(account, bucket, key)
        return WriteResult(etag=etag, checksum=checksum)

    async def _with_sizes(self, account: str, bucket: str, key: str, upload_id: str,
                          requested: Sequence[CompletedPart]
                          ) -> tuple[list[CompletedPart], bool]:
        """``requested`` with the sizes of the stored parts (``PartNotFound`` for a part
        missing or with another ETag), and whether other parts exist."""
        listed = await list_parts_of(self.swift, account, bucket, key, upload_id)
        stored = {info.number: info for info in map(part_info, listed)}
        out = []
        for part in requested:
            info = stored.get(part.number)
            if info is None or info.etag.lower() != part.etag.strip('"').lower():
                raise store.PartNotFound(bucket=bucket, key=key, part_number=part.number)
            out.append(CompletedPart(part.number, info.etag, part.checksum, info.size))
        return out, len(stored) > len(out)

    async def _retried(self, account: str, bucket: str, key: str,
                       upload_id: str) -> WriteResult:
        """An upload already completed (its marker gone): its result, if ``key`` is it."""
        resp = await self.swift.request("HEAD", account, bucket, key)
        resp.release()
        if resp.status != 200 or resp.headers.get(UPLOAD_ID_META) != upload_id:
            raise store.UploadNotFound(bucket=bucket, key=key, upload_id=upload_id)
        return WriteResult(etag=s3_etag_of(resp.headers),
                           checksum=stored_checksum(resp.headers),
                           backend_etag=resp.headers.get("Etag") or "")

    async def _put_manifest(self, account: str, bucket: str, key: str,
                            manifest: list[dict], headers: dict[str, str]) -> None:
        resp = await self.swift.request(
            "PUT", account, bucket, key, headers=headers,
            params={"multipart-manifest": "put", "heartbeat": "on"},
            data=json.dumps(manifest).encode("utf-8"))
        try:
            if resp.status != 202:  # refused before the heartbeat started
                if 200 <= resp.status < 300:
                    return
                raise outcome_for(resp.status, MANIFEST_OUTCOMES, bucket=bucket, key=key)
            raw = (await resp.read()).strip()
        finally:
            resp.release()
        try:
            result = json.loads(raw)
        except ValueError:
            log.warning("manifest PUT: unreadable heartbeat result %r", raw[:200])
            raise store.StoreInternal("unreadable manifest result") from None
        if not str(result.get("Response Status", "")).startswith("201"):
            raise slo_error(result, bucket, key)

