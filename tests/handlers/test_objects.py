"""GetObject, HeadObject and DeleteObject on a ``MemoryStore``: headers, ranges,
parts, conditions, checksum mode, response overrides and error documents."""

from __future__ import annotations

import hashlib

import pytest

from gateway.checksums import Checksum
from gateway.storage.records import CompletedPart, NewObject
from tests.handlers.conftest import ACCOUNT, S3Client, assert_error

BUCKET = "objects"
BODY = b"hello world"
ETAG = f'"{hashlib.md5(BODY).hexdigest()}"'


@pytest.fixture
async def stored(s3: S3Client) -> S3Client:
    """``s3`` with ``objects/k`` (text, metadata, content headers) and ``objects/mp``
    (two parts, composite CRC32)."""
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    await s3.store.put_object(ACCOUNT, BUCKET, "k", NewObject(
        content_type="text/plain", content_headers={"Cache-Control": "no-cache"},
        user_metadata={"colour": "blue"}), BODY)
    upload = await s3.store.create_upload(ACCOUNT, BUCKET, "mp", NewObject(), "CRC32",
                                          "COMPOSITE")
    parts = []
    for number, data in ((1, b"a" * 5), (2, b"bcd")):
        result = await s3.store.upload_part(ACCOUNT, BUCKET, "mp", upload, number, data,
                                            len(data), Checksum("CRC32", f"PART{number}=="))
        parts.append(CompletedPart(number, result.etag))
    await s3.store.complete_upload(ACCOUNT, BUCKET, "mp", upload, parts,
                                   Checksum("CRC32", "WHOLE==", "COMPOSITE"))
    return s3


async def test_get_object_headers_and_body(stored: S3Client) -> None:
    reply = await stored.request("GET", f"/{BUCKET}/k")
    assert (reply.status, reply.body) == (200, BODY)
    headers = reply.headers
    assert headers["ETag"] == ETAG and headers["Content-Type"] == "text/plain"
    assert headers["Cache-Control"] == "no-cache" and headers["x-amz-meta-colour"] == "blue"
    assert headers["Content-Length"] == "11" and headers["Accept-Ranges"] == "bytes"
    assert headers["Last-Modified"].endswith(" GMT")
    assert "x-amz-mp-parts-count" not in headers and "x-amz-checksum-crc32" not in headers


async def test_head_object_has_the_headers_and_no_body(stored: S3Client) -> None:
    reply = await stored.request("HEAD", f"/{BUCKET}/k")
    assert (reply.status, reply.body) == (200, b"")
    assert reply.headers["Content-Length"] == "11" and reply.headers["ETag"] == ETAG


@pytest.mark.parametrize(("value", "status", "content_range", "body"), [
    ("bytes=0-4", 206, "bytes 0-4/11", b"hello"),
    ("bytes=-5", 206, "bytes 6-10/11", b"world"),
    ("bytes=6-", 206, "bytes 6-10/11", b"world"),
    ("bytes=0-1,3-4", 200, None, BODY),
])
async def test_ranges(stored: S3Client, value: str, status: int, content_range: str | None,
                      body: bytes) -> None:
    reply = await stored.request("GET", f"/{BUCKET}/k", headers={"Range": value})
    assert (reply.status, reply.headers.get("Content-Range"), reply.body) == (
        status, content_range, body)


async def test_unsatisfiable_range(stored: S3Client) -> None:
    reply = await stored.request("GET", f"/{BUCKET}/k", headers={"Range": "bytes=20-"})
    assert_error(reply, "InvalidRange", 416)
    assert reply.xml.findtext("ActualObjectSize") == "11"
    assert reply.xml.findtext("RangeRequested") == "bytes=20-"


