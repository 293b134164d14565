"""Multipart checksums: part checksums in listings, Complete's checks, the final value."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import zlib
from collections.abc import AsyncIterator

import pytest
from awscrt import checksums as crt
from lxml import etree

from gateway import errors
from gateway.checksums import Checksum, ChecksumRequest, checksum_of
from gateway.handlers.multipart import part_checksum_policy
from gateway.handlers.multipart_checksums import (
    RequestedPart, UploadChecksum, WholeChecksum, final_checksum, part_checksum_element,
    result_elements, whole_checksum_header)
from gateway.swift.multipart_layout import (
    PART_CONTENT_TYPE, part_checksum,
    part_content_type)
from gateway.body import UploadBody
from gateway.storage.records import PartInfo, UploadInfo
from tests.integration.checksum_support import b64

CHUNKS = [os.urandom(1000), os.urandom(777), os.urandom(5)]
ETAG = "0" * 32


def entries(algorithm: str, chunks: list[bytes] = CHUNKS) -> list[PartInfo]:
    """Parts as the store lists them, uploaded with checksums."""
    return [PartInfo(n, ETAG, len(c), None, Checksum(algorithm, checksum_of(algorithm, c)))
            for n, c in enumerate(chunks, 1)]


def upload_with(algorithm: str | None = None, kind: str | None = None) -> UploadInfo:
    """An upload's record with these checksum settings."""
    return UploadInfo("k", "U", None, checksum_algorithm=algorithm, checksum_type=kind)


def requested(algorithm: str | None, chunks: list[bytes] = CHUNKS) -> list[RequestedPart]:
    return [RequestedPart(n, ETAG, Checksum(algorithm, checksum_of(algorithm, c))
                          if algorithm else None) for n, c in enumerate(chunks, 1)]


# --- the part checksum in the content type ------------------------------------

def test_part_content_type_round_trip() -> None:
    checksum = Checksum("SHA256", checksum_of("SHA256", b"data"))
    content_type = part_content_type(checksum)
    assert re.fullmatch(r"[0-9a-z.]+", content_type.partition("s3gw_checksum=")[2])  # a token
    assert part_checksum(content_type) == checksum
    assert part_checksum(content_type + ";swift_bytes=12") == checksum
    assert part_content_type(None) == PART_CONTENT_TYPE and part_checksum(PART_CONTENT_TYPE) is None
    assert part_checksum(f"{PART_CONTENT_TYPE};s3gw_checksum=crc32.zz") is None
    assert part_checksum(f"{PART_CONTENT_TYPE};s3gw_checksum=crc32.00") is None  # wrong size
    assert part_checksum(f"{PART_CONTENT_TYPE};s3gw_checksum=md5.{'0' * 32}") is None


# --- the Complete body --------------------------------------------------------

def _part(inner: str) -> etree._Element:
    return etree.fromstring(f"<Part><PartNumber>1</PartNumber><ETag>x</ETag>{inner}</Part>")


def test_part_checksum_element() -> None:
    assert part_checksum_element(_part("")) is None
    assert part_checksum_element(_part("<ChecksumCRC32C>AAAAAA==</ChecksumCRC32C>")) == \
        Checksum("CRC32C", "AAAAAA==")
    for bad in ("<ChecksumCRC32>AAAAAB==</ChecksumCRC32>",  # not canonical base64
                "<ChecksumCRC32>AAAA</ChecksumCRC32>",  # wrong size
                "<ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumSHA1>x</ChecksumSHA1>"):
        with pytest.raises(errors.InvalidArgument) as caught:
            part_checksum_element(_part(bad))
        assert caught.value.detail == "Invalid Base64 or multiple checksums present in request"
        assert caught.value.fields["ArgumentName"] == "Checksum"


