"""Multipart uploads on a ``MemoryStore``: Create, UploadPart, ListParts,
ListMultipartUploads, Complete and Abort (XML, headers, checksums, errors)."""

from __future__ import annotations

import base64
import hashlib
import re
import zlib

import pytest

from gateway.storage.records import ReadOptions
from tests.handlers.conftest import ACCOUNT, Reply, S3Client, assert_error

BUCKET = "uploads"
MIB = 1024 * 1024
BIG = b"a" * (5 * MIB)  # the smallest part that may be followed by another
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def multipart_etag(*parts: bytes) -> str:
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f"{digest}-{len(parts)}"


def complete_body(*parts: tuple[int, str], extra: str = "") -> bytes:
    inner = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>\"{etag}\"</ETag>{extra}</Part>"
                    for n, etag in parts)
    return f"<CompleteMultipartUpload>{inner}</CompleteMultipartUpload>".encode()


@pytest.fixture
async def bucket(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    return s3


async def create(s3: S3Client, key: str = "k", headers: dict[str, str] | None = None) -> str:
    reply = await s3.request("POST", f"/{BUCKET}/{key}?uploads", headers=headers)
    assert reply.status == 200, reply.body
    upload_id = reply.text("UploadId")
    assert upload_id
    return upload_id


async def put_part(s3: S3Client, upload_id: str, number: int, data: bytes, key: str = "k",
                   headers: dict[str, str] | None = None) -> str:
    reply = await s3.request("PUT", f"/{BUCKET}/{key}?partNumber={number}&uploadId={upload_id}",
                             body=data, headers=headers)
    assert reply.status == 200, reply.body
    return reply.headers["ETag"].strip('"')


# --- CreateMultipartUpload ---------------------------------------------------------

async def test_create_answers_the_upload_and_keeps_the_object_state(bucket: S3Client) -> None:
    reply = await bucket.request("POST", f"/{BUCKET}/k?uploads", headers={
        "Content-Type": "text/plain", "Cache-Control": "no-cache", "x-amz-meta-Colour": "blue",
        "x-amz-checksum-algorithm": "crc32"})
    assert reply.status == 200
    assert (reply.text("Bucket"), reply.text("Key")) == (BUCKET, "k")
    assert reply.headers["x-amz-checksum-algorithm"] == "CRC32"
    assert reply.headers["x-amz-checksum-type"] == "COMPOSITE"
    upload_id = reply.text("UploadId")
    assert upload_id is not None
    info = await bucket.store.get_upload(ACCOUNT, BUCKET, "k", upload_id)
    assert (info.checksum_algorithm, info.checksum_type) == ("CRC32", "COMPOSITE")
    assert info.new.content_type == "text/plain"
    assert dict(info.new.content_headers) == {"Cache-Control": "no-cache"}
    assert dict(info.new.user_metadata) == {"colour": "blue"}
    assert info.new.content_md5 is None


@pytest.mark.parametrize(("headers", "code"), [
    ({"x-amz-checksum-algorithm": "MD5"}, "InvalidRequest"),
    ({"x-amz-checksum-type": "COMPOSITE"}, "InvalidRequest"),
    ({"x-amz-checksum-algorithm": "SHA1", "x-amz-checksum-type": "FULL_OBJECT"},
     "InvalidRequest"),
    ({"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "PARTIAL"},
     "InvalidRequest"),
    ({"Content-Type": "text/plain;s3gw_upload_checksum=crc32.composite"}, "InvalidArgument"),
])
async def test_create_refuses_bad_headers(bucket: S3Client, headers: dict[str, str],
                                          code: str) -> None:
    assert_error(await bucket.request("POST", f"/{BUCKET}/k?uploads", headers=headers),
                 code, 400)


async def test_create_errors(s3: S3Client) -> None:
    assert_error(await s3.request("POST", "/missing/k?uploads"), "NoSuchBucket", 404)
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    assert_error(await s3.request("POST", f"/{BUCKET}/{'k' * 1025}?uploads"),
                 "KeyTooLongError", 400)


# --- UploadPart ----------------------------------------------------------------------

async def test_upload_part_stores_the_part(bucket: S3Client) -> None:
    upload_id = await create(bucket)
    reply = await bucket.request("PUT", f"/{BUCKET}/k?partNumber=3&uploadId={upload_id}",
                                 body=b"part", headers={"x-amz-checksum-crc32": crc32(b"part")})
    assert (reply.status, reply.headers["ETag"]) == (200, f'"{md5(b"part")}"')
    assert reply.headers["x-amz-checksum-crc32"] == crc32(b"part")
    page = await bucket.store.list_parts(ACCOUNT, BUCKET, "k", upload_id, 0, 10)
    [part] = page.parts
    assert (part.number, part.etag, part.size) == (3, md5(b"part"), 4)
    assert part.checksum is not None and part.checksum.value == crc32(b"part")


@pytest.mark.parametrize("number", ["0", "10001", "x", ""])
async def test_upload_part_number_must_be_in_range(bucket: S3Client, number: str) -> None:
    upload_id = await create(bucket)
    reply = await bucket.request("PUT", f"/{BUCKET}/k?partNumber={number}&uploadId={upload_id}",
                                 body=b"x")
    assert_error(reply, "InvalidArgument", 400)


async def test_upload_part_errors(bucket: S3Client) -> None:
    upload_id = await create(bucket)
    assert_error(await bucket.request("PUT", f"/{BUCKET}/k?partNumber=1&uploadId=nope",
                                      body=b"x"), "NoSuchUpload", 404)
    assert_error(await bucket.request("PUT", f"/{BUCKET}/other?partNumber=1&uploadId="
                                      f"{upload_id}", body=b"x"), "NoSuchUpload", 404)
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert_error(await bucket.request(
        "PUT", f"/{BUCKET}/k?partNumber=1&uploadId={upload_id}", body=b"x",
        headers={"Content-MD5": wrong_md5}), "BadDigest", 400)
    assert_error(await bucket.request(
        "PUT", f"/{BUCKET}/k?partNumber=1&uploadId={upload_id}", body=b"x",
        headers={"Content-MD5": "not-base64"}), "InvalidDigest", 400)


async def test_upload_part_follows_the_upload_checksum(bucket: S3Client) -> None:
    composite = await create(bucket, headers={"x-amz-checksum-algorithm": "CRC32C"})
    reply = await bucket.request("PUT", f"/{BUCKET}/k?partNumber=1&uploadId={composite}",
                                 body=b"x")
    assert_error(reply, "InvalidRequest", 400)
    assert b"expected checksum Type: crc32c, actual checksum Type: null" in reply.body
    reply = await bucket.request("PUT", f"/{BUCKET}/k?partNumber=1&uploadId={composite}",
                                 body=b"x", headers={"x-amz-checksum-crc32": crc32(b"x")})
    assert_error(reply, "InvalidRequest", 400)
    full = await create(bucket, headers={"x-amz-checksum-algorithm": "CRC32",
                                         "x-amz-checksum-type": "FULL_OBJECT"})
    reply = await bucket.request("PUT", f"/{BUCKET}/k?partNumber=1&uploadId={full}",
                                 body=b"data")
    assert reply.status == 200 and reply.headers["x-amz-checksum-crc32"] == crc32(b"data")
    [part] = (await bucket.store.list_parts(ACCOUNT, BUCKET, "k", full, 0, 10)).parts
    assert part.checksum is not None and part.checksum.value == crc32(b"data")


# --- ListParts -----------------------------------------------------------------------

async def test_list_parts_pages_with_checksums(bucket: S3Client) -> None:
    upload_id = await create(bucket, headers={"x-amz-checksum-algorithm": "CRC32"})
    for number, data in ((1, b"one"), (2, b"two"), (3, b"three")):
        await put_part(bucket, upload_id, number, data,
                       headers={"x-amz-checksum-crc32": crc32(data)})
    reply = await bucket.request("GET", f"/{BUCKET}/k?uploadId={upload_id}&max-parts=2")
    assert reply.status == 200
    assert reply.texts("Part/PartNumber") == ["1", "2"]
    assert reply.texts("Part/ETag") == [f'"{md5(b"one")}"', f'"{md5(b"two")}"']
    assert reply.texts("Part/Size") == ["3", "3"]
    assert reply.texts("Part/ChecksumCRC32") == [crc32(b"one"), crc32(b"two")]
    assert all(ISO_MS.fullmatch(t) for t in reply.texts("Part/LastModified"))
    assert (reply.text("IsTruncated"), reply.text("NextPartNumberMarker")) == ("true", "2")
    assert (reply.text("ChecksumAlgorithm"), reply.text("ChecksumType")) == (
        "CRC32", "COMPOSITE")
    reply = await bucket.request("GET", f"/{BUCKET}/k?uploadId={upload_id}"
                                 "&part-number-marker=2")
    assert reply.texts("Part/PartNumber") == ["3"] and reply.text("IsTruncated") == "false"
    assert reply.text("PartNumberMarker") == "2"


async def test_list_parts_errors(bucket: S3Client) -> None:
    assert_error(await bucket.request("GET", f"/{BUCKET}/k?uploadId=nope"), "NoSuchUpload", 404)
    assert_error(await bucket.request("GET", "/missing/k?uploadId=nope"), "NoSuchBucket", 404)
    upload_id = await create(bucket)
    assert_error(await bucket.request("GET", f"/{BUCKET}/k?uploadId={upload_id}&max-parts=x"),
                 "InvalidArgument", 400)


# --- ListMultipartUploads ------------------------------------------------------------

async def test_list_uploads(bucket: S3Client) -> None:
    first = await create(bucket, "a/1", headers={"x-amz-checksum-algorithm": "SHA256"})
    await create(bucket, "a/2")
    plain = await create(bucket, "b")
    reply = await bucket.request("GET", f"/{BUCKET}?uploads")
    assert reply.status == 200
    assert reply.texts("Upload/Key") == ["a/1", "a/2", "b"]
    assert reply.texts("Upload/UploadId")[0] == first
    assert all(ISO_MS.fullmatch(t) for t in reply.texts("Upload/Initiated"))
    assert reply.texts("Upload/ChecksumAlgorithm") == ["SHA256"]
    assert reply.texts("Upload/ChecksumType") == ["COMPOSITE"]
    reply = await bucket.request("GET", f"/{BUCKET}?uploads&delimiter=%2F&max-uploads=1")
    assert reply.texts("CommonPrefixes/Prefix") == ["a/"] and reply.texts("Upload/Key") == []
    assert (reply.text("IsTruncated"), reply.text("NextKeyMarker")) == ("true", "a/")
    reply = await bucket.request("GET", f"/{BUCKET}?uploads&delimiter=%2F&key-marker=a%2F")
    assert reply.texts("Upload/UploadId") == [plain]


async def test_list_uploads_of_a_missing_bucket(s3: S3Client) -> None:
    assert_error(await s3.request("GET", "/missing?uploads"), "NoSuchBucket", 404)


# --- CompleteMultipartUpload ---------------------------------------------------------

async def test_complete_assembles_the_object(bucket: S3Client) -> None:
    upload_id = await create(bucket, headers={"Content-Type": "text/plain",
                                              "x-amz-meta-colour": "blue"})
    one = await put_part(bucket, upload_id, 1, BIG)
    two = await put_part(bucket, upload_id, 2, b"tail")
    await put_part(bucket, upload_id, 3, b"unused")
    body = complete_body((1, one), (2, two))
    reply = await bucket.request("POST", f"/{BUCKET}/k?uploadId={upload_id}", body=body)
    assert reply.status == 200, reply.body
    etag = multipart_etag(BIG, b"tail")
    assert (reply.text("ETag"), reply.text("Key"), reply.text("Bucket")) == (
        f'"{etag}"', "k", BUCKET)
    info = await bucket.store.head_object(ACCOUNT, BUCKET, "k")
    assert (info.etag, info.size, info.parts_count) == (etag, len(BIG) + 4, 2)
    assert (info.content_type, dict(info.user_metadata)) == ("text/plain", {"colour": "blue"})
    # A retried Complete answers the same result; the upload itself is gone.
    again = await bucket.request("POST", f"/{BUCKET}/k?uploadId={upload_id}", body=body)
    assert (again.status, again.text("ETag")) == (200, f'"{etag}"')
    other = complete_body((1, one))
    assert_error(await bucket.request("POST", f"/{BUCKET}/k?uploadId={upload_id}", body=other),
                 "NoSuchUpload", 404)
    assert_error(await bucket.request("GET", f"/{BUCKET}/k?uploadId={upload_id}"),
                 "NoSuchUpload", 404)


async def test_complete_with_a_composite_checksum(bucket: S3Client) -> None:
    upload_id = await create(bucket, headers={"x-amz-checksum-algorithm": "CRC32"})
    one = await put_part(bucket, upload_id, 1, BIG, headers={"x-amz-checksum-crc32": crc32(BIG)})
    two = await put_part(bucket, upload_id, 2, b"z", headers={"x-amz-checksum-crc32": crc32(b"z")})
    parts = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag>"
        f"<ChecksumCRC32>{value}</ChecksumCRC32></Part>"
        for n, etag, value in ((1, one, crc32(BIG)), (2, two, crc32(b"z"))))
    body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
    reply = await bucket.request("POST", f"/{BUCKET}/k?uploadId={upload_id}", body=body)
    assert reply.status == 200, reply.body
    raw = base64.b64decode(crc32(BIG)) + base64.b64decode(crc32(b"z"))
    expected = f"{crc32(raw)}-2"
    assert (reply.text("ChecksumCRC32"), reply.text("ChecksumType")) == (expected, "COMPOSITE")
    async with await bucket.store.get_object(
            ACCOUNT, BUCKET, "k", ReadOptions(checksum_mode=True, with_body=False)) as read:
        assert read.checksum is not None and read.checksum.value == expected


async def test_complete_checks_the_parts(bucket: S3Client) -> None:
    upload_id = await create(bucket)
    one = await put_part(bucket, upload_id, 1, b"small")
    two = await put_part(bucket, upload_id, 2, b"tail")
    path = f"/{BUCKET}/k?uploadId={upload_id}"
    assert_error(await bucket.request("POST", path, body=complete_body((1, one), (2, two))),
                 "EntityTooSmall", 400)
    assert_error(await bucket.request("POST", path, body=complete_body((1, two))),
                 "InvalidPart", 400)
    assert_error(await bucket.request("POST", path, body=complete_body((4, one))),
                 "InvalidPart", 400)
    assert_error(await bucket.request("POST", path, body=complete_body((2, two), (1, one))),
                 "InvalidPartOrder", 400)
    assert_error(await bucket.request("POST", path, body=b"<nope"), "MalformedXML", 400)
    reply = await bucket.request("POST", path, body=complete_body((2, two)),
                                 headers={"x-amz-mp-object-size": "5"})
    assert_error(reply, "InvalidRequest", 400)
    assert b"does not match what was computed: 4" in reply.body
    # None of these used the upload up.
    reply = await bucket.request("POST", path, body=complete_body((2, two)),
                                 headers={"x-amz-mp-object-size": "4"})
    assert reply.status == 200 and reply.text("ETag") == f'"{multipart_etag(b"tail")}"'


async def test_complete_conditions(bucket: S3Client) -> None:
    upload_id = await create(bucket)
    part = await put_part(bucket, upload_id, 1, b"p")
    path = f"/{BUCKET}/k?uploadId={upload_id}"
    body = complete_body((1, part))
    assert_error(await bucket.request("POST", path, body=body, headers={"If-Match": '"x"'}),
                 "NoSuchKey", 404)
    await bucket.put_object(BUCKET, "k", b"existing")
    assert_error(await bucket.request("POST", path, body=body, headers={"If-Match": '"x"'}),
                 "PreconditionFailed", 412)
    assert_error(await bucket.request("POST", path, body=body, headers={"If-None-Match": "*"}),
                 "PreconditionFailed", 412)
    assert_error(await bucket.request("POST", path, body=body, headers={"If-None-Match": '"x"'}),
                 "NotImplemented", 501)
    reply = await bucket.request("POST", path, body=body,
                                 headers={"If-Match": f'"{md5(b"existing")}"'})
    assert reply.status == 200, reply.body


async def test_complete_of_an_unknown_upload(bucket: S3Client) -> None:
    body = complete_body((1, md5(b"p")))
    assert_error(await bucket.request("POST", f"/{BUCKET}/k?uploadId=nope", body=body),
                 "NoSuchUpload", 404)
    assert_error(await bucket.request("POST", "/missing/k?uploadId=nope", body=body),
                 "NoSuchBucket", 404)


# --- AbortMultipartUpload ------------------------------------------------------------

async def test_abort_forgets_the_upload(bucket: S3Client) -> None:
    upload_id = await create(bucket)
    await put_part(bucket, upload_id, 1, b"p")
    reply = await bucket.request("DELETE", f"/{BUCKET}/k?uploadId={upload_id}")
    assert (reply.status, reply.body) == (204, b"")
    assert_error(await bucket.request("GET", f"/{BUCKET}/k?uploadId={upload_id}"),
                 "NoSuchUpload", 404)
    assert_error(await bucket.request("DELETE", f"/{BUCKET}/k?uploadId={upload_id}"),
                 "NoSuchUpload", 404)
    assert (await bucket.request("GET", f"/{BUCKET}?uploads")).texts("Upload/Key") == []


# --- UploadPartCopy ------------------------------------------------------------------

async def test_upload_part_copy(bucket: S3Client) -> None:
    await bucket.put_object(BUCKET, "src", b"0123456789")
    upload_id = await create(bucket, headers={"x-amz-checksum-algorithm": "CRC32"})
    path = f"/{BUCKET}/k?partNumber=2&uploadId={upload_id}"
    reply = await bucket.request("PUT", path, headers={
        "x-amz-copy-source": f"/{BUCKET}/src", "x-amz-copy-source-range": "bytes=2-5"})
    assert reply.status == 200, reply.body
    assert reply.xml.tag.endswith("CopyPartResult")
    assert (reply.text("ETag"), reply.text("ChecksumCRC32")) == (f'"{md5(b"2345")}"',
                                                                 crc32(b"2345"))
    assert ISO_MS.fullmatch(reply.text("LastModified") or "")
    assert reply.text("ChecksumType") is None
    [part] = (await bucket.store.list_parts(ACCOUNT, BUCKET, "k", upload_id, 0, 10)).parts
    assert (part.number, part.size, part.etag) == (2, 4, md5(b"2345"))
    plain = await create(bucket, "plain")
    reply = await bucket.request("PUT", f"/{BUCKET}/plain?partNumber=1&uploadId={plain}",
                                 headers={"x-amz-copy-source": f"/{BUCKET}/src"})
    assert (reply.status, reply.text("ETag")) == (200, f'"{md5(b"0123456789")}"')
    assert reply.text("ChecksumCRC32") is None


async def test_upload_part_copy_errors(bucket: S3Client) -> None:
    await bucket.put_object(BUCKET, "src", b"0123456789")
    upload_id = await create(bucket)
    path = f"/{BUCKET}/k?partNumber=1&uploadId={upload_id}"

    async def copy(headers: dict[str, str], to: str = path) -> Reply:
        return await bucket.request("PUT", to, headers=headers)

    assert_error(await copy({"x-amz-copy-source": f"/{BUCKET}/missing"}), "NoSuchKey", 404)
    assert_error(await copy({"x-amz-copy-source": "/nobucket/src"}), "NoSuchBucket", 404)
    assert_error(await copy({"x-amz-copy-source": f"/{BUCKET}/src"},
                            f"/{BUCKET}/k?partNumber=1&uploadId=nope"), "NoSuchUpload", 404)
    assert_error(await copy({"x-amz-copy-source": f"/{BUCKET}/src",
                             "x-amz-copy-source-range": "bytes=5-10"}), "InvalidArgument", 400)
    assert_error(await copy({"x-amz-copy-source": f"/{BUCKET}/src",
                             "x-amz-copy-source-if-match": '"other"'}),
                 "PreconditionFailed", 412)
