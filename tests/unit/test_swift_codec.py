"""The codec between Swift headers and S3 records (gateway.swift.codec)."""

from __future__ import annotations

from datetime import datetime, timezone

from multidict import CIMultiDict

from gateway.checksums import Checksum
from gateway.storage.records import ListedObject, NewObject
from gateway.swift.codec import (
    CopyKind, copy_checksum, copy_headers, listed_object, metadata_headers, object_info,
    put_headers)


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


def test_a_listing_entry_reads_the_same_on_the_direct_and_the_careful_way() -> None:
    """Plain content types take the direct path; parameters or a missing field the
    careful one. Both give the same record for what they both can read."""
    entry = {"name": "k", "hash": '"h"', "bytes": 3, "last_modified": "2024-05-01T10:20:30.1",
             "content_type": "x/y"}
    direct = listed_object(entry)
    assert direct == ListedObject("k", "h", 3, "2024-05-01T10:20:30.1")
    assert listed_object({**entry, "content_type": "x/y; charset=utf-8"}) == direct
    no_type = {name: value for name, value in entry.items() if name != "content_type"}
    assert listed_object(no_type) == direct
    assert listed_object({"name": "k", "content_type": "x/y"}) == ListedObject("k", "", 0, "")


NEW = NewObject(content_type="text/plain", content_headers={"Cache-Control": "no-cache"},
                user_metadata={"color": "blue"}, content_length=11, content_md5="ab" * 16,
                checksum=Checksum("CRC32", "DUoRhQ=="))


def test_a_put_stores_every_field_of_the_new_object() -> None:
    headers = put_headers(NEW)
    assert headers == {"Content-Type": "text/plain", "Cache-Control": "no-cache",
                       "x-object-meta-color": "blue", "Content-Length": "11",
                       "ETag": "ab" * 16, **Checksum("CRC32", "DUoRhQ==").swift_metadata()}
    info = object_info("k", CIMultiDict({**headers, "Etag": "ab" * 16}))
    assert (info.content_type, info.user_metadata, info.content_headers, info.checksum) == (
        NEW.content_type, NEW.user_metadata, NEW.content_headers, NEW.checksum)


def test_a_metadata_update_repeats_the_state_and_nothing_of_the_request() -> None:
    headers = metadata_headers(NEW)
    assert "Content-Length" not in headers and "ETag" not in headers
    assert headers == {k: v for k, v in put_headers(NEW).items()
                       if k not in ("Content-Length", "ETag")}
    assert "Content-Length" not in put_headers(NewObject())  # unknown length: chunked PUT


def test_copy_table_carries_gateway_state_by_kind() -> None:
    crc = Checksum("CRC32", "AAAAAA==", "COMPOSITE")
    manifest = object_info("mp", {
        "Content-Type": "text/plain;s3gw_etag=abc-2", "Etag": '"slo"',
        "X-Object-Meta-Color": "blue", "X-Object-Meta-S3gw-Upload-Id": "u1",
        **crc.swift_metadata()})
    plain = object_info("k", {"Content-Type": "text/plain",
                              "Etag": "d41d8cd98f00b204e9800998ecf8427e",
                              "X-Object-Meta-S3gw-Upload-Id": "forged"})
    assert CopyKind.of(plain, onto_itself=True) is CopyKind.PLAIN
    assert CopyKind.of(manifest, onto_itself=False) is CopyKind.MULTIPART_DATA
    onto_itself = CopyKind.of(manifest, onto_itself=True)
    assert onto_itself is CopyKind.MANIFEST_ONTO_ITSELF
    # Onto itself: upload id, checksum and multipart ETag stay; REPLACE metadata applies.
    out = copy_headers(manifest, NewObject(user_metadata={"new": "1"}), onto_itself)
    assert out["Content-Type"] == "binary/octet-stream;s3gw_etag=abc-2"
    assert out["X-Object-Meta-S3gw-Upload-Id"] == "u1"
    assert out["x-object-meta-new"] == "1" and "x-object-meta-color" not in out
    assert copy_checksum(out, manifest.etag) == crc
    # Its data elsewhere: a plain object, without the COMPOSITE checksum or upload id.
    out = copy_headers(manifest, None, CopyKind.MULTIPART_DATA)
    assert out["Content-Type"] == "text/plain" and out["x-object-meta-color"] == "blue"
    assert not any(name.lower().startswith("x-object-meta-s3gw-") for name in out)
    # A plain object's copy never carries an upload id.
    assert "X-Object-Meta-S3gw-Upload-Id" not in copy_headers(plain, None, CopyKind.PLAIN)
