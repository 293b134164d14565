"""The codec between Swift headers and S3 records (gateway.swift.codec)."""

from __future__ import annotations

from datetime import datetime, timezone

from gateway.swift.codec import listed_object, object_info


def test_a_multipart_objects_s3_etag_and_content_type_come_from_its_content_type() -> None:
    info = object_info("k", {
        "Content-Type": "text/plain;s3gw_etag=abc-2;swift_bytes=10", "Etag": '"slo"',
        "Content-Length": "10", "Last-Modified": "Wed, 01 May 2024 10:20:30 GMT",
        "X-Object-Meta-Color": "blue", "Cache-Control": "no-cache", "X-Parts-Count": "2",
        "X-Object-Meta-S3gw-Upload-Id": "u1"})
    assert (info.etag, info.content_type, info.size) == ("abc-2", "text/plain", 10)
    assert info.last_modified == datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)
    assert info.user_metadata == {"color": "blue"}
    assert info.content_headers == {"Cache-Control": "no-cache"}
    assert (info.parts_count, info.upload_id, info.backend_etag) == (2, "u1", '"slo"')
    assert info.is_multipart


def test_a_plain_object_keeps_swifts_etag_and_no_gateway_state_as_metadata() -> None:
    info = object_info("k", {"Etag": "d41d8cd98f00b204e9800998ecf8427e",
                             "X-Object-Meta-S3gw-Checksum-Type": "FULL_OBJECT"})
    assert info.etag == "d41d8cd98f00b204e9800998ecf8427e"
    assert info.user_metadata == {} and info.parts_count is None and not info.is_multipart


def test_listing_entries() -> None:
    entry = {"name": "a", "hash": "h", "bytes": 3, "last_modified": "2024-05-01T10:20:30.1",
             "content_type": "x/y;s3gw_etag=e-3"}
    assert listed_object(entry).etag == "e-3"
    assert listed_object({**entry, "content_type": "x/y"}).etag == "h"