async def test_part_number_reads(stored: S3Client) -> None:
    part = await stored.request("GET", f"/{BUCKET}/mp?partNumber=2")
    assert (part.status, part.body) == (206, b"bcd")
    assert part.headers["Content-Range"] == "bytes 5-7/8"
    assert part.headers["x-amz-mp-parts-count"] == "2"
    plain = await stored.request("HEAD", f"/{BUCKET}/k?partNumber=1")
    # S3 sends x-amz-mp-parts-count for multipart objects only.
    assert plain.status == 206 and "x-amz-mp-parts-count" not in plain.headers
    assert plain.headers["Content-Range"] == "bytes 0-10/11"
    beyond = await stored.request("GET", f"/{BUCKET}/k?partNumber=2")
    assert_error(beyond, "InvalidPartNumber", 416)
    both = await stored.request("GET", f"/{BUCKET}/mp?partNumber=1",
                                headers={"Range": "bytes=0-1"})
    assert_error(both, "InvalidRequest", 400)


async def test_checksum_mode(stored: S3Client) -> None:
    mode = {"x-amz-checksum-mode": "ENABLED"}
    whole = await stored.request("HEAD", f"/{BUCKET}/mp", headers=mode)
    assert whole.headers["x-amz-checksum-crc32"] == "WHOLE=="
    assert whole.headers["x-amz-checksum-type"] == "COMPOSITE"
    part = await stored.request("GET", f"/{BUCKET}/mp?partNumber=1", headers=mode)
    assert part.headers["x-amz-checksum-crc32"] == "PART1=="
    ranged = await stored.request("GET", f"/{BUCKET}/mp",
                                  headers={**mode, "Range": "bytes=0-1"})
    assert "x-amz-checksum-crc32" not in ranged.headers
    assert "x-amz-checksum-crc32" not in (await stored.request("GET", f"/{BUCKET}/mp")).headers


@pytest.mark.parametrize(("headers", "status"), [
    ({"If-Match": ETAG}, 200), ({"If-Match": f"W/{ETAG}"}, 200), ({"If-Match": '"x"'}, 412),
    ({"If-None-Match": ETAG}, 304), ({"If-None-Match": '"x"'}, 200),
    ({"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 200),
    ({"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 304),
    ({"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 412),
    ({"If-Match": ETAG, "If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 200),
    ({"If-None-Match": '"x"', "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 200),
])
async def test_conditions(stored: S3Client, headers: dict[str, str], status: int) -> None:
    reply = await stored.request("GET", f"/{BUCKET}/k", headers=headers)
    assert reply.status == status, reply.body
    if status == 412:
        assert_error(reply, "PreconditionFailed", 412)
    if status == 304:
        assert reply.body == b"" and reply.headers["ETag"] == ETAG
        assert "Last-Modified" in reply.headers and "x-amz-meta-colour" not in reply.headers


async def test_response_overrides(stored: S3Client) -> None:
    reply = await stored.request("GET", f"/{BUCKET}/k?response-content-type=x%2Fy"
                                        "&response-cache-control=max-age%3D1")
    assert reply.headers["Content-Type"] == "x/y"
    assert reply.headers["Cache-Control"] == "max-age=1"
    bad = await stored.request("GET", f"/{BUCKET}/k?response-content-type=a%0Db")
    assert_error(bad, "InvalidArgument", 400)


async def test_missing_key_and_bucket(stored: S3Client) -> None:
    missing = await stored.request("GET", f"/{BUCKET}/absent")
    assert_error(missing, "NoSuchKey", 404)
    assert missing.xml.findtext("Key") == "absent"
    no_bucket = await stored.request("GET", "/absent-bucket/k")
    assert_error(no_bucket, "NoSuchBucket", 404)
    head = await stored.request("HEAD", f"/{BUCKET}/absent")
    assert (head.status, head.body) == (404, b"")


async def test_delete_object(stored: S3Client) -> None:
    assert (await stored.request("DELETE", f"/{BUCKET}/k")).status == 204
    assert (await stored.request("HEAD", f"/{BUCKET}/k")).status == 404
    assert (await stored.request("DELETE", f"/{BUCKET}/k")).status == 204  # absent: 204 too
    assert (await stored.request("DELETE", f"/{BUCKET}/mp")).status == 204
    assert_error(await stored.request("DELETE", "/absent-bucket/k"), "NoSuchBucket", 404)
