"""PutObject on a ``MemoryStore``: what is stored, the response, conditions,
Content-MD5, checksums (sent, computed by default, learned after the body) and
error documents."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.body import SMALL_BODY
from gateway.config import GatewayConfig, ServerConfig
from gateway.credentials.base import Credential
from gateway.credentials.static_store import StaticCredentialStore
from gateway.storage.memory import MemoryStore
from gateway.storage.records import ListedObject, ListQuery, ReadOptions
from tests.handlers.conftest import (
    ACCESS_KEY, ACCOUNT, NO_SWIFT, SECRET_KEY, S3Client, assert_error)

BUCKET = "puts"
BODY = b"hello world"
MD5 = hashlib.md5(BODY).hexdigest()


def crc32_of(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.fixture
async def bucket(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    return s3


@pytest.fixture
async def crc32_default() -> AsyncIterator[S3Client]:
    """A gateway that computes CRC32 for uploads sent without a checksum."""
    store = MemoryStore()
    credentials = StaticCredentialStore([Credential(ACCESS_KEY, SECRET_KEY, ACCOUNT)])
    config = GatewayConfig(swift=NO_SWIFT, server=ServerConfig(default_checksum="CRC32"))
    app = create_app(config, store=credentials, backend=store)
    async with TestClient(TestServer(app)) as client:
        s3 = S3Client(client, store)
        await store.create_bucket(ACCOUNT, BUCKET)
        yield s3


async def test_put_stores_the_bytes_and_s3_state(bucket: S3Client) -> None:
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=BODY, headers={
        "Content-Type": "text/plain", "Cache-Control": "no-cache",
        "Content-Disposition": "inline", "x-amz-meta-Colour": "blue"})
    assert (reply.status, reply.headers["ETag"]) == (200, f'"{MD5}"')
    read = await bucket.store.get_object(ACCOUNT, BUCKET, "k", ReadOptions())
    async with read:
        data = b"".join([chunk async for chunk in read.body])
    info = read.info
    assert data == BODY and (info.etag, info.size) == (MD5, len(BODY))
    assert info.content_type == "text/plain" and info.user_metadata == {"colour": "blue"}
    assert info.content_headers == {"Cache-Control": "no-cache",
                                    "Content-Disposition": "inline"}
    assert info.checksum is None  # none sent, none configured


async def test_content_md5(bucket: S3Client) -> None:
    good = base64.b64encode(hashlib.md5(BODY).digest()).decode()
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=BODY,
                                 headers={"Content-MD5": good})
    assert reply.status == 200
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    reply = await bucket.request("PUT", f"/{BUCKET}/k2", body=BODY,
                                 headers={"Content-MD5": wrong})
    assert_error(reply, "BadDigest", 400)
    reply = await bucket.request("PUT", f"/{BUCKET}/k3", body=BODY,
                                 headers={"Content-MD5": "not base64!"})
    assert_error(reply, "InvalidDigest", 400)
    assert [o.key for o in (await _listing(bucket))] == ["k"]


async def test_if_none_match_star(bucket: S3Client) -> None:
    headers = {"If-None-Match": "*"}
    assert (await bucket.request("PUT", f"/{BUCKET}/k", body=BODY, headers=headers)).status == 200
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=b"again", headers=headers)
    assert_error(reply, "PreconditionFailed", 412)
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=b"again",
                                 headers={"If-None-Match": f'"{MD5}"'})
    assert_error(reply, "NotImplemented", 501)
    assert (await bucket.store.head_object(ACCOUNT, BUCKET, "k")).etag == MD5


async def test_if_match(bucket: S3Client) -> None:
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=BODY,
                                 headers={"If-Match": f'"{MD5}"'})
    assert_error(reply, "NoSuchKey", 404)
    await bucket.put_object(BUCKET, "k", BODY)
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=b"x",
                                 headers={"If-Match": '"0123"'})
    assert_error(reply, "PreconditionFailed", 412)
    for tag in (f'"{MD5}"', f'W/"{MD5}"', "*"):
        await bucket.put_object(BUCKET, "k", BODY)
        reply = await bucket.request("PUT", f"/{BUCKET}/k", body=b"new",
                                     headers={"If-Match": tag})
        assert reply.status == 200, tag
    assert (await bucket.store.head_object(ACCOUNT, BUCKET, "k")).size == 3


async def test_missing_bucket_and_bad_names(s3: S3Client) -> None:
    assert_error(await s3.request("PUT", "/nobucket/k", body=BODY), "NoSuchBucket", 404)
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    reply = await s3.request("PUT", f"/{BUCKET}/" + "k" * 1025, body=BODY)
    assert_error(reply, "KeyTooLongError", 400)
    reply = await s3.request("PUT", f"/{BUCKET}/k", body=BODY,
                             headers={"Content-Type": "text/plain;s3gw_etag=abc-2"})
    assert_error(reply, "InvalidArgument", 400)


async def test_checksum_header_is_verified_and_stored(bucket: S3Client) -> None:
    reply = await bucket.request("PUT", f"/{BUCKET}/k", body=BODY,
                                 headers={"x-amz-checksum-crc32": crc32_of(BODY)})
    assert (reply.status, reply.headers["x-amz-checksum-crc32"]) == (200, crc32_of(BODY))
    stored = (await bucket.store.head_object(ACCOUNT, BUCKET, "k")).checksum
    assert stored is not None and (stored.algorithm, stored.value) == ("CRC32", crc32_of(BODY))
    reply = await bucket.request("PUT", f"/{BUCKET}/bad", body=BODY,
                                 headers={"x-amz-checksum-crc32": crc32_of(b"other")})
    assert_error(reply, "BadDigest", 400)
    assert [o.key for o in (await _listing(bucket))] == ["k"]


@pytest.mark.parametrize("size", [len(BODY), SMALL_BODY + 1])
async def test_default_checksum_small_and_large_bodies(crc32_default: S3Client,
                                                       size: int) -> None:
    """A small body's computed checksum goes with the write; a large one's is
    learned after the body and recorded bound to the write (``record_checksum``)."""
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    reply = await crc32_default.request("PUT", f"/{BUCKET}/k", body=data)
    assert (reply.status, reply.headers["x-amz-checksum-crc32"]) == (200, crc32_of(data))
    stored = (await crc32_default.store.head_object(ACCOUNT, BUCKET, "k")).checksum
    assert stored is not None and stored.value == crc32_of(data)
    reply = await crc32_default.request("HEAD", f"/{BUCKET}/k",
                                        headers={"x-amz-checksum-mode": "ENABLED"})
    assert reply.headers["x-amz-checksum-crc32"] == crc32_of(data)


async def _listing(s3: S3Client) -> list[ListedObject]:
    return (await s3.store.list_objects(ACCOUNT, BUCKET, ListQuery())).objects
