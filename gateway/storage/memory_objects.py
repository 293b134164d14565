"""``MemoryStore``'s buckets, bucket documents, listings and objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone

from gateway.checksums import FULL_OBJECT, Checksum, binding_holds
from gateway.storage import errors as store
from gateway.storage.base import Store
from gateway.storage.etags import etag_matches
from gateway.storage.memory_rules import byte_range, check_read_conditions, group_listing, md5_hex
from gateway.storage.memory_state import MemoryBucket, StoredObject
from gateway.storage.records import (
    Body, BucketInfo, CopySpec, DeleteItem, ListQuery, NewObject, ObjectInfo, ObjectPage,
    ObjectRead, ReadOptions, WriteConditions, WriteResult)

MAX_DOCUMENT_BYTES = 64 * 1024
MAX_OBJECT_BYTES = 5 * 1024 ** 3


async def _chunks(data: bytes) -> Body:
    if data:
        yield data


def _metadata_of(info: ObjectInfo) -> NewObject:
    """What a COPY takes from the source: its content type, headers, user metadata."""
    return NewObject(content_type=info.content_type, content_headers=info.content_headers,
                     user_metadata=info.user_metadata, tags=info.tags)


class MemoryObjects(Store):
    """Accounts -> buckets -> objects, documents and uploads, in dictionaries."""

    def __init__(self, max_object_bytes: int = MAX_OBJECT_BYTES) -> None:
        self.accounts: dict[str, dict[str, MemoryBucket]] = {}
        self.max_object_bytes = max_object_bytes
        self.registry: dict[str, str] = {}

    def now(self) -> datetime:
        """The clock of every record (UTC); tests may replace it."""
        return datetime.now(timezone.utc)

    # --- service and buckets -------------------------------------------------

    def bucket(self, account: str, bucket: str) -> MemoryBucket:
        """The bucket's state; ``BucketNotFound``."""
        found = self.accounts.get(account, {}).get(bucket)
        if found is None:
            raise store.BucketNotFound(bucket=bucket)
        return found

    async def list_buckets(self, account: str, prefix: str = "", marker: str = "",
                           limit: int | None = None) -> list[BucketInfo]:
        buckets = self.accounts.get(account, {})
        names = [name for name in sorted(buckets) if name > marker and name.startswith(prefix)]
        return [buckets[name].info for name in names[:limit]]

    async def create_bucket(self, account: str, bucket: str) -> None:
        buckets = self.accounts.setdefault(account, {})
        if bucket in buckets:
            raise store.BucketAlreadyOwned(bucket=bucket)
        buckets[bucket] = MemoryBucket(BucketInfo(name=bucket, owner=account, created=self.now()))

    async def head_bucket(self, account: str, bucket: str) -> BucketInfo:
        state = self.bucket(account, bucket)
        return replace(state.info, documents=frozenset(state.documents))

    async def delete_bucket(self, account: str, bucket: str) -> None:
        if self.bucket(account, bucket).objects:
            raise store.BucketNotEmpty(bucket=bucket)
        del self.accounts[account][bucket]  # with its uploads and documents, as on S3

    # --- per-bucket documents ------------------------------------------------

    async def get_bucket_document(self, account: str, bucket: str, name: str) -> bytes | None:
        return self.bucket(account, bucket).documents.get(name)

    async def put_bucket_document(self, account: str, bucket: str, name: str,
                                  document: bytes) -> None:
        if len(document) > MAX_DOCUMENT_BYTES:
            raise store.EntityTooLarge(bucket=bucket, max_size=MAX_DOCUMENT_BYTES)
        self.bucket(account, bucket).documents[name] = bytes(document)

    async def delete_bucket_document(self, account: str, bucket: str, name: str) -> None:
        self.bucket(account, bucket).documents.pop(name, None)

    # --- listings --------------------------------------------------------------

    async def list_objects(self, account: str, bucket: str, query: ListQuery) -> ObjectPage:
        objects = self.bucket(account, bucket).objects
        if query.max_keys == 0:
            return ObjectPage([], [], False, "")
        names = sorted(name for name in objects
                       if name > query.marker and name.startswith(query.prefix))
        return group_listing((objects[name].listed() for name in names), query.prefix,
                             query.delimiter, query.marker, query.max_keys)

    # --- objects -----------------------------------------------------------------

    def stored(self, account: str, bucket: str, key: str) -> StoredObject:
        """The object; ``BucketNotFound``, then ``ObjectNotFound``."""
        found = self.bucket(account, bucket).objects.get(key)
        if found is None:
            raise store.ObjectNotFound(bucket=bucket, key=key)
        return found

    async def head_object(self, account: str, bucket: str, key: str,
                          options: ReadOptions | None = None) -> ObjectInfo:
        obj = self.stored(account, bucket, key)
        if options is None:
            return obj.info
        async with await self._read(obj, replace(options, with_body=False), bucket) as read:
            return read.info

    async def get_object(self, account: str, bucket: str, key: str,
                         options: ReadOptions) -> ObjectRead:
        return await self._read(self.stored(account, bucket, key), options, bucket)

    async def _read(self, obj: StoredObject, options: ReadOptions, bucket: str) -> ObjectRead:
        """A read as ``SwiftStore`` answers it: a part of a multipart object shows
        that part's size and checksum, a plain object is its own part 1 (206),
        a range read carries no checksum."""
        info = obj.info
        check_read_conditions(info, options)
        number = options.part_number
        checksum = info.checksum
        if number is not None:
            span, info, checksum = self._part_span(obj, number, bucket)
        else:
            span = byte_range(options.byte_range, info.size)
            if span is not None:
                checksum = None
        if span is None:
            data, status, content_range = obj.data, 200, None
        else:
            first, last = span
            data, status = obj.data[first:last + 1], 206
            content_range = f"bytes {first}-{last}/{obj.info.size}"
        return ObjectRead(info, status, len(data), content_range,
                          _chunks(data if options.with_body else b""),
                          checksum=checksum if options.checksum_mode else None)

    def _part_span(self, obj: StoredObject, number: int,
                   bucket: str) -> tuple[tuple[int, int] | None, ObjectInfo, Checksum | None]:
        """The bytes, record and checksum of part ``number``."""
        info, whole = obj.info, obj.info.checksum
        if not obj.parts:
            if number != 1:
                raise store.PartNumberNotSatisfiable(bucket=bucket, key=info.key,
                                                     part_number=number, actual_part_count=1)
            if info.size == 0:
                return None, info, whole
            return (0, info.size - 1), info, whole  # no PartsCount: not multipart (AWS)
        if number > len(obj.parts):
            raise store.PartNumberNotSatisfiable(bucket=bucket, key=info.key, part_number=number)
        part = obj.parts[number - 1]
        first = sum(p.size for p in obj.parts[:number - 1])
        checksum = None
        if whole is not None and part.checksum is not None \
                and part.checksum.algorithm == whole.algorithm:
            checksum = Checksum(part.checksum.algorithm, part.checksum.value, whole.type)
        return (first, first + part.size - 1), replace(info, size=part.size), checksum

    def check_write(self, objects: Mapping[str, StoredObject], bucket: str, key: str,
                    conditions: WriteConditions | None) -> None:
        """``If-None-Match: *`` and ``If-Match`` of a write, against the current key."""
        if conditions is None:
            return
        current = objects.get(key)
        if conditions.if_none_match_star and current is not None:
            raise store.PreconditionFailed("If-None-Match", bucket=bucket, key=key)
        if conditions.if_match is not None:
            if current is None:
                raise store.ObjectNotFound(bucket=bucket, key=key)
            if not etag_matches(conditions.if_match, current.info.etag):
                raise store.PreconditionFailed("If-Match", bucket=bucket, key=key)

    def new_record(self, key: str, new: NewObject, etag: str, size: int,
                   checksum: Checksum | None, **extra: object) -> ObjectInfo:
        """The record a write stores (``extra``: parts count, upload id...)."""
        return ObjectInfo(
            key=key, etag=etag, size=size, last_modified=self.now(),
            content_type=new.content_type, content_headers=dict(new.content_headers),
            user_metadata=dict(new.user_metadata), checksum=checksum, tags=new.tags,
            acl=new.acl, backend_etag=etag, **extra)  # type: ignore[arg-type]

    async def read_body(self, body: Body | bytes, bucket: str) -> bytes:
        """The whole body (it may raise: the write then stores nothing)."""
        if isinstance(body, bytes | bytearray | memoryview):
            data = bytes(body)
        else:
            data = b"".join([chunk async for chunk in body])
        if len(data) > self.max_object_bytes:
            raise store.EntityTooLarge(bucket=bucket, max_size=self.max_object_bytes)
        return data

    async def put_object(self, account: str, bucket: str, key: str, new: NewObject,
                         body: Body | bytes,
                         conditions: WriteConditions | None = None, *,
                         body_withheld: bool = False) -> WriteResult:
        if body_withheld:  # refused before the client is asked for its body
            self.check_write(self.bucket(account, bucket).objects, bucket, key, conditions)
        else:
            self.bucket(account, bucket)
        data = await self.read_body(body, bucket)
        if new.content_length is not None and len(data) != new.content_length:
            raise store.InvalidWrite("body length differs from content_length",
                                     bucket=bucket, key=key)
        objects = self.bucket(account, bucket).objects
        etag = md5_hex(data)
        if new.content_md5 is not None and new.content_md5.lower() != etag:
            raise store.BodyMismatch(bucket=bucket, key=key)
        self.check_write(objects, bucket, key, conditions)
        info = self.new_record(key, new, etag, len(data), new.checksum)
        objects[key] = StoredObject(info, data)
        return WriteResult(etag, info.last_modified, new.checksum, etag)

    async def record_checksum(self, account: str, bucket: str, key: str, new: NewObject,
                              checksum: Checksum) -> bool:
        obj = self.bucket(account, bucket).objects.get(key)
        if obj is None or not binding_holds(checksum.etag, obj.info.backend_etag):
            return False
        obj.info = replace(obj.info, checksum=checksum)
        return True

    async def delete_object(self, account: str, bucket: str, key: str) -> None:
        self.bucket(account, bucket).objects.pop(key, None)

    def copy_source(self, account: str, spec: CopySpec, pin: bool = True) -> StoredObject:
        """The source, still the bytes ``spec.source`` describes (unless not ``pin``);
        ``ObjectNotFound`` (the source's names), ``PreconditionFailed``."""
        found = self.accounts.get(spec.source_account or account, {}).get(spec.source_bucket)
        source = found.objects.get(spec.source.key) if found is not None else None
        if source is None:
            raise store.ObjectNotFound(bucket=spec.source_bucket, key=spec.source.key)
        if pin and source.info.backend_etag != spec.source.backend_etag:
            raise store.PreconditionFailed("source changed", bucket=spec.source_bucket,
                                           key=spec.source.key)
        return source

    async def copy_object(self, account: str, bucket: str, key: str,
                          spec: CopySpec) -> WriteResult:
        """As ``SwiftStore`` copies (``gateway.swift.codec``'s copy table): a multipart
        object copied onto itself stays itself with new metadata (unpinned); any
        other copy is a plain object keeping the source's checksum, only a
        FULL_OBJECT one of a multipart source."""
        objects = self.bucket(account, bucket).objects
        onto_itself = (spec.source_bucket, spec.source.key) == (bucket, key) and \
            spec.source_account in (None, account)
        current = objects.get(key)
        if onto_itself and current is not None and current.parts:
            source = self.copy_source(account, spec, pin=False)
            new = spec.new if spec.new is not None else _metadata_of(source.info)
            new = replace(new, acl=spec.acl)
            info = replace(self.new_record(key, new, source.info.etag, source.info.size,
                                           source.info.checksum),
                           parts_count=source.info.parts_count,
                           upload_id=source.info.upload_id)
            objects[key] = StoredObject(info, source.data, source.parts)
            return WriteResult(info.etag, info.last_modified, info.checksum, info.etag)
        source = self.copy_source(account, spec)
        checksum = source.info.checksum
        if source.parts and checksum is not None:
            checksum = checksum.unbound() if checksum.type == FULL_OBJECT else None
        etag = md5_hex(source.data)
        new = spec.new if spec.new is not None else _metadata_of(source.info)
        info = self.new_record(key, replace(new, acl=spec.acl), etag, len(source.data),
                               checksum)
        objects[key] = StoredObject(info, source.data)
        return WriteResult(etag, info.last_modified, info.checksum, etag)

    async def delete_objects(self, account: str, bucket: str,
                             items: Sequence[DeleteItem]) -> Mapping[DeleteItem,
                                                                    store.StoreError | None]:
        objects = self.bucket(account, bucket).objects
        outcomes: dict[DeleteItem, store.StoreError | None] = {}
        for item in items:
            current = objects.get(item.key)
            if item.if_match is not None and current is None:
                outcomes[item] = store.ObjectNotFound(bucket=bucket, key=item.key)
            elif (item.if_match is not None and current is not None
                  and not etag_matches(item.if_match, current.info.etag)):
                outcomes[item] = store.PreconditionFailed("If-Match", bucket=bucket,
                                                          key=item.key)
            else:
                objects.pop(item.key, None)
                outcomes[item] = None
        return outcomes

    async def close(self) -> None:
        """Nothing to release; the state goes with the instance."""
