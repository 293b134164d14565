"""``MemoryStore``'s multipart uploads: create, parts, listings, complete, abort."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from gateway.checksums import Checksum, checksum_of
from gateway.storage import errors as store
from gateway.storage.memory_objects import MemoryObjects
from gateway.storage.etags import multipart_etag
from gateway.storage.memory_rules import md5_hex
from gateway.storage.memory_state import MemoryUpload, StoredObject, StoredPart
from gateway.storage.records import (
    Body, CompletedPart, CopySpec, NewObject, ObjectInfo, PartInfo, PartsPage, UploadInfo,
    UploadsPage, WriteConditions, WriteResult)

MAX_KEY_BYTES = 1024


class MemoryUploads(MemoryObjects):
    """Uploads in progress live in their bucket (``MemoryBucket.uploads``)."""

    def upload(self, account: str, bucket: str, key: str, upload_id: str) -> MemoryUpload:
        """The upload of ``key``; ``BucketNotFound``, then ``UploadNotFound``."""
        found = self.bucket(account, bucket).uploads.get(upload_id)
        if found is None or found.info.key != key:
            raise store.UploadNotFound(bucket=bucket, key=key, upload_id=upload_id)
        return found

    async def create_upload(self, account: str, bucket: str, key: str, new: NewObject,
                            checksum_algorithm: str | None = None,
                            checksum_type: str | None = None, initiator: str | None = None,
                            owner: str | None = None) -> str:
        uploads = self.bucket(account, bucket).uploads
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise store.KeyTooLong(bucket=bucket, key=key)
        upload_id = uuid.uuid4().hex
        uploads[upload_id] = MemoryUpload(UploadInfo(
            key=key, upload_id=upload_id, initiated=self.now(), new=new,
            checksum_algorithm=checksum_algorithm, checksum_type=checksum_type,
            initiator=initiator, owner=owner))
        return upload_id

    async def get_upload(self, account: str, bucket: str, key: str, upload_id: str,
                         cached: bool = False) -> UploadInfo:
        return self.upload(account, bucket, key, upload_id).info

    def _store_part(self, upload: MemoryUpload, number: int, data: bytes,
                    checksum: Checksum | None) -> WriteResult:
        etag = md5_hex(data)
        now = self.now()
        upload.parts[number] = StoredPart(
            PartInfo(number, etag, len(data), now, checksum), data)
        return WriteResult(etag, now, checksum, etag)

    async def upload_part(self, account: str, bucket: str, key: str, upload_id: str,
                          number: int, body: Body | bytes, length: int | None,
                          checksum: Checksum | None = None,
                          content_md5: str | None = None) -> WriteResult:
        self.upload(account, bucket, key, upload_id)
        data = await self.read_body(body, bucket)
        if content_md5 is not None and content_md5.lower() != md5_hex(data):
            raise store.BodyMismatch(bucket=bucket, key=key)
        # Aborted while the part streamed: the part is not kept.
        upload = self.upload(account, bucket, key, upload_id)
        return self._store_part(upload, number, data, checksum)

    async def record_part_checksum(self, account: str, bucket: str, key: str,
                                   upload_id: str, number: int, checksum: Checksum) -> bool:
        try:
            upload = self.upload(account, bucket, key, upload_id)
        except store.StoreError:
            return False
        part = upload.parts.get(number)
        if checksum.etag is None or part is None or part.info.etag != checksum.etag.strip('"'):
            return False
        part.info = replace(part.info, checksum=checksum)
        return True

    async def copy_part(self, account: str, bucket: str, key: str, upload_id: str,
                        number: int, spec: CopySpec, checksum: Checksum | None = None,
                        checksum_algorithm: str | None = None) -> WriteResult:
        upload = self.upload(account, bucket, key, upload_id)
        data = self.copy_source(account, spec).data
        if spec.byte_range is not None:
            first, last = spec.byte_range
            data = data[first:last + 1]
        if checksum is None and checksum_algorithm is not None:
            checksum = Checksum(checksum_algorithm, checksum_of(checksum_algorithm, data))
        return self._store_part(upload, number, data, checksum)

    async def list_parts(self, account: str, bucket: str, key: str, upload_id: str,
                         marker: int, max_parts: int) -> PartsPage:
        upload = self.upload(account, bucket, key, upload_id)
        return _page([upload.parts[n].info for n in sorted(upload.parts)], marker, max_parts)

    async def list_object_parts(self, account: str, bucket: str, obj: ObjectInfo,
                                marker: int, max_parts: int) -> PartsPage:
        found = self.bucket(account, bucket).objects.get(obj.key)
        if found is None or obj.upload_id is None or found.info.upload_id != obj.upload_id:
            return PartsPage([], False)
        return _page(found.parts, marker, max_parts)

    async def list_uploads(self, account: str, bucket: str, prefix: str, delimiter: str,
                           key_marker: str, upload_id_marker: str,
                           max_uploads: int) -> UploadsPage:
        in_order = sorted((u.info for u in self.bucket(account, bucket).uploads.values()),
                          key=lambda info: info.key)  # stable: initiation order per key
        page = UploadsPage([], [], False)
        if max_uploads == 0:
            return page
        passed_id_marker = not upload_id_marker
        count = 0
        for info in in_order:
            if not info.key.startswith(prefix) or info.key < key_marker:
                continue
            if info.key == key_marker:
                if not passed_id_marker:
                    passed_id_marker = info.upload_id == upload_id_marker
                    continue
                if not upload_id_marker:
                    continue
            cut = info.key.find(delimiter, len(prefix)) if delimiter else -1
            common = info.key[:cut + len(delimiter)] if cut >= 0 else None
            if common is not None and (common == key_marker or (page.prefixes and
                                                                 page.prefixes[-1] == common)):
                continue
            if count == max_uploads:
                page.truncated = True
                return page
            count += 1
            if common is not None:
                page.prefixes.append(common)
                page.next_key_marker, page.next_upload_id_marker = common, ""
            else:
                page.uploads.append(info)
                page.next_key_marker, page.next_upload_id_marker = info.key, info.upload_id
        return page

    async def complete_upload(self, account: str, bucket: str, key: str, upload_id: str,
                              parts: Sequence[CompletedPart], checksum: Checksum | None,
                              conditions: WriteConditions | None = None, *,
                              upload: UploadInfo | None = None,
                              unused_parts: bool | None = None) -> WriteResult:
        objects = self.bucket(account, bucket).objects
        found = self.bucket(account, bucket).uploads.get(upload_id)
        if found is None or found.info.key != key:
            done = objects.get(key)
            if done is not None and done.info.upload_id == upload_id:  # a retried Complete
                info = done.info
                return WriteResult(info.etag, info.last_modified, info.checksum,
                                   info.backend_etag)
            raise store.UploadNotFound(bucket=bucket, key=key, upload_id=upload_id)
        chosen: list[StoredPart] = []
        for part in parts:
            stored = found.parts.get(part.number)
            if stored is None or stored.info.etag != part.etag.strip('"').lower():
                raise store.PartNotFound(bucket=bucket, key=key, part_number=part.number)
            chosen.append(stored)
        self.check_write(objects, bucket, key, conditions)
        data = b"".join(part.data for part in chosen)
        etag = multipart_etag(part.info.etag for part in chosen)
        info = self.new_record(key, found.info.new, etag, len(data), checksum,
                               parts_count=len(chosen), upload_id=upload_id)
        objects[key] = StoredObject(info, data, [part.info for part in chosen])
        del self.bucket(account, bucket).uploads[upload_id]
        return WriteResult(etag, info.last_modified, checksum, etag)

    async def abort_upload(self, account: str, bucket: str, key: str, upload_id: str) -> None:
        self.upload(account, bucket, key, upload_id)
        del self.bucket(account, bucket).uploads[upload_id]


def _page(parts: Sequence[PartInfo], marker: int, max_parts: int) -> PartsPage:
    """Up to ``max_parts`` of ``parts`` (in number order) after number ``marker``."""
    after = [part for part in parts if part.number > marker]
    shown = after[:max(max_parts, 0)]
    truncated = len(after) > len(shown)
    return PartsPage(shown, truncated, shown[-1].number if truncated and shown else 0)
