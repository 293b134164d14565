"""The upload marker's checksum parameter and the stripping of ``s3gw_`` parameters.

Swift's own listing code (``extract_swift_bytes``, which every container
listing entry goes through) checks that the parameter survives a listing.
"""

from __future__ import annotations

import pytest
from swift.common.utils import extract_swift_bytes

from gateway.checksums import ALGORITHMS
from gateway.reserved import has_reserved_param as has_gateway_param
from gateway.swift.multipart_layout import (
    content_type_with_etag, marker_checksum, marker_content_type,
    part_content_type, split_etag_param, strip_gateway_params)

SETTINGS = [(a, "COMPOSITE") for a in ALGORITHMS if a != "CRC64NVME"] + [
    (a, "FULL_OBJECT") for a in ("CRC32", "CRC32C", "CRC64NVME")]


@pytest.mark.parametrize(("algorithm", "kind"), SETTINGS)
def test_marker_param_survives_swift_listing(algorithm: str, kind: str) -> None:
    stored = marker_content_type("text/plain; charset=utf-8", algorithm, kind)
    listed, _ = extract_swift_bytes(stored)
    assert marker_checksum(listed) == (algorithm, kind)
    assert marker_checksum(stored) == (algorithm, kind)


def test_marker_without_settings() -> None:
    assert marker_content_type("image/png", None, None) == "image/png"
    # Markers from before the parameter existed, or of uploads without an algorithm.
    for content_type in ("binary/octet-stream", "text/plain;charset=utf-8", ""):
        assert marker_checksum(content_type) is None
    assert marker_checksum("a/b;s3gw_upload_checksum=md5.composite") is None
    assert marker_checksum("a/b;s3gw_upload_checksum=crc32.other") is None
    assert marker_checksum("a/b;s3gw_upload_checksum=") is None


@pytest.mark.parametrize("client", [
    "binary/octet-stream", "text/plain; charset=utf-8", "text/plain;charset=UTF-8;q=1",
    "application/x-thing; a=\"quoted value\"", "text/plain;"])
def test_final_content_type_is_the_clients(client: str) -> None:
    marker = marker_content_type(client, "CRC32", "COMPOSITE")
    final = content_type_with_etag(marker, "abc-2")
    assert split_etag_param(final) == (client, "abc-2")
    assert not has_gateway_param(split_etag_param(final)[0])


def test_strip_gateway_params() -> None:
    assert strip_gateway_params("text/plain") == "text/plain"
    assert strip_gateway_params("text/plain; charset=x; S3GW_Other=1;q=2") == \
        "text/plain; charset=x;q=2"
    assert strip_gateway_params(part_content_type(None)) == part_content_type(None)


def test_has_gateway_param() -> None:
    assert has_gateway_param("text/plain;s3gw_upload_checksum=crc32.composite")
    assert has_gateway_param("text/plain; S3GW_x=1")
    assert not has_gateway_param("text/s3gw_plain")
    assert not has_gateway_param("text/plain; charset=s3gw_x")
