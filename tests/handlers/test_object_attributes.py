"""GetObjectAttributes on a ``MemoryStore``: attribute selection, plain and
multipart objects, the part pages, and S3's errors."""

from __future__ import annotations

import hashlib

import pytest

from gateway.checksums import Checksum
from gateway.handlers.object_attributes import parts_count_of
from gateway.storage.records import CompletedPart, NewObject, ObjectInfo
from tests.handlers.conftest import ACCOUNT, Reply, S3Client, assert_error
from tests.integration.checksum_support import composite, crc32

BUCKET = "attrs"
ALL = "ETag,Checksum,ObjectParts,StorageClass,ObjectSize"
PARTS = (b"one", b"second", b"third!!")


@pytest.fixture
async def bucket(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    return s3


async def attributes(s3: S3Client, key: str, wanted: str | None = ALL,
                     extra: dict[str, str] | None = None, query: str = "") -> Reply:
    headers = dict(extra or {})
    if wanted is not None:
        headers["x-amz-object-attributes"] = wanted
    return await s3.request("GET", f"/{BUCKET}/{key}?attributes{query}", headers=headers)


async def multipart(s3: S3Client, key: str, checksums: bool) -> str:
    """A completed upload of ``PARTS`` (with CRC32 part checksums if ``checksums``)."""
    store = s3.store
    upload_id = await store.create_upload(ACCOUNT, BUCKET, key, NewObject(),
                                          "CRC32" if checksums else None,
                                          "COMPOSITE" if checksums else None)
    done = []
    for number, data in enumerate(PARTS, start=1):
        checksum = Checksum("CRC32", crc32(data)) if checksums else None
        result = await store.upload_part(ACCOUNT, BUCKET, key, upload_id, number, data,
                                         len(data), checksum)
        done.append(CompletedPart(number, result.etag, checksum))
    whole = None
    if checksums:
        whole = Checksum("CRC32", composite("CRC32", list(PARTS)), "COMPOSITE")
    return (await store.complete_upload(ACCOUNT, BUCKET, key, upload_id, done, whole)).etag


async def test_plain_object_has_every_attribute_but_parts(bucket: S3Client) -> None:
    reply = await bucket.request("PUT", f"/{BUCKET}/plain", body=b"hello",
                                 headers={"x-amz-checksum-crc32": crc32(b"hello")})
    assert reply.status == 200, reply.body
    reply = await attributes(bucket, "plain")
    assert reply.status == 200, reply.body
    assert reply.xml.tag.endswith("GetObjectAttributesResponse")
    assert reply.text("ETag") == hashlib.md5(b"hello").hexdigest()  # no quotes
    assert reply.text("Checksum/ChecksumCRC32") == crc32(b"hello")
    assert reply.text("Checksum/ChecksumType") == "FULL_OBJECT"
    assert reply.text("StorageClass") == "STANDARD"
    assert reply.text("ObjectSize") == "5"
    assert reply.xml.find("{http://s3.amazonaws.com/doc/2006-03-01/}ObjectParts") is None
    assert reply.headers["Last-Modified"].endswith(" GMT")
    assert reply.headers["Content-Type"] == "application/xml"


async def test_only_the_attributes_asked_for(bucket: S3Client) -> None:
    await bucket.put_object(BUCKET, "plain", b"abc")
    reply = await attributes(bucket, "plain", "ObjectSize, StorageClass")
    assert [child.tag.split("}")[1] for child in reply.xml] == ["StorageClass", "ObjectSize"]
    reply = await attributes(bucket, "plain", "Checksum")  # none stored: nothing to show
    assert reply.status == 200 and list(reply.xml) == []
    reply = await bucket.request("GET", f"/{BUCKET}/plain?attributes", headers={
        "x-amz-object-attributes": "ETag,"})  # empty items are ignored
    assert [child.tag.split("}")[1] for child in reply.xml] == ["ETag"]


async def test_multipart_parts_are_paged_with_their_checksums(bucket: S3Client) -> None:
    etag = await multipart(bucket, "mp", checksums=True)
    reply = await attributes(bucket, "mp", extra={"x-amz-max-parts": "2"})
    assert reply.status == 200, reply.body
    assert reply.text("ETag") == etag and etag.endswith("-3")
    # Without the "-3" HeadObject shows: S3 answers GetObjectAttributes so.
    whole = composite("CRC32", list(PARTS))
    assert reply.text("Checksum/ChecksumCRC32") == whole.removesuffix("-3")
    assert reply.text("Checksum/ChecksumType") == "COMPOSITE"
    assert reply.text("ObjectSize") == str(sum(len(p) for p in PARTS))
    assert reply.text("ObjectParts/PartsCount") == "3"
    assert reply.texts("ObjectParts/Part/PartNumber") == ["1", "2"]
    assert reply.texts("ObjectParts/Part/Size") == ["3", "6"]
    assert reply.texts("ObjectParts/Part/ChecksumCRC32") == [crc32(b"one"), crc32(b"second")]
    assert (reply.text("ObjectParts/IsTruncated"), reply.text("ObjectParts/MaxParts"),
            reply.text("ObjectParts/PartNumberMarker"),
            reply.text("ObjectParts/NextPartNumberMarker")) == ("true", "2", "0", "2")
    reply = await attributes(bucket, "mp", "ObjectParts", extra={
        "x-amz-max-parts": "2", "x-amz-part-number-marker": "2"})
    assert reply.texts("ObjectParts/Part/PartNumber") == ["3"]
    assert reply.texts("ObjectParts/Part/Size") == ["7"]
    assert (reply.text("ObjectParts/IsTruncated"), reply.text("ObjectParts/PartNumberMarker"),
            reply.text("ObjectParts/NextPartNumberMarker")) == ("false", "2", "3")


async def test_invalid_part_headers_are_ignored(bucket: S3Client) -> None:
    await multipart(bucket, "mp", checksums=True)
    reply = await attributes(bucket, "mp", "ObjectParts", extra={
        "x-amz-max-parts": "lots", "x-amz-part-number-marker": "-1"})
    assert reply.status == 200, reply.body
    assert reply.text("ObjectParts/MaxParts") == "1000"
    assert reply.texts("ObjectParts/Part/PartNumber") == ["1", "2", "3"]


async def test_multipart_without_checksums_shows_only_its_parts_count(bucket: S3Client) -> None:
    await multipart(bucket, "mp", checksums=False)
    reply = await attributes(bucket, "mp")
    assert reply.status == 200, reply.body
    parts = reply.xml.find("{http://s3.amazonaws.com/doc/2006-03-01/}ObjectParts")
    assert parts is not None and [child.tag.split("}")[1] for child in parts] == ["PartsCount"]
    assert reply.text("ObjectParts/PartsCount") == "3"
    assert reply.text("Checksum") is None


@pytest.mark.parametrize(("wanted", "code", "value"), [
    (None, "InvalidRequest", None), ("", "InvalidRequest", None),
    (" , ", "InvalidRequest", None),
    ("ETag,ETags", "InvalidArgument", "ETags"), ("etag", "InvalidArgument", "etag")])
async def test_attribute_names_are_checked(bucket: S3Client, wanted: str | None, code: str,
                                           value: str | None) -> None:
    await bucket.put_object(BUCKET, "plain", b"abc")
    reply = await attributes(bucket, "plain", wanted)
    assert_error(reply, code, 400)
    if value is not None:
        assert reply.xml.findtext("Message") == "Invalid attribute name specified."
        assert reply.xml.findtext("ArgumentName") == "x-amz-object-attributes"
        assert reply.xml.findtext("ArgumentValue") == value


async def test_missing_key_and_bucket(s3: S3Client) -> None:
    reply = await s3.request("GET", "/nobucket/k?attributes",
                             headers={"x-amz-object-attributes": "ETag"})
    assert_error(reply, "NoSuchBucket", 404)
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    assert_error(await attributes(s3, "nokey"), "NoSuchKey", 404)


async def test_version_id_as_get_object_has_it(bucket: S3Client) -> None:
    await bucket.put_object(BUCKET, "plain", b"abc")
    reply = await attributes(bucket, "plain", "ObjectSize", query="&versionId=null")
    assert reply.status == 200 and reply.text("ObjectSize") == "3"
    assert_error(await attributes(bucket, "plain", query="&versionId=v1"),
                 "InvalidArgument", 400)
    get = await bucket.request("GET", f"/{BUCKET}/plain?versionId=v1")
    assert_error(get, "InvalidArgument", 400)


def test_parts_count_of_a_record_that_lacks_it() -> None:
    """A backend may know the count only on a part read (Swift's SLO): the upload's
    ``-N`` ETag tells it; a plain object has none."""
    etag = "0123456789abcdef0123456789abcdef-4"
    assert parts_count_of(ObjectInfo("k", etag, 1, None, upload_id="u")) == 4
    assert parts_count_of(ObjectInfo("k", etag, 1, None, parts_count=2, upload_id="u")) == 2
    assert parts_count_of(ObjectInfo("k", etag, 1, None)) is None
