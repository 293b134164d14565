"""S3's default CRC64NVME for uploads sent without a checksum: config, bodies, parts, Complete."""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from gateway import errors
from gateway.auth.authenticate import AuthResult
from gateway.checksums import Checksum, checksum_of
from gateway.config import GatewayConfig, load_config
from gateway.credentials.base import Credential
from gateway.handlers.multipart import part_checksum_policy
from gateway.handlers.multipart_checksums import RequestedPart, final_checksum
from gateway.storage.records import PartInfo, UploadInfo
from gateway.s3request import S3Request
from gateway.body import SMALL_BODY, UploadBody, streamed_upload
from tests.integration.checksum_support import crc64

CHUNKS = [os.urandom(1000), os.urandom(777), os.urandom(5)]
META = "X-Object-Meta-S3gw-Checksum-Crc64nvme"
NO_SETTINGS = UploadInfo("k", "U", None)  # an upload created without a checksum algorithm


# --- config ---------------------------------------------------------------------

def test_default_is_off() -> None:
    assert load_config(None, env={}).server.default_checksum == ""


@pytest.mark.parametrize("value,stored", [("crc64nvme", "CRC64NVME"), (" CRC64NVME ", "CRC64NVME"),
                                          ("", "")])
def test_default_checksum_values(value: str, stored: str) -> None:
    env = {"S3SWIFT_SERVER_DEFAULT_CHECKSUM": value}
    assert load_config(None, env=env).server.default_checksum == stored


@pytest.mark.parametrize("value", ["CRC32", "sha256", "none", "CRC64"])
def test_other_default_checksums_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"\[server\] default_checksum must be"):
        load_config(None, env={"S3SWIFT_SERVER_DEFAULT_CHECKSUM": value})


# --- PutObject bodies -----------------------------------------------------------

