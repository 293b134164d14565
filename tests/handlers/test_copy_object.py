"""CopyObject on a ``MemoryStore``: the metadata directive, copy-to-itself, the
source's conditions and errors, the retry when the source changes, multipart
sources and the ``CopyObjectResult`` document."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.checksums import COMPOSITE, FULL_OBJECT, Checksum, checksum_of
from gateway.config import GatewayConfig
from gateway.credentials.base import Credential
from gateway.credentials.static_store import StaticCredentialStore
from gateway.storage import errors as store
from gateway.storage.memory import MemoryStore
from gateway.storage.memory_state import StoredObject
from gateway.storage.records import CompletedPart, CopySpec, NewObject, WriteResult
from gateway.timefmt import http_date_of
from tests.handlers.conftest import (
    ACCESS_KEY, ACCOUNT, NO_SWIFT, SECRET_KEY, Reply, S3Client, assert_error)

BUCKET = "copies"
BODY = b"0123456789abcdefghijklmnopqrstuvwxyz"
MD5 = hashlib.md5(BODY).hexdigest()
SOURCE = NewObject(content_type="text/plain", content_headers={"Cache-Control": "max-age=60"},
                   user_metadata={"color": "blue"})
TO_ITSELF = ("This copy request is illegal because it is trying to copy an object to itself "
             "without changing the object's metadata, storage class, website redirect "
             "location or encryption attributes.")


@pytest.fixture
async def bucket(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    await s3.store.put_object(ACCOUNT, BUCKET, "src", SOURCE, BODY)
    return s3


async def copy(s3: S3Client, key: str, source: str = f"/{BUCKET}/src",
               bucket: str = BUCKET, **headers: str) -> Reply:
    sent = {"x-amz-copy-source": source, **headers}
    return await s3.request("PUT", f"/{bucket}/{key}", headers=sent)


async def test_copy_keeps_the_sources_data_and_metadata(bucket: S3Client) -> None:
    reply = await copy(bucket, "dst", **{"x-amz-meta-other": "ignored",
                                         "Content-Type": "image/png"})
    assert reply.status == 200, reply.body
    assert reply.text("ETag") == f'"{MD5}"'
    assert reply.text("LastModified").endswith("Z")
    assert reply.text("ChecksumType") is None  # the source has no checksum
    info = await bucket.store.head_object(ACCOUNT, BUCKET, "dst")
    assert (info.etag, info.content_type, info.user_metadata, info.content_headers) == (
        MD5, "text/plain", {"color": "blue"}, {"Cache-Control": "max-age=60"})
    head = await bucket.request("HEAD", f"/{BUCKET}/dst")
    modified = info.last_modified
    assert modified is not None and head.headers["Last-Modified"] == http_date_of(modified)


async def test_replace_takes_the_metadata_as_put_object_reads_it(bucket: S3Client) -> None:
    reply = await copy(bucket, "dst", **{"x-amz-metadata-directive": "REPLACE",
                                         "x-amz-meta-shape": "round",
                                         "Content-Type": "application/json",
                                         "Content-Disposition": "inline"})
    assert reply.status == 200, reply.body
    info = await bucket.store.head_object(ACCOUNT, BUCKET, "dst")
    assert (info.content_type, info.user_metadata, info.content_headers) == (
        "application/json", {"shape": "round"}, {"Content-Disposition": "inline"})
    assert info.etag == MD5


async def test_replace_refuses_what_put_object_refuses(bucket: S3Client) -> None:
    for headers in ({"x-amz-meta-s3gw-checksum-crc32": "forged"},
                    {"Content-Type": "text/plain;s3gw_etag=abc-2"}):
        reply = await copy(bucket, "dst", **{"x-amz-metadata-directive": "REPLACE", **headers})
        assert_error(reply, "InvalidArgument", 400)
    reply = await copy(bucket, "dst", **{"x-amz-metadata-directive": "REPLACE",
                                         "x-amz-meta-big": "x" * 2100})
    assert_error(reply, "MetadataTooLarge", 400)
    # COPY does not read the request's metadata at all.
    reply = await copy(bucket, "dst", **{"x-amz-meta-s3gw-checksum-crc32": "forged"})
    assert reply.status == 200


async def test_unknown_directive(bucket: S3Client) -> None:
    reply = await copy(bucket, "dst", **{"x-amz-metadata-directive": "MOVE"})
    assert_error(reply, "InvalidArgument", 400)
    assert reply.xml.findtext("ArgumentName") == "x-amz-metadata-directive"


async def test_copy_onto_itself_needs_replace(bucket: S3Client) -> None:
    for extra in ({}, {"x-amz-metadata-directive": "COPY"}):
        reply = await copy(bucket, "src", **extra)
        assert_error(reply, "InvalidRequest", 400)
        assert reply.xml.findtext("Message") == TO_ITSELF
    reply = await copy(bucket, "src", **{"x-amz-metadata-directive": "REPLACE",
                                         "x-amz-meta-color": "green",
                                         "Content-Type": "text/csv"})
    assert reply.status == 200
    info = await bucket.store.head_object(ACCOUNT, BUCKET, "src")
    assert (info.user_metadata, info.content_type, info.etag) == (
        {"color": "green"}, "text/csv", MD5)


async def test_missing_source_and_destination(bucket: S3Client) -> None:
    reply = await copy(bucket, "dst", source="/nobucket/src")
    assert_error(reply, "NoSuchBucket", 404)
    assert reply.xml.findtext("BucketName") == "nobucket"
    reply = await copy(bucket, "dst", source=f"/{BUCKET}/absent")
    assert_error(reply, "NoSuchKey", 404)
    assert reply.xml.findtext("Key") == "absent"
    reply = await copy(bucket, "dst", source=f"/{BUCKET}/{'k' * 1025}")
    assert_error(reply, "NoSuchKey", 404)
    reply = await copy(bucket, "dst", bucket="nodest")
    assert_error(reply, "NoSuchBucket", 404)
    assert reply.xml.findtext("BucketName") == "nodest"


async def test_invalid_sources_and_keys(bucket: S3Client) -> None:
    for source in ("nokey", f"/{BUCKET}/", "/bad_bucket!/k", f"/{BUCKET}/src?versionId=v1"):
        assert_error(await copy(bucket, "dst", source=source), "InvalidArgument", 400)
    assert (await copy(bucket, "dst", source=f"{BUCKET}/src?versionId=null")).status == 200
    assert_error(await copy(bucket, "k" * 1025), "KeyTooLongError", 400)


@pytest.mark.parametrize(("headers", "status"), [
    ({"if-match": f'"{MD5}"'}, 200),
    ({"if-match": f'W/"{MD5}"'}, 200),
    ({"if-match": '"other"'}, 412),
    ({"if-none-match": f'"{MD5}"'}, 412),
    ({"if-none-match": '"other"'}, 200),
    ({"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 412),
    ({"if-unmodified-since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 412),
    # An ETag condition overrides its date partner.
    ({"if-match": f'"{MD5}"', "if-unmodified-since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 200),
    ({"if-none-match": '"other"', "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 200),
])
async def test_source_conditions(bucket: S3Client, headers: dict[str, str],
                                 status: int) -> None:
    sent = {f"x-amz-copy-source-{name}": value for name, value in headers.items()}
    reply = await copy(bucket, "dst", **sent)
    if status == 412:
        assert_error(reply, "PreconditionFailed", 412)
        with pytest.raises(store.ObjectNotFound):  # nothing was written
            await bucket.store.head_object(ACCOUNT, BUCKET, "dst")
    else:
        assert reply.status == 200, reply.body


async def test_source_larger_than_a_copy_may_be(bucket: S3Client) -> None:
    objects = bucket.store.bucket(ACCOUNT, BUCKET).objects
    big = objects["src"]
    objects["big"] = StoredObject(replace(big.info, key="big", size=5 * 1024 ** 3 + 1),
                                  big.data)
    reply = await copy(bucket, "dst", source=f"/{BUCKET}/big")
    assert_error(reply, "InvalidRequest", 400)
    assert "maximum allowable size for a copy source" in (reply.xml.findtext("Message") or "")


async def test_result_carries_the_destinations_checksum(bucket: S3Client) -> None:
    crc = Checksum("CRC32", checksum_of("CRC32", BODY))
    await bucket.store.put_object(ACCOUNT, BUCKET, "summed", replace(SOURCE, checksum=crc),
                                  BODY)
    reply = await copy(bucket, "dst", source=f"/{BUCKET}/summed")
    assert (reply.text("ChecksumType"), reply.text("ChecksumCRC32")) == (FULL_OBJECT, crc.value)
    assert (await bucket.store.head_object(ACCOUNT, BUCKET, "dst")).checksum == crc


async def multipart_source(s3: S3Client, key: str, checksum_type: str) -> str:
    """A two-part object with a CRC32 checksum of ``checksum_type``; its ETag."""
    store = s3.store
    upload = await store.create_upload(ACCOUNT, BUCKET, key, SOURCE, "CRC32", checksum_type)
    parts = []
    for number, data in ((1, b"a" * 10), (2, b"b" * 5)):
        result = await store.upload_part(ACCOUNT, BUCKET, key, upload, number, data, len(data))
        parts.append(CompletedPart(number, result.etag))
    whole = Checksum("CRC32", checksum_of("CRC32", b"a" * 10 + b"b" * 5), checksum_type)
    return (await store.complete_upload(ACCOUNT, BUCKET, key, upload, parts, whole)).etag


@pytest.mark.parametrize("checksum_type", [FULL_OBJECT, COMPOSITE])
async def test_multipart_source_copied_elsewhere_becomes_a_plain_object(
        bucket: S3Client, checksum_type: str) -> None:
    await multipart_source(bucket, "mp", checksum_type)
    reply = await copy(bucket, "dst", source=f"/{BUCKET}/mp")
    assert reply.text("ETag") == f'"{hashlib.md5(b"a" * 10 + b"b" * 5).hexdigest()}"'
    info = await bucket.store.head_object(ACCOUNT, BUCKET, "dst")
    assert (info.parts_count, info.upload_id) == (None, None)
    # Only a FULL_OBJECT checksum still describes the bytes; a COMPOSITE one, parts.
    kept = checksum_type == FULL_OBJECT
    assert (info.checksum is not None) == kept
    assert (reply.text("ChecksumCRC32") is not None) == kept


async def test_multipart_source_copied_onto_itself_stays_multipart(bucket: S3Client) -> None:
    etag = await multipart_source(bucket, "mp", COMPOSITE)
    before = await bucket.store.head_object(ACCOUNT, BUCKET, "mp")
    reply = await copy(bucket, "mp", source=f"/{BUCKET}/mp",
                       **{"x-amz-metadata-directive": "REPLACE", "x-amz-meta-new": "1"})
    assert reply.status == 200, reply.body
    assert reply.text("ETag") == f'"{etag}"'
    assert reply.text("ChecksumType") == COMPOSITE
    info = await bucket.store.head_object(ACCOUNT, BUCKET, "mp")
    assert (info.etag, info.parts_count, info.upload_id) == (etag, 2, before.upload_id)
    assert info.user_metadata == {"new": "1"} and info.checksum == before.checksum


class RacingStore(MemoryStore):
    """A store where another writer overwrites the source while each of the first
    ``races`` copies is on its way (between the handler's HEAD and the copy)."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races
        self.copies = 0

    async def copy_object(self, account: str, bucket: str, key: str,
                          spec: CopySpec) -> WriteResult:
        self.copies += 1
        if self.copies <= self.races:
            await self.put_object(account, spec.source_bucket, spec.source.key, SOURCE,
                                  f"version {self.copies}".encode())
        return await super().copy_object(account, bucket, key, spec)


async def racing(races: int) -> tuple[S3Client, TestClient]:
    store = RacingStore(races)
    credentials = StaticCredentialStore([Credential(ACCESS_KEY, SECRET_KEY, ACCOUNT)])
    app = create_app(GatewayConfig(swift=NO_SWIFT), store=credentials, backend=store)
    client = TestClient(TestServer(app))
    await client.start_server()
    await store.create_bucket(ACCOUNT, BUCKET)
    await store.put_object(ACCOUNT, BUCKET, "src", SOURCE, BODY)
    return S3Client(client, store), client


async def test_a_source_changed_once_is_read_again_and_copied() -> None:
    s3, client = await racing(races=1)
    try:
        reply = await copy(s3, "dst")
        assert reply.status == 200, reply.body
        assert reply.text("ETag") == f'"{hashlib.md5(b"version 1").hexdigest()}"'
        assert isinstance(s3.store, RacingStore) and s3.store.copies == 2
    finally:
        await client.close()


async def test_a_source_that_keeps_changing_fails_the_copy() -> None:
    s3, client = await racing(races=2)
    try:
        assert_error(await copy(s3, "dst"), "PreconditionFailed", 412)
        with pytest.raises(store.ObjectNotFound):
            await s3.store.head_object(ACCOUNT, BUCKET, "dst")
    finally:
        await client.close()

