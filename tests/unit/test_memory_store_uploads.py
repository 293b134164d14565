"""``MemoryStore``'s multipart uploads keep the storage interface's contracts."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from gateway.checksums import Checksum
from gateway.storage import errors as store
from gateway.storage.memory import MemoryStore
from gateway.storage.records import CompletedPart, CopySpec, NewObject, ReadOptions, WriteConditions
from tests.unit.test_memory_store import ACCOUNT, md5, put, read_all, store_with_bucket


@pytest.fixture
async def memory() -> MemoryStore:
    return await store_with_bucket()


async def test_multipart_life(memory: MemoryStore) -> None:
    new = NewObject(content_type="text/plain", user_metadata={"m": "v"})
    upload = await memory.create_upload(ACCOUNT, "b", "k", new, "CRC32", "COMPOSITE")
    info = await memory.get_upload(ACCOUNT, "b", "k", upload)
    assert (info.key, info.new, info.checksum_algorithm) == ("k", new, "CRC32")
    with pytest.raises(store.UploadNotFound):
        await memory.get_upload(ACCOUNT, "b", "other-key", upload)
    one = await memory.upload_part(ACCOUNT, "b", "k", upload, 1, b"first", 5)
    await memory.upload_part(ACCOUNT, "b", "k", upload, 2, b"old", 3)
    two = await memory.upload_part(ACCOUNT, "b", "k", upload, 2, b"second", 6)  # replaces
    page = await memory.list_parts(ACCOUNT, "b", "k", upload, 0, 1)
    assert [p.number for p in page.parts] == [1] and page.truncated and page.next_marker == 1
    page = await memory.list_parts(ACCOUNT, "b", "k", upload, 1, 10)
    assert [(p.number, p.size, p.etag) for p in page.parts] == [(2, 6, md5(b"second"))]
    assert not page.truncated
    with pytest.raises(store.PartNotFound):
        await memory.complete_upload(ACCOUNT, "b", "k", upload, [CompletedPart(1, md5(b"x"))],
                                     None)
    parts = [CompletedPart(1, f'"{one.etag}"'), CompletedPart(2, two.etag)]
    done = await memory.complete_upload(ACCOUNT, "b", "k", upload, parts, None)
    expected = hashlib.md5(bytes.fromhex(one.etag) + bytes.fromhex(two.etag)).hexdigest()
    assert done.etag == f"{expected}-2"
    final = await memory.head_object(ACCOUNT, "b", "k")
    assert (final.size, final.parts_count, final.upload_id) == (11, 2, upload)
    assert (final.content_type, final.user_metadata) == ("text/plain", {"m": "v"})
    assert await read_all(memory, "k", ReadOptions()) == (200, None, b"firstsecond")
    again = await memory.complete_upload(ACCOUNT, "b", "k", upload, parts, None)
    assert again.etag == done.etag  # a retried Complete
    for call in (memory.get_upload(ACCOUNT, "b", "k", upload),
                 memory.abort_upload(ACCOUNT, "b", "k", upload),
                 memory.list_parts(ACCOUNT, "b", "k", upload, 0, 10),
                 memory.upload_part(ACCOUNT, "b", "k", upload, 3, b"", 0)):
        with pytest.raises(store.UploadNotFound):
            await call


async def test_complete_conditions_and_abort(memory: MemoryStore) -> None:
    await put(memory, "k", b"existing")
    upload = await memory.create_upload(ACCOUNT, "b", "k", NewObject())
    part = await memory.upload_part(ACCOUNT, "b", "k", upload, 1, b"p", 1)
    with pytest.raises(store.PreconditionFailed):
        await memory.complete_upload(ACCOUNT, "b", "k", upload, [CompletedPart(1, part.etag)],
                                     None, WriteConditions(if_none_match_star=True))
    await memory.abort_upload(ACCOUNT, "b", "k", upload)
    with pytest.raises(store.UploadNotFound):
        await memory.complete_upload(ACCOUNT, "b", "k", upload, [CompletedPart(1, part.etag)],
                                     None)
    with pytest.raises(store.KeyTooLong):
        await memory.create_upload(ACCOUNT, "b", "k" * 1025, NewObject())


async def test_abort_while_a_part_streams_keeps_no_part(memory: MemoryStore) -> None:
    upload = await memory.create_upload(ACCOUNT, "b", "k", NewObject())

    async def body() -> AsyncIterator[bytes]:
        yield b"part"
        await memory.abort_upload(ACCOUNT, "b", "k", upload)
        yield b"more"

    with pytest.raises(store.UploadNotFound):
        await memory.upload_part(ACCOUNT, "b", "k", upload, 1, body(), None)


async def test_copy_part_takes_a_range(memory: MemoryStore) -> None:
    await put(memory, "src", b"0123456789")
    source = await memory.head_object(ACCOUNT, "b", "src")
    upload = await memory.create_upload(ACCOUNT, "b", "k", NewObject())
    result = await memory.copy_part(ACCOUNT, "b", "k", upload, 1,
                                    CopySpec("b", source, byte_range=(2, 5)))
    assert result.etag == md5(b"2345")
    await put(memory, "src", b"changed")
    with pytest.raises(store.PreconditionFailed):
        await memory.copy_part(ACCOUNT, "b", "k", upload, 2, CopySpec("b", source))


async def test_list_uploads_order_markers_and_prefixes(memory: MemoryStore) -> None:
    ids = {}
    for key in ("b", "a/1", "a", "a", "c/x", "c/y"):
        ids.setdefault(key, []).append(await memory.create_upload(ACCOUNT, "b", key,
                                                                  NewObject()))
    page = await memory.list_uploads(ACCOUNT, "b", "", "", "", "", 10)
    assert [(u.key, u.upload_id) for u in page.uploads] == [
        ("a", ids["a"][0]), ("a", ids["a"][1]), ("a/1", ids["a/1"][0]), ("b", ids["b"][0]),
        ("c/x", ids["c/x"][0]), ("c/y", ids["c/y"][0])]
    page = await memory.list_uploads(ACCOUNT, "b", "", "", "", "", 2)
    assert page.truncated and (page.next_key_marker, page.next_upload_id_marker) == (
        "a", ids["a"][1])
    page = await memory.list_uploads(ACCOUNT, "b", "", "", "a", ids["a"][0], 1)
    assert [u.upload_id for u in page.uploads] == [ids["a"][1]]
    page = await memory.list_uploads(ACCOUNT, "b", "", "", "a", "", 10)
    assert [u.key for u in page.uploads] == ["a/1", "b", "c/x", "c/y"]
    page = await memory.list_uploads(ACCOUNT, "b", "", "/", "", "", 10)
    assert page.prefixes == ["a/", "c/"] and [u.key for u in page.uploads] == ["a", "a", "b"]
    page = await memory.list_uploads(ACCOUNT, "b", "c/", "/", "", "", 1)
    assert [u.key for u in page.uploads] == ["c/x"] and page.truncated
    assert (await memory.list_uploads(ACCOUNT, "b", "", "", "", "", 0)).uploads == []


async def test_part_content_md5_and_late_checksum(memory: MemoryStore) -> None:
    upload = await memory.create_upload(ACCOUNT, "b", "k", NewObject())
    with pytest.raises(store.BodyMismatch):
        await memory.upload_part(ACCOUNT, "b", "k", upload, 1, b"p", 1, content_md5=md5(b"x"))
    part = await memory.upload_part(ACCOUNT, "b", "k", upload, 1, b"p", 1,
                                    content_md5=md5(b"p"))
    late = Checksum("CRC32", "AAAAAA==")
    assert not await memory.record_part_checksum(ACCOUNT, "b", "k", upload, 1, late)  # unbound
    assert not await memory.record_part_checksum(ACCOUNT, "b", "k", upload, 1,
                                                 late.bound_to(md5(b"other")))
    assert await memory.record_part_checksum(ACCOUNT, "b", "k", upload, 1,
                                             late.bound_to(part.backend_etag))
    [listed] = (await memory.list_parts(ACCOUNT, "b", "k", upload, 0, 10)).parts
    assert listed.checksum is not None and listed.checksum.value == late.value