def test_whole_checksum_header() -> None:
    composite = UploadChecksum("CRC32", "COMPOSITE")
    full = UploadChecksum("CRC32", "FULL_OBJECT")
    value = checksum_of("CRC32", b"x")
    raw = base64.b64decode(value)
    assert whole_checksum_header({"x-amz-checksum-crc32": value}, None) is None  # ignored
    assert whole_checksum_header({}, composite) is None
    assert whole_checksum_header({"x-amz-checksum-crc32": value}, full) == \
        WholeChecksum("CRC32", raw)
    assert whole_checksum_header({"x-amz-checksum-crc32": value + "-3"}, composite) == \
        WholeChecksum("CRC32", raw, 3)
    assert whole_checksum_header({"x-amz-checksum-type": "COMPOSITE"}, composite) is None
    with pytest.raises(errors.BadDigest):
        whole_checksum_header({"x-amz-checksum-type": "FULL_OBJECT"}, composite)
    with pytest.raises(errors.InvalidRequest, match="x-amz-checksum-type header is invalid"):
        whole_checksum_header({"x-amz-checksum-type": "BOTH"}, composite)
    for bad in (value + "-a", "nope"):
        with pytest.raises(errors.InvalidRequest, match="x-amz-checksum-crc32 header is invalid"):
            whole_checksum_header({"x-amz-checksum-crc32": bad}, composite)
    with pytest.raises(errors.InvalidRequest, match="header is invalid"):
        whole_checksum_header({"x-amz-checksum-crc32": value + "-3"}, full)  # no -N there
    with pytest.raises(errors.InvalidRequest, match="expected checksum Type: crc32, actual "
                                                    "checksum Type: sha1"):
        whole_checksum_header({"x-amz-checksum-sha1": b64(b"1" * 20)}, composite)


# --- the final checksum -------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_composite_is_the_checksum_of_the_part_checksums(algorithm: str) -> None:
    digests = {"CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
               "CRC32C": lambda d: crt.crc32c(d).to_bytes(4, "big"),
               "SHA1": lambda d: hashlib.sha1(d).digest(),
               "SHA256": lambda d: hashlib.sha256(d).digest()}[algorithm]
    expected = b64(digests(b"".join(digests(c) for c in CHUNKS))) + "-3"
    upload = UploadChecksum(algorithm, "COMPOSITE")
    result = final_checksum(upload, requested(algorithm), entries(algorithm), None)
    assert result == Checksum(algorithm, expected, "COMPOSITE")
    assert result_elements(result) == [("Checksum" + algorithm, expected),
                                       ("ChecksumType", "COMPOSITE")]
    whole = WholeChecksum(algorithm, base64.b64decode(expected[:-2]))
    assert final_checksum(upload, requested(algorithm), entries(algorithm), whole) == result
    with pytest.raises(errors.BadDigest):  # the -N suffix must count the parts
        final_checksum(upload, requested(algorithm), entries(algorithm),
                       WholeChecksum(algorithm, whole.raw, 2))


@pytest.mark.parametrize(("algorithm", "crc"), [
    ("CRC32", lambda d: zlib.crc32(d).to_bytes(4, "big")),
    ("CRC32C", lambda d: crt.crc32c(d).to_bytes(4, "big")),
    ("CRC64NVME", lambda d: crt.crc64nvme(d).to_bytes(8, "big"))])
def test_full_object_is_the_crc_of_the_whole_data(algorithm: str, crc: object) -> None:
    expected = b64(crc(b"".join(CHUNKS)))  # type: ignore[operator]
    upload = UploadChecksum(algorithm, "FULL_OBJECT")
    # FULL_OBJECT needs no part checksums in the request.
    result = final_checksum(upload, requested(None), entries(algorithm), None)
    assert result == Checksum(algorithm, expected, "FULL_OBJECT")
    whole = WholeChecksum(algorithm, base64.b64decode(expected))
    assert final_checksum(upload, requested(algorithm), entries(algorithm), whole) == result
    with pytest.raises(errors.BadDigest):
        final_checksum(upload, requested(algorithm), entries(algorithm),
                       WholeChecksum(algorithm, bytes(len(whole.raw))))