async def _body(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def upload_of(chunks: list[bytes], length: int | None) -> UploadBody:
    return UploadBody(_body(chunks), length, decoded=False, checksum_request=None)


async def drain(upload: UploadBody) -> bytes:
    return b"".join([chunk async for chunk in upload.chunks])


async def test_small_body_checksum_goes_in_the_put_headers() -> None:
    data = b"".join(CHUNKS)
    upload = upload_of(CHUNKS, len(data))
    headers: dict[str, str] = {}
    await upload.add_default_checksum("CRC64NVME", headers)
    assert headers == {META: crc64(data), "X-Object-Meta-S3gw-Checksum-Type": "FULL_OBJECT"}
    assert not upload.checksum_in_trailer  # no POST after the PUT
    assert await drain(upload) == data  # replayed as read
    assert upload.response_headers() == {"x-amz-checksum-crc64nvme": crc64(data),
                                         "x-amz-checksum-type": "FULL_OBJECT"}
    again: dict[str, str] = {}
    upload.apply_headers(again)
    assert again[META] == crc64(data)


@pytest.mark.parametrize("length", [SMALL_BODY + 1, None])  # large, or chunked without length
async def test_large_body_checksum_is_computed_while_streaming(length: int | None) -> None:
    upload = upload_of(CHUNKS, length)
    headers: dict[str, str] = {}
    await upload.add_default_checksum("CRC64NVME", headers)
    assert headers == {} and upload.checksum is None
    assert upload.checksum_in_trailer  # stored with a POST once known
    assert await drain(upload) == b"".join(CHUNKS)
    assert upload.checksum == Checksum("CRC64NVME", crc64(b"".join(CHUNKS)))


async def test_empty_body_gets_the_crc_of_nothing() -> None:
    upload = upload_of([], 0)
    headers: dict[str, str] = {}
    await upload.add_default_checksum("CRC64NVME", headers)
    assert headers[META] == base64.b64encode(bytes(8)).decode()


def s3_request(headers: dict[str, str]) -> S3Request:
    http = make_mocked_request("PUT", "/b/k", headers=CIMultiDict(headers))
    auth = AuthResult(Credential("AK", "SK", "AUTH_test"), "v4", "UNSIGNED-PAYLOAD")
    return S3Request(http=http, request_id="r", bucket="b", key="k", auth=auth,
                     config=GatewayConfig(), store=None)  # type: ignore[arg-type]


async def test_a_client_checksum_is_kept_alone() -> None:
    crc = base64.b64encode(zlib.crc32(b"abc").to_bytes(4, "big")).decode()
    upload = await streamed_upload(
        s3_request({"Content-Length": "3", "x-amz-checksum-crc32": crc}), 100)
    headers: dict[str, str] = {}
    await upload.add_default_checksum("CRC64NVME", headers)
    assert headers == {} and not upload.computed  # no second checksum
    assert upload.response_headers()["x-amz-checksum-crc32"] == crc


async def test_no_default_when_turned_off() -> None:
    upload = upload_of(CHUNKS, 1782)
    headers: dict[str, str] = {}
    await upload.add_default_checksum("", headers)
    assert headers == {} and not upload.computed and not upload.checksum_in_trailer
    await drain(upload)
    assert upload.response_headers() == {}


async def test_small_bad_body_fails_before_the_put() -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield b"x"
        raise errors.BadDigest()

    upload = UploadBody(failing(), 2, decoded=False, checksum_request=None)
    with pytest.raises(errors.BadDigest):
        await upload.add_default_checksum("CRC64NVME", {})


# --- UploadPart -----------------------------------------------------------------

def test_unconfigured_upload_part_gets_the_default() -> None:
    upload = upload_of(CHUNKS, 1782)
    part_checksum_policy(NO_SETTINGS, upload, "CRC64NVME")
    assert upload.computed
    off = upload_of(CHUNKS, 1782)
    part_checksum_policy(NO_SETTINGS, off, "")
    assert not off.computed


async def test_small_part_checksum_known_before_the_put() -> None:
    upload = upload_of(CHUNKS, 1782)
    part_checksum_policy(NO_SETTINGS, upload, "CRC64NVME")
    headers: dict[str, str] = {}
    await upload.read_small_body(headers)
    assert upload.known_checksum() == Checksum("CRC64NVME", crc64(b"".join(CHUNKS)))


def test_configured_uploads_keep_their_algorithm() -> None:
    marker = UploadInfo("k", "U", None, checksum_algorithm="CRC32C", checksum_type="FULL_OBJECT")
    upload = upload_of(CHUNKS, 1782)
    part_checksum_policy(marker, upload, "CRC64NVME")
    assert upload.computed  # CRC32C, the upload's: one hash only
    with pytest.raises(errors.InvalidRequest, match="actual checksum Type: null"):
        part_checksum_policy(UploadInfo("k", "U", None, checksum_algorithm="SHA1",
                                        checksum_type="COMPOSITE"),
                             upload_of(CHUNKS, 1782), "CRC64NVME")


# --- Complete -------------------------------------------------------------------

def entry(checksum: Checksum | None, data: bytes) -> PartInfo:
    return PartInfo(1, "0" * 32, len(data), None, checksum)


def test_unconfigured_upload_gets_a_full_object_crc64nvme() -> None:
    listed = [entry(Checksum("CRC64NVME", crc64(c)), c) for c in CHUNKS]
    named = [RequestedPart(n, "0" * 32) for n in range(1, 4)]
    result = final_checksum(None, named, listed, None)
    assert result == Checksum("CRC64NVME", crc64(b"".join(CHUNKS)), "FULL_OBJECT")


def test_unconfigured_upload_without_every_crc64nvme_gets_none() -> None:
    named = [RequestedPart(n, "0" * 32) for n in range(1, 4)]
    old = [entry(Checksum("CRC64NVME", crc64(c)), c) for c in CHUNKS]
    old[1] = entry(None, CHUNKS[1])  # before the default
    assert final_checksum(None, named, old, None) is None
    crc32 = [entry(Checksum("CRC32", checksum_of("CRC32", c)), c) for c in CHUNKS]
    assert final_checksum(None, named, crc32, None) is None
    assert final_checksum(None, [], [], None) is None
