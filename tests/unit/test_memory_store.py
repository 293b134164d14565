"""``MemoryStore`` keeps every contract of the storage interface (``Store``):
the records it returns and the store errors each method documents."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from gateway.checksums import Checksum
from gateway.storage import errors as store
from gateway.storage.base import Store
from gateway.storage.memory import MemoryStore
from gateway.storage.records import (
    CompletedPart, CopySpec, DeleteItem, ListQuery, NewObject, ReadOptions, WriteConditions)
from gateway.timefmt import http_date

ACCOUNT = "AUTH_unit"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


async def read_all(memory: MemoryStore, key: str, options: ReadOptions,
                   bucket: str = "b") -> tuple[int, str | None, bytes]:
    async with await memory.get_object(ACCOUNT, bucket, key, options) as read:
        data = b"".join([chunk async for chunk in read.body])
        assert read.length == len(data)
        return read.status, read.content_range, data


async def store_with_bucket() -> MemoryStore:
    """An empty ``MemoryStore`` with bucket ``b`` (both test modules' fixture)."""
    memory = MemoryStore()
    await memory.create_bucket(ACCOUNT, "b")
    return memory


@pytest.fixture
async def memory() -> MemoryStore:
    return await store_with_bucket()


async def put(memory: MemoryStore, key: str, data: bytes, **new: object) -> None:
    await memory.put_object(ACCOUNT, "b", key, NewObject(**new), data)  # type: ignore[arg-type]


def test_every_store_operation_is_implemented() -> None:
    operations = [name for name, member in inspect.getmembers(Store, inspect.isfunction)
                  if not name.startswith("_")]
    assert len(operations) > 20
    missing = [name for name in operations if getattr(MemoryStore, name) is getattr(Store, name)]
    assert missing == []


# --- buckets and documents ---------------------------------------------------------------


async def test_buckets_per_account_in_name_order(memory: MemoryStore) -> None:
    await memory.create_bucket(ACCOUNT, "a")
    await memory.create_bucket("AUTH_other", "c")
    assert [b.name for b in await memory.list_buckets(ACCOUNT)] == ["a", "b"]
    assert [b.owner for b in await memory.list_buckets("AUTH_other")] == ["AUTH_other"]
    assert await memory.list_buckets("AUTH_never") == []
    with pytest.raises(store.BucketAlreadyOwned) as info:
        await memory.create_bucket(ACCOUNT, "a")
    assert info.value.bucket == "a"
    head = await memory.head_bucket(ACCOUNT, "a")
    assert head.name == "a" and head.owner == ACCOUNT and head.created is not None


async def test_missing_bucket_comes_first_everywhere(memory: MemoryStore) -> None:
    calls = [
        memory.head_bucket(ACCOUNT, "x"), memory.delete_bucket(ACCOUNT, "x"),
        memory.get_bucket_document(ACCOUNT, "x", "cors"),
        memory.put_bucket_document(ACCOUNT, "x", "cors", b"{}"),
        memory.delete_bucket_document(ACCOUNT, "x", "cors"),
        memory.list_objects(ACCOUNT, "x", ListQuery(max_keys=0)),
        memory.head_object(ACCOUNT, "x", "k"), memory.get_object(ACCOUNT, "x", "k", ReadOptions()),
        memory.put_object(ACCOUNT, "x", "k", NewObject(), b""),
        memory.delete_object(ACCOUNT, "x", "k"),
        memory.delete_objects(ACCOUNT, "x", [DeleteItem("k")]),
        memory.create_upload(ACCOUNT, "x", "k", NewObject()),
        memory.get_upload(ACCOUNT, "x", "k", "u"), memory.abort_upload(ACCOUNT, "x", "k", "u"),
        memory.list_uploads(ACCOUNT, "x", "", "", "", "", 10),
    ]
    for call in calls:
        with pytest.raises(store.BucketNotFound) as info:
            await call
        assert info.value.bucket == "x"


async def test_delete_bucket_refuses_objects_and_takes_uploads_and_documents(
        memory: MemoryStore) -> None:
    await put(memory, "k", b"x")
    with pytest.raises(store.BucketNotEmpty):
        await memory.delete_bucket(ACCOUNT, "b")
    await memory.delete_object(ACCOUNT, "b", "k")
    await memory.create_upload(ACCOUNT, "b", "k", NewObject())
    await memory.put_bucket_document(ACCOUNT, "b", "policy", b"{}")
    await memory.delete_bucket(ACCOUNT, "b")
    await memory.create_bucket(ACCOUNT, "b")
    assert await memory.get_bucket_document(ACCOUNT, "b", "policy") is None
    assert (await memory.list_uploads(ACCOUNT, "b", "", "", "", "", 10)).uploads == []


async def test_bucket_documents(memory: MemoryStore) -> None:
    assert await memory.get_bucket_document(ACCOUNT, "b", "tagging") is None
    policy = b"x" * 20_000
    await memory.put_bucket_document(ACCOUNT, "b", "policy", policy)
    assert await memory.get_bucket_document(ACCOUNT, "b", "policy") == policy
    assert (await memory.head_bucket(ACCOUNT, "b")).documents == {"policy"}
    await memory.delete_bucket_document(ACCOUNT, "b", "policy")
    await memory.delete_bucket_document(ACCOUNT, "b", "policy")  # absent: no error
    assert await memory.get_bucket_document(ACCOUNT, "b", "policy") is None
    with pytest.raises(store.EntityTooLarge):
        await memory.put_bucket_document(ACCOUNT, "b", "policy", b"x" * (64 * 1024 + 1))


# --- listings ----------------------------------------------------------------------------


async def test_listing_pages_and_groups(memory: MemoryStore) -> None:
    for key in ("a/1", "a/2", "b", "c--d", "c--e", "c-x", "d/"):
        await put(memory, key, key.encode())
    page = await memory.list_objects(ACCOUNT, "b", ListQuery(delimiter="/", max_keys=2))
    assert (page.prefixes, [o.key for o in page.objects]) == (["a/"], ["b"])
    assert page.truncated and page.last_name == "b"
    page = await memory.list_objects(ACCOUNT, "b", ListQuery(delimiter="--", marker="b"))
    assert (page.prefixes, [o.key for o in page.objects]) == (["c--"], ["c-x", "d/"])
    assert not page.truncated and page.last_name == "d/"
    page = await memory.list_objects(ACCOUNT, "b", ListQuery(delimiter="/", marker="a/"))
    assert page.prefixes == ["d/"]  # a common prefix as marker is not repeated
    page = await memory.list_objects(ACCOUNT, "b", ListQuery(prefix="c-", max_keys=3))
    assert [o.key for o in page.objects] == ["c--d", "c--e", "c-x"] and not page.truncated
    listed = page.objects[0]
    assert listed.etag == md5(b"c--d") and listed.size == 4
    assert datetime.fromisoformat(listed.last_modified)
    assert (await memory.list_objects(ACCOUNT, "b", ListQuery(max_keys=0))).objects == []


# --- reads -------------------------------------------------------------------------------


async def test_head_and_get(memory: MemoryStore) -> None:
    await put(memory, "k", b"hello world", content_type="text/plain",
              content_headers={"Cache-Control": "no-cache"}, user_metadata={"a": "1"})
    info = await memory.head_object(ACCOUNT, "b", "k")
    assert (info.key, info.etag, info.size, info.content_type) == (
        "k", md5(b"hello world"), 11, "text/plain")
    assert info.content_headers == {"Cache-Control": "no-cache"}
    assert info.user_metadata == {"a": "1"} and not info.is_multipart
    assert await read_all(memory, "k", ReadOptions()) == (200, None, b"hello world")
    with pytest.raises(store.ObjectNotFound) as missing:
        await memory.head_object(ACCOUNT, "b", "absent")
    assert (missing.value.bucket, missing.value.key) == ("b", "absent")


@pytest.mark.parametrize(("value", "expected"), [
    ("bytes=0-4", (206, "bytes 0-4/11", b"hello")),
    ("bytes=6-", (206, "bytes 6-10/11", b"world")),
    ("bytes=-3", (206, "bytes 8-10/11", b"rld")),
    ("bytes=5-100", (206, "bytes 5-10/11", b" world")),
    ("bytes=-100", (206, "bytes 0-10/11", b"hello world")),
    ("bytes=4-2", (200, None, b"hello world")),  # unparseable ranges are ignored
    ("bytes=0-1,3-4", (200, None, b"hello world")),
    ("pages=1", (200, None, b"hello world")),
])
async def test_ranges(memory: MemoryStore, value: str, expected: tuple) -> None:
    await put(memory, "k", b"hello world")
    assert await read_all(memory, "k", ReadOptions(byte_range=value)) == expected


@pytest.mark.parametrize("value", ["bytes=11-", "bytes=20-30", "bytes=-0"])
async def test_unsatisfiable_ranges(memory: MemoryStore, value: str) -> None:
    await put(memory, "k", b"hello world")
    with pytest.raises(store.RangeNotSatisfiable) as info:
        await memory.get_object(ACCOUNT, "b", "k", ReadOptions(byte_range=value))
    assert info.value.fields == {"size": 11, "requested": value}


async def test_read_conditions(memory: MemoryStore) -> None:
    await put(memory, "k", b"data")
    info = await memory.head_object(ACCOUNT, "b", "k")
    assert info.last_modified is not None
    before = http_date((info.last_modified - timedelta(hours=1)).timestamp())
    after = http_date((info.last_modified + timedelta(hours=1)).timestamp())
    etag = info.etag
    passing = [ReadOptions(if_match=f'"{etag}"'), ReadOptions(if_match=f'W/"{etag}"'),
               ReadOptions(if_match=f'"other", "{etag}"'), ReadOptions(if_match="*"),
               ReadOptions(if_none_match='"other"'), ReadOptions(if_modified_since=before),
               ReadOptions(if_unmodified_since=after), ReadOptions(if_modified_since="garbage"),
               # If-Match wins over If-Unmodified-Since
               ReadOptions(if_match=etag, if_unmodified_since=before)]
    for options in passing:
        assert (await memory.head_object(ACCOUNT, "b", "k", options)).etag == etag, options
    for options in (ReadOptions(if_match='"other"'), ReadOptions(if_unmodified_since=before)):
        with pytest.raises(store.PreconditionFailed):
            await memory.get_object(ACCOUNT, "b", "k", options)
    for options in (ReadOptions(if_none_match=f'"{etag}"'), ReadOptions(if_none_match="*"),
                    ReadOptions(if_modified_since=after),
                    # If-None-Match decides when both are sent
                    ReadOptions(if_none_match=etag, if_modified_since=before)):
        with pytest.raises(store.NotModified) as info304:
            await memory.get_object(ACCOUNT, "b", "k", options)
        assert info304.value.info == info


async def test_part_number_reads(memory: MemoryStore) -> None:
    await put(memory, "plain", b"abc")
    assert await read_all(memory, "plain", ReadOptions(part_number=1)) == (
        206, "bytes 0-2/3", b"abc")  # a plain object is its own part 1
    with pytest.raises(store.PartNumberNotSatisfiable) as beyond:
        await memory.get_object(ACCOUNT, "b", "plain", ReadOptions(part_number=2))
    assert beyond.value.fields == {"part_number": 2, "actual_part_count": 1}
    await put(memory, "empty", b"")
    assert await read_all(memory, "empty", ReadOptions(part_number=1)) == (200, None, b"")
    upload = await memory.create_upload(ACCOUNT, "b", "mp", NewObject())
    one = await memory.upload_part(ACCOUNT, "b", "mp", upload, 1, b"x" * 5, 5)
    two = await memory.upload_part(ACCOUNT, "b", "mp", upload, 2, b"yz", 2)
    await memory.complete_upload(ACCOUNT, "b", "mp", upload,
                                 [CompletedPart(1, one.etag), CompletedPart(2, two.etag)], None)
    assert await read_all(memory, "mp", ReadOptions(part_number=2), "b") == (
        206, "bytes 5-6/7", b"yz")
    head = await memory.head_object(ACCOUNT, "b", "mp", ReadOptions(part_number=1))
    assert head.size == 5 and head.parts_count == 2
    with pytest.raises(store.PartNumberNotSatisfiable):
        await memory.head_object(ACCOUNT, "b", "mp", ReadOptions(part_number=3))


async def test_checksum_mode_and_bodiless_reads(memory: MemoryStore) -> None:
    whole = Checksum("CRC32", "AAAAAA==", "COMPOSITE")
    upload = await memory.create_upload(ACCOUNT, "b", "mp", NewObject(), "CRC32", "COMPOSITE")
    parts = []
    for number, data in ((1, b"first"), (2, b"second")):
        part_sum = Checksum("CRC32", f"PART{number}==", "FULL_OBJECT")
        result = await memory.upload_part(ACCOUNT, "b", "mp", upload, number, data, len(data),
                                          part_sum)
        parts.append(CompletedPart(number, result.etag))
    await memory.complete_upload(ACCOUNT, "b", "mp", upload, parts, whole)

    async def checksum_of(options: ReadOptions) -> Checksum | None:
        async with await memory.get_object(ACCOUNT, "b", "mp", options) as read:
            return read.checksum

    assert await checksum_of(ReadOptions()) is None  # only with checksum mode
    assert await checksum_of(ReadOptions(checksum_mode=True)) == whole
    assert await checksum_of(ReadOptions(checksum_mode=True, part_number=2)) == Checksum(
        "CRC32", "PART2==", "COMPOSITE")
    assert await checksum_of(ReadOptions(checksum_mode=True, byte_range="bytes=0-1")) is None
    async with await memory.get_object(ACCOUNT, "b", "mp",
                                       ReadOptions(with_body=False)) as head:
        assert head.length == 11 and [chunk async for chunk in head.body] == []


# --- writes ------------------------------------------------------------------------------


async def test_put_conditions_and_digests(memory: MemoryStore) -> None:
    result = await memory.put_object(ACCOUNT, "b", "k", NewObject(content_md5=md5(b"v1")), b"v1")
    assert result.etag == md5(b"v1") and result.last_modified is not None
    with pytest.raises(store.BodyMismatch):
        await memory.put_object(ACCOUNT, "b", "k", NewObject(content_md5=md5(b"no")), b"v2")
    with pytest.raises(store.PreconditionFailed):
        await memory.put_object(ACCOUNT, "b", "k", NewObject(), b"v2",
                                WriteConditions(if_none_match_star=True))
    with pytest.raises(store.PreconditionFailed):
        await memory.put_object(ACCOUNT, "b", "k", NewObject(), b"v2",
                                WriteConditions(if_match='"other"'))
    with pytest.raises(store.ObjectNotFound):
        await memory.put_object(ACCOUNT, "b", "new", NewObject(), b"v2",
                                WriteConditions(if_match=result.etag))
    await memory.put_object(ACCOUNT, "b", "k", NewObject(), b"v2",
                            WriteConditions(if_match=f'"{result.etag}"'))
    assert (await memory.head_object(ACCOUNT, "b", "k")).etag == md5(b"v2")
    with pytest.raises(store.InvalidWrite):  # content_length is the body's exact length
        await memory.put_object(ACCOUNT, "b", "k", NewObject(content_length=5), b"v3")
    assert (await memory.head_object(ACCOUNT, "b", "k")).etag == md5(b"v2")
    small = MemoryStore(max_object_bytes=3)
    await small.create_bucket(ACCOUNT, "b")
    with pytest.raises(store.EntityTooLarge):
        await small.put_object(ACCOUNT, "b", "k", NewObject(), b"four")


async def test_a_withheld_body_is_refused_before_it_is_pulled(memory: MemoryStore) -> None:
    pulled: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        pulled.append(b"asked")  # the first pull is what sends 100 Continue
        yield b"v2"

    await put(memory, "k", b"v1")
    with pytest.raises(store.PreconditionFailed):
        await memory.put_object(ACCOUNT, "b", "k", NewObject(), body(),
                                WriteConditions(if_none_match_star=True), body_withheld=True)
    with pytest.raises(store.BucketNotFound):
        await memory.put_object(ACCOUNT, "nope", "k", NewObject(), body(), body_withheld=True)
    assert pulled == []


async def test_a_failing_body_stores_nothing(memory: MemoryStore) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client gone")

    with pytest.raises(ConnectionResetError):
        await memory.put_object(ACCOUNT, "b", "k", NewObject(), broken())
    with pytest.raises(store.ObjectNotFound):
        await memory.head_object(ACCOUNT, "b", "k")


async def test_streamed_body_and_record_checksum(memory: MemoryStore) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"ab"
        yield b"cd"

    result = await memory.put_object(ACCOUNT, "b", "k", NewObject(), chunks())
    assert result.etag == md5(b"abcd")
    stale = Checksum("CRC32", "AAAAAA==", etag=md5(b"other"))
    assert await memory.record_checksum(ACCOUNT, "b", "k", NewObject(), stale) is False
    bound = Checksum("CRC32", "7YLNRQ==", etag=result.backend_etag)
    assert await memory.record_checksum(ACCOUNT, "b", "k", NewObject(), bound) is True
    assert (await memory.head_object(ACCOUNT, "b", "k")).checksum == bound
    assert await memory.record_checksum(ACCOUNT, "b", "gone", NewObject(), bound) is False


async def test_copy_keeps_or_replaces_metadata_and_pins_the_source(memory: MemoryStore) -> None:
    await put(memory, "src", b"data", content_type="text/plain", user_metadata={"a": "1"})
    source = await memory.head_object(ACCOUNT, "b", "src")
    kept = await memory.copy_object(ACCOUNT, "b", "kept", CopySpec("b", source))
    assert kept.etag == source.etag
    copied = await memory.head_object(ACCOUNT, "b", "kept")
    assert (copied.content_type, copied.user_metadata) == ("text/plain", {"a": "1"})
    await memory.copy_object(ACCOUNT, "b", "replaced",
                             CopySpec("b", source, NewObject(user_metadata={"b": "2"})))
    replaced = await memory.head_object(ACCOUNT, "b", "replaced")
    assert (replaced.content_type, replaced.user_metadata) == ("binary/octet-stream", {"b": "2"})
    await put(memory, "src", b"changed")
    with pytest.raises(store.PreconditionFailed):
        await memory.copy_object(ACCOUNT, "b", "late", CopySpec("b", source))
    await memory.delete_object(ACCOUNT, "b", "src")
    with pytest.raises(store.ObjectNotFound) as info:
        await memory.copy_object(ACCOUNT, "b", "late", CopySpec("b", source))
    assert info.value.key == "src"
    # A source bucket gone since the HEAD: the source is gone (as Swift's copy says).
    with pytest.raises(store.ObjectNotFound) as gone:
        await memory.copy_object(ACCOUNT, "b", "late", CopySpec("other", source))
    assert (gone.value.bucket, gone.value.key) == ("other", "src")
    with pytest.raises(store.BucketNotFound) as missing:
        await memory.copy_object(ACCOUNT, "nobucket", "late", CopySpec("b", source))
    assert missing.value.bucket == "nobucket"


async def test_delete_objects_outcomes(memory: MemoryStore) -> None:
    await put(memory, "a", b"1")
    await put(memory, "b", b"2")
    items = [DeleteItem("a"), DeleteItem("absent"), DeleteItem("b", if_match='"nope"'),
             DeleteItem("gone", if_match=md5(b"x"))]
    outcomes = await memory.delete_objects(ACCOUNT, "b", items)
    assert outcomes[items[0]] is None and outcomes[items[1]] is None
    assert isinstance(outcomes[items[2]], store.PreconditionFailed)
    assert isinstance(outcomes[items[3]], store.ObjectNotFound)
    listed = await memory.list_objects(ACCOUNT, "b", ListQuery())
    assert [o.key for o in listed.objects] == ["b"]
    await memory.delete_object(ACCOUNT, "b", "absent")  # no error


async def test_records_carry_the_clock(memory: MemoryStore) -> None:
    moment = datetime(2024, 5, 1, 10, 20, 30, 123456, tzinfo=UTC)
    memory.now = lambda: moment  # type: ignore[method-assign]
    await put(memory, "k", b"x")
    assert (await memory.head_object(ACCOUNT, "b", "k")).last_modified == moment
    listed = (await memory.list_objects(ACCOUNT, "b", ListQuery())).objects[0]
    assert listed.last_modified == "2024-05-01T10:20:30.123456"
