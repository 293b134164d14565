"""verified_body(): the last chunk is only released once the digest matched."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from gateway.auth import AuthResult
from gateway.body.verify import verified_body
from gateway.credentials.base import Credential
from gateway.errors import S3NotImplemented, XAmzContentSHA256Mismatch

CRED = Credential("AK", "SK", "AUTH_test")
CHUNKS = [b"hello ", b"", b"streaming ", b"world"]
DIGEST = hashlib.sha256(b"".join(CHUNKS)).hexdigest()


def v4(payload_hash: str | None) -> AuthResult:
    return AuthResult(CRED, "v4", payload_hash)


async def source(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def drain(body: AsyncIterator[bytes], into: list[bytes]) -> None:
    async for chunk in body:
        into.append(chunk)


async def test_matching_digest_yields_everything() -> None:
    out: list[bytes] = []
    await drain(verified_body(source(CHUNKS), v4(DIGEST)), out)
    assert b"".join(out) == b"".join(CHUNKS)


async def test_digest_compared_case_insensitively() -> None:
    out: list[bytes] = []
    await drain(verified_body(source(CHUNKS), v4(DIGEST.upper())), out)
    assert b"".join(out) == b"".join(CHUNKS)


async def test_mismatch_withholds_last_chunk() -> None:
    out: list[bytes] = []
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(XAmzContentSHA256Mismatch) as info:
        await drain(verified_body(source(CHUNKS), v4(wrong)), out)
    assert out == [b"hello ", b"streaming "]  # "world" never released
    assert info.value.fields == {"ClientComputedContentSHA256": wrong,
                                 "S3ComputedContentSHA256": DIGEST}


async def test_single_chunk_mismatch_releases_nothing() -> None:
    out: list[bytes] = []
    with pytest.raises(XAmzContentSHA256Mismatch):
        await drain(verified_body(source([b"all of it"]), v4("0" * 64)), out)
    assert out == []


async def test_empty_body() -> None:
    empty = hashlib.sha256(b"").hexdigest()
    out: list[bytes] = []
    await drain(verified_body(source([]), v4(empty)), out)
    assert out == []
    with pytest.raises(XAmzContentSHA256Mismatch):
        await drain(verified_body(source([]), v4(DIGEST)), out)


@pytest.mark.parametrize("auth", [None, v4(None), v4("UNSIGNED-PAYLOAD"),
                                  AuthResult(CRED, "v2", None)])
async def test_unsigned_passes_through_untouched(auth: AuthResult | None) -> None:
    chunks = source(CHUNKS)
    assert verified_body(chunks, auth) is chunks


def test_unknown_streaming_marker_not_implemented() -> None:
    # SigV4a (ECDSA) chunk signatures have no decoder.
    with pytest.raises(S3NotImplemented):
        verified_body(source(CHUNKS), v4("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"))


async def test_unsigned_trailer_marker_is_decoded() -> None:
    out: list[bytes] = []
    framed = [b"5\r\nhello\r\n0\r\n\r\n"]
    await drain(verified_body(source(framed), v4("STREAMING-UNSIGNED-PAYLOAD-TRAILER")), out)
    assert b"".join(out) == b"hello"
