"""streamed_upload(): which lengths, encodings and checksum headers an upload accepts."""

from __future__ import annotations

import base64
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict, CIMultiDictProxy

from gateway import errors
from gateway.auth.authenticate import AuthResult
from gateway.credentials.base import Credential
from gateway.s3request import S3Request
from gateway.body import read_small_body, streamed_upload
from gateway.body.framing import size_limited, stored_content_encoding
from gateway.handlers.object_headers import stored_headers

CRED = Credential("AK", "SK", "AUTH_test")
MAX = 1000


def s3_request(headers: dict[str, str], payload_hash: str = "UNSIGNED-PAYLOAD") -> S3Request:
    http = make_mocked_request("PUT", "/b/k", headers=CIMultiDict(headers))
    auth = AuthResult(CRED, "v4", payload_hash)
    return S3Request(http=http, request_id="r", bucket="b", key="k", auth=auth,
                     config=None, store=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("value,stored", [
    ("aws-chunked", None), ("aws-chunked,gzip", "gzip"), ("gzip, aws-chunked", "gzip"),
    ("foo, aws-chunked, bar", "foo, bar"), ("AWS-CHUNKED", None),
    ("gzip,br", "gzip,br"), ("", ""),
])
def test_stored_content_encoding(value: str, stored: str | None) -> None:
    assert stored_content_encoding(value) == stored


async def test_plain_length() -> None:
    upload = await streamed_upload(s3_request({"Content-Length": "10"}), MAX)
    assert upload.content_length == 10 and not upload.decoded
    headers = {"Content-Encoding": "aws-chunked"}  # not decoded: kept, as S3 does
    upload.apply_headers(headers)
    assert headers == {"Content-Length": "10", "Content-Encoding": "aws-chunked"}


async def test_chunked_transfer_has_no_length() -> None:
    upload = await streamed_upload(s3_request({"Transfer-Encoding": "chunked"}), MAX)
    headers = {"Content-Length": "5"}
    upload.apply_headers(headers)
    assert upload.content_length is None and headers == {}  # Swift gets a chunked PUT


async def test_no_length_at_all() -> None:
    with pytest.raises(errors.MissingContentLength):
        await streamed_upload(s3_request({}), MAX)


async def test_too_large_up_front() -> None:
    with pytest.raises(errors.EntityTooLarge):
        await streamed_upload(s3_request({"Content-Length": str(MAX + 1)}), MAX)
    with pytest.raises(errors.EntityTooLarge):
        await streamed_upload(s3_request(
            {"Content-Length": "10", "x-amz-decoded-content-length": str(MAX + 1)},
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), MAX)


async def test_aws_chunked_uses_the_decoded_length() -> None:
    request = s3_request({"Content-Length": "100", "x-amz-decoded-content-length": "42",
                          "Content-Encoding": "aws-chunked,gzip"},
                         "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    upload = await streamed_upload(request, MAX)
    headers: dict[str, str] = {}
    upload.apply_headers(headers)
    assert headers == {"Content-Length": "42"}


def test_stored_headers_drop_aws_chunked_framed_or_not() -> None:
    for sent, stored in (("aws-chunked,gzip", {"Content-Encoding": "gzip"}),
                         ("aws-chunked", {})):
        headers = CIMultiDictProxy(CIMultiDict({"Content-Encoding": sent, "Expires": "x"}))
        assert stored_headers(headers) == {**stored, "Expires": "x"}


@pytest.mark.parametrize("value", [None, "", "-1", "12abc"])
async def test_aws_chunked_needs_a_decoded_length(value: str | None) -> None:
    headers = {"Content-Length": "100"}
    if value is not None:
        headers["x-amz-decoded-content-length"] = value
    with pytest.raises(errors.MissingContentLength):
        await streamed_upload(s3_request(headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), MAX)


async def test_header_checksum_goes_in_the_put_headers() -> None:
    crc = base64.b64encode(zlib.crc32(b"abc").to_bytes(4, "big")).decode()
    upload = await streamed_upload(
        s3_request({"Content-Length": "3", "x-amz-checksum-crc32": crc}), MAX)
    headers: dict[str, Any] = {}
    upload.apply_headers(headers)
    assert headers["X-Object-Meta-S3gw-Checksum-Crc32"] == crc
    assert headers["X-Object-Meta-S3gw-Checksum-Type"] == "FULL_OBJECT"
    assert not upload.checksum_in_trailer
    assert upload.response_headers() == {"x-amz-checksum-crc32": crc,
                                         "x-amz-checksum-type": "FULL_OBJECT"}


async def test_trailer_checksum_needs_a_trailer_marker() -> None:
    with pytest.raises(errors.MalformedTrailerError):
        await streamed_upload(s3_request(
            {"Content-Length": "3", "x-amz-trailer": "x-amz-checksum-crc32"}), MAX)
    upload = await streamed_upload(s3_request(
        {"Content-Length": "30", "x-amz-trailer": "x-amz-checksum-crc32",
         "x-amz-decoded-content-length": "3"}, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), MAX)
    assert upload.checksum_in_trailer and upload.response_headers() == {}


async def test_size_enforced_while_streaming() -> None:
    async def source() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 300

    out: list[bytes] = []
    with pytest.raises(errors.EntityTooLarge):
        async for chunk in size_limited(source(), MAX):
            out.append(chunk)
    assert sum(map(len, out)) <= MAX


async def test_a_small_body_over_its_limit_is_refused_before_reading() -> None:
    with pytest.raises(errors.MaxMessageLengthExceeded):
        await read_small_body(s3_request({"Content-Length": "11"}), limit=10)
