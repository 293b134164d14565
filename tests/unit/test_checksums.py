"""Checksums: known values, CRC combination vs direct computation, composite
checksums, S3's header rules, and verification that withholds the last chunk."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections.abc import AsyncIterator

import pytest
from awscrt import checksums as crt
from multidict import CIMultiDict

from gateway import checksums, errors
from gateway.checksums import (
    Checksum, ChecksumRequest, checksum_of, checksum_response_headers, combine_full_object,
    composite_checksum, crc_combine, requested_checksum, stored_checksum)
from gateway.body.verify import verified_checksum
from tests.integration.checksum_support import b64

CHECK = b"123456789"  # the CRC catalogue's check input


@pytest.mark.parametrize("algorithm,expected", [
    ("CRC32", 0xCBF43926),
    ("CRC32C", 0xE3069283),
    ("CRC64NVME", 0xAE8B14860A799888),
])
def test_crc_check_values(algorithm: str, expected: int) -> None:
    size = checksums.DIGEST_SIZES[algorithm]
    assert checksum_of(algorithm, CHECK) == b64(expected.to_bytes(size, "big"))


def test_hash_values_and_incremental_updates() -> None:
    assert checksum_of("SHA1", CHECK) == b64(hashlib.sha1(CHECK).digest())
    assert checksum_of("SHA256", CHECK) == b64(hashlib.sha256(CHECK).digest())
    for algorithm in checksums.ALGORITHMS:
        hasher = checksums.new_hasher(algorithm)
        for i in range(len(CHECK)):
            hasher.update(CHECK[i:i + 1])
        assert b64(hasher.digest()) == checksum_of(algorithm, CHECK)


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
@pytest.mark.parametrize("sizes", [[0], [1], [0, 0], [5, 0, 7], [1, 1, 1],
                                   [1000, 1, 65537], [8 * 1024 * 1024 + 3, 17]])
def test_combine_matches_the_crc_of_the_concatenation(algorithm: str, sizes: list[int]) -> None:
    parts = [os.urandom(n) for n in sizes]
    combined = combine_full_object(algorithm, [(checksum_of(algorithm, p), len(p)) for p in parts])
    assert combined == checksum_of(algorithm, b"".join(parts))


def test_crc_combine_agrees_with_zlib_and_crt() -> None:
    a, b = os.urandom(3000), os.urandom(12345)
    assert crc_combine("CRC32", zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert (crc_combine("CRC32C", crt.crc32c(a), crt.crc32c(b), len(b))
            == crt.combine_crc32c(crt.crc32c(a), crt.crc32c(b), len(b)))
    assert (crc_combine("CRC64NVME", crt.crc64nvme(a), crt.crc64nvme(b), len(b))
            == crt.crc64nvme(a + b))


def test_combine_refuses_hashes() -> None:
    with pytest.raises(ValueError):
        combine_full_object("SHA256", [(checksum_of("SHA256", b"x"), 1)])


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_composite_checksum(algorithm: str) -> None:
    parts = [b"part one", b"part two", b"3"]
    values = [checksum_of(algorithm, p) for p in parts]
    raw = b"".join(base64.b64decode(v) for v in values)
    assert composite_checksum(algorithm, values) == f"{checksum_of(algorithm, raw)}-3"


# --- header rules ---------------------------------------------------------------------

def headers(**items: str) -> CIMultiDict[str]:
    return CIMultiDict({k.replace("_", "-"): v for k, v in items.items()})


CRC = checksum_of("CRC32", b"body")


def test_header_checksum() -> None:
    got = requested_checksum(headers(x_amz_checksum_crc32=CRC), trailer_allowed=False)
    assert got == ChecksumRequest("CRC32", expected=base64.b64decode(CRC))
    assert got.header == "x-amz-checksum-crc32"
    declared = headers(x_amz_checksum_crc32=CRC, x_amz_sdk_checksum_algorithm="crc32",
                       x_amz_checksum_type="FULL_OBJECT", x_amz_checksum_mode="ENABLED")
    assert requested_checksum(declared, False) == got
    assert requested_checksum(headers(), False) is None


def test_trailer_checksum() -> None:
    got = requested_checksum(headers(x_amz_trailer="x-amz-checksum-crc64nvme"), True)
    assert got == ChecksumRequest("CRC64NVME", trailer="x-amz-checksum-crc64nvme")
    for value in ("x-amz-checksum-crc64nvme,", "x-amz-checksum-crc64nvme, ,"):
        assert requested_checksum(headers(x_amz_trailer=value), True) == got


@pytest.mark.parametrize("given,trailer_ok,error,message", [
    (dict(x_amz_checksum_crc32=CRC, x_amz_checksum_crc32c=CRC), False, errors.InvalidRequest,
     "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."),
    (dict(x_amz_trailer="x-amz-checksum-crc32, x-amz-checksum-crc32"), True,
     errors.InvalidRequest, "Expecting a single x-amz-checksum- header. "
     "Multiple checksum Types are not allowed."),
    (dict(x_amz_checksum_crc32=CRC, x_amz_trailer="x-amz-checksum-crc32"), True,
     errors.InvalidRequest, "Expecting a single x-amz-checksum- header"),
    (dict(x_amz_checksum_crc32="bad"), False, errors.InvalidRequest,
     "Value for x-amz-checksum-crc32 header is invalid."),
    (dict(x_amz_checksum_sha256=CRC), False, errors.InvalidRequest,
     "Value for x-amz-checksum-sha256 header is invalid."),
    (dict(x_amz_checksum_bad=CRC), False, errors.InvalidRequest,
     "The algorithm type you specified in x-amz-checksum- header is invalid."),
    (dict(x_amz_checksum_crc32=CRC, x_amz_sdk_checksum_algorithm="CRC32C"), False,
     errors.InvalidRequest, "Value for x-amz-sdk-checksum-algorithm header is invalid."),
    (dict(x_amz_sdk_checksum_algorithm="CRC32"), False, errors.InvalidRequest,
     "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
     "x-amz-trailer headers were found."),
    (dict(x_amz_trailer="x-amz-checksum-crc32"), False, errors.MalformedTrailerError,
     errors.MalformedTrailerError.message),
    (dict(x_amz_trailer="x-amz-foo"), True, errors.InvalidRequest,
     "The value specified in the x-amz-trailer header is not supported"),
    (dict(x_amz_trailer=", x-amz-checksum-crc32"), True, errors.InvalidRequest,
     "The value specified in the x-amz-trailer header is not supported"),
])
def test_header_errors(given: dict[str, str], trailer_ok: bool, error: type[errors.S3Error],
                       message: str) -> None:
    with pytest.raises(error) as info:
        requested_checksum(headers(**given), trailer_ok)
    assert info.value.detail == message


# --- verification -------------------------------------------------------------------

async def source(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def drain(chunks: AsyncIterator[bytes], into: list[bytes]) -> None:
    async for chunk in chunks:
        into.append(chunk)


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
async def test_verified_checksum_match(algorithm: str) -> None:
    body = [b"one ", b"", b"two ", b"three"]
    value = checksum_of(algorithm, b"".join(body))
    results: list[Checksum] = []
    out: list[bytes] = []
    request = ChecksumRequest(algorithm, expected=base64.b64decode(value))
    await drain(verified_checksum(source(body), request, {}, results.append), out)
    assert b"".join(out) == b"".join(body)
    assert results == [Checksum(algorithm, value)]


async def test_verified_checksum_mismatch_withholds_the_last_chunk() -> None:
    out: list[bytes] = []
    request = ChecksumRequest("CRC32", expected=base64.b64decode(checksum_of("CRC32", b"x")))
    with pytest.raises(errors.BadDigest) as info:
        await drain(verified_checksum(source([b"a", b"b", b"c"]), request, {}, print), out)
    assert out == [b"a", b"b"]
    assert info.value.detail == "The CRC32 you specified did not match the calculated checksum."


async def test_verified_checksum_from_trailer() -> None:
    trailers: dict[str, str] = {}
    request = ChecksumRequest("SHA256", trailer="x-amz-checksum-sha256")

    async def body() -> AsyncIterator[bytes]:
        yield b"data"
        trailers["x-amz-checksum-sha256"] = checksum_of("SHA256", b"data")  # arrives last

    out: list[bytes] = []
    results: list[Checksum] = []
    await drain(verified_checksum(body(), request, trailers, results.append), out)
    assert out == [b"data"] and results[0].value == checksum_of("SHA256", b"data")
    trailers.clear()

    async def invalid() -> AsyncIterator[bytes]:
        yield b"data"
        trailers["x-amz-checksum-sha256"] = "not=base-64"

    with pytest.raises(errors.InvalidRequest) as info:
        await drain(verified_checksum(invalid(), request, trailers, results.append), [])
    assert info.value.detail == "Value for x-amz-checksum-sha256 trailing header is invalid."


# --- storage and GET/HEAD ---------------------------------------------------------------

def test_metadata_round_trip_and_response_headers() -> None:
    checksum = Checksum("CRC64NVME", checksum_of("CRC64NVME", b"x"))
    # Swift returns metadata names in its own capitalisation.
    swift = CIMultiDict({k.title(): v for k, v in checksum.swift_metadata().items()})
    assert all(k.lower().startswith("x-object-meta-s3gw-") for k in swift)
    assert stored_checksum(swift) == checksum
    enabled = headers(x_amz_checksum_mode="ENABLED")
    assert checksum_response_headers(swift, enabled) == {
        "x-amz-checksum-crc64nvme": checksum.value, "x-amz-checksum-type": "FULL_OBJECT"}
    assert checksum_response_headers(swift, headers()) == {}
    assert checksum_response_headers(swift, enabled, status=206) == {}
    assert checksum_response_headers(CIMultiDict(), enabled) == {}