def test_part_checks() -> None:
    composite = UploadChecksum("CRC32", "COMPOSITE")
    with pytest.raises(errors.InvalidRequest, match="It was missing for part 1 in the request"):
        final_checksum(composite, requested(None), entries("CRC32"), None)
    wrong = requested("CRC32")
    wrong[1] = RequestedPart(2, ETAG, Checksum("CRC32", checksum_of("CRC32", b"other")))
    with pytest.raises(errors.InvalidPart):
        final_checksum(composite, wrong, entries("CRC32"), None)
    with pytest.raises(errors.InvalidPart):
        final_checksum(UploadChecksum("CRC32", "FULL_OBJECT"), wrong, entries("CRC32"), None)
    # S3 checks a COMPOSITE whole value against the named part checksums first.
    good = final_checksum(composite, requested("CRC32"), entries("CRC32"), None)
    assert good is not None
    whole = WholeChecksum("CRC32", base64.b64decode(good.value.partition("-")[0]))
    with pytest.raises(errors.BadDigest):
        final_checksum(composite, wrong, entries("CRC32"), whole)
    other = requested("CRC32")
    other[0] = RequestedPart(1, ETAG, Checksum("SHA1", b64(b"1" * 20)))
    with pytest.raises(errors.InvalidPart):
        final_checksum(composite, other, entries("CRC32"), None)


def test_no_final_checksum_without_every_part_checksum() -> None:
    copied = entries("CRC32C")
    copied[1] = PartInfo(2, ETAG, len(CHUNKS[1]), None)  # UploadPartCopy: no checksum
    assert final_checksum(UploadChecksum("CRC32C", "FULL_OBJECT"), requested(None), copied,
                          None) is None
    named = requested("CRC32C")
    named[1] = RequestedPart(2, ETAG, None)
    assert final_checksum(UploadChecksum("CRC32C", "COMPOSITE"), named, copied, None) is None
    assert final_checksum(None, requested("CRC32"), entries("CRC32"), None) is None


def test_upload_checksum_of_upload() -> None:
    assert UploadChecksum.of_upload(upload_with("SHA256", "COMPOSITE")) == UploadChecksum(
        "SHA256", "COMPOSITE")
    assert UploadChecksum.of_upload(upload_with()) is None


# --- UploadPart ---------------------------------------------------------------

async def _stream(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _body(request: ChecksumRequest | None) -> UploadBody:
    return UploadBody(_stream(CHUNKS), sum(map(len, CHUNKS)), decoded=False,
                      checksum_request=request)


def test_part_checksum_policy() -> None:
    marker = upload_with("CRC32C", "COMPOSITE")
    part_checksum_policy(upload_with(), _body(ChecksumRequest("SHA1")))  # no upload algorithm: any
    part_checksum_policy(marker, _body(ChecksumRequest("CRC32C")))
    with pytest.raises(errors.InvalidRequest) as caught:
        part_checksum_policy(marker, _body(ChecksumRequest("CRC32")))
    assert caught.value.detail == ("Checksum Type mismatch occurred, expected checksum Type: "
                                   "crc32c, actual checksum Type: crc32")
    with pytest.raises(errors.InvalidRequest, match="actual checksum Type: null"):
        part_checksum_policy(marker, _body(None))


def test_full_object_part_without_checksum_is_computed() -> None:
    body = _body(None)
    part_checksum_policy(upload_with("CRC32C", "FULL_OBJECT"), body)
    assert body.checksum_in_trailer and body.checksum is None

    async def drain() -> bytes:
        return b"".join([chunk async for chunk in body.chunks])

    assert asyncio.run(drain()) == b"".join(CHUNKS)
    expected = b64(crt.crc32c(b"".join(CHUNKS)).to_bytes(4, "big"))
    assert body.checksum == Checksum("CRC32C", expected)
    assert body.response_headers()["x-amz-checksum-crc32c"] == expected
