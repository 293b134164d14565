"""User metadata that is not US-ASCII comes back RFC 2047-encoded, as S3 returns it;
what a client sent encoded (ASCII) comes back byte for byte."""

from __future__ import annotations

import base64
from email.header import decode_header

import pytest

from gateway.storage.records import NewObject
from tests.handlers.conftest import S3Client

ENCODED = "=?UTF-8?B?" + base64.b64encode("Zürich 日本".encode()).decode() + "?="


@pytest.fixture
async def s3b(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(s3.account, "b")
    return s3


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_non_ascii_values_come_back_encoded(s3b: S3Client, method: str) -> None:
    meta = {"city": "Zürich 日本", "plain": "ascii only"}
    await s3b.store.put_object(s3b.account, "b", "k", NewObject(user_metadata=meta), b"x")
    reply = await s3b.request(method, "/b/k")
    assert reply.status == 200
    assert reply.headers["x-amz-meta-city"] == ENCODED
    assert reply.headers["x-amz-meta-plain"] == "ascii only"
    [(raw, charset)] = decode_header(reply.headers["x-amz-meta-city"])
    assert raw.decode(charset) == "Zürich 日本"


async def test_a_utf8_header_is_stored_as_text_and_returned_encoded(s3b: S3Client) -> None:
    put = await s3b.request("PUT", "/b/k", body=b"x",
                            headers={"x-amz-meta-city": "Zürich 日本"})
    assert put.status == 200, put.body
    info = await s3b.store.head_object(s3b.account, "b", "k")
    assert info.user_metadata == {"city": "Zürich 日本"}
    assert (await s3b.request("HEAD", "/b/k")).headers["x-amz-meta-city"] == ENCODED


@pytest.mark.parametrize("sent", [ENCODED, "=?utf-8?q?caf=C3=A9?=", "=?UTF-8?B?broken"])
async def test_what_was_sent_encoded_comes_back_as_sent(s3b: S3Client, sent: str) -> None:
    put = await s3b.request("PUT", "/b/k", body=b"x", headers={"x-amz-meta-v": sent})
    assert put.status == 200, put.body
    assert (await s3b.request("GET", "/b/k")).headers["x-amz-meta-v"] == sent
