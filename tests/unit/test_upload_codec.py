"""The codec's multipart fields: marker, part and manifest headers, and back."""

from __future__ import annotations

import hashlib

from multidict import CIMultiDict

from gateway.checksums import Checksum
from gateway.swift.multipart_layout import (
    CHECKSUM_ALGORITHM_META, CHECKSUM_TYPE_META, UPLOAD_ID_META, part_content_type,
    upload_marker_name)
from gateway.storage.records import NewObject
from gateway.swift.codec import (
    ACL_META, listed_upload, metadata_headers, object_info, manifest_headers, marker_headers, part_checksum_headers, part_headers,
    part_info, upload_info)

NEW = NewObject(content_type="text/plain;charset=utf-8",
                content_headers={"Cache-Control": "no-cache"},
                user_metadata={"colour": "blue"})
CRC = Checksum("CRC32", "AAAAAA==")


def test_marker_round_trip_keeps_what_create_was_given() -> None:
    headers = marker_headers(NEW, "CRC32", "COMPOSITE")
    assert headers[CHECKSUM_ALGORITHM_META] == "CRC32"
    assert headers[CHECKSUM_TYPE_META] == "COMPOSITE"
    assert headers["Content-Length"] == "0"
    assert headers["Content-Type"] == (
        "text/plain;charset=utf-8;s3gw_upload_checksum=crc32.composite")
    stored = CIMultiDict(headers)
    stored["Last-Modified"] = "Wed, 01 May 2024 10:20:30 GMT"
    info = upload_info("k", "U", stored)
    assert (info.key, info.upload_id, info.new) == ("k", "U", NEW)
    assert (info.checksum_algorithm, info.checksum_type) == ("CRC32", "COMPOSITE")
    assert info.initiated is not None and info.initiated.year == 2024
    plain = marker_headers(NEW, None, None)
    assert CHECKSUM_ALGORITHM_META not in plain and plain["Content-Type"] == NEW.content_type


def test_manifest_carries_the_marker_state_not_its_settings() -> None:
    info = upload_info("k", "U", CIMultiDict(marker_headers(NEW, "CRC32", "COMPOSITE")))
    whole = Checksum("CRC32", "AAAAAA==", "COMPOSITE")
    headers = manifest_headers(info.new, "U", "abc-2", whole)
    assert headers["Content-Type"] == "text/plain;charset=utf-8;s3gw_etag=abc-2"
    assert headers[UPLOAD_ID_META] == "U" and headers["Cache-Control"] == "no-cache"
    assert CIMultiDict(headers)["X-Object-Meta-Colour"] == "blue"
    assert CHECKSUM_ALGORITHM_META not in headers
    assert all(headers[name] == value for name, value in whole.swift_metadata().items())


def test_part_headers_and_listing() -> None:
    headers = part_headers(5, CRC, "0" * 32)
    assert headers["Content-Type"] == part_content_type(CRC)
    assert (headers["Content-Length"], headers["ETag"]) == ("5", "0" * 32)
    assert "Content-Length" not in part_headers(None, None, None)  # chunked
    bound = CRC.bound_to("1" * 32)
    assert part_checksum_headers(bound) == {"Content-Type": part_content_type(bound),
                                            **bound.swift_metadata()}
    part = part_info({"name": "k/U/00007", "hash": "1" * 32, "bytes": 5,
                      "last_modified": "2024-05-01T10:20:30.123456",
                      "content_type": part_content_type(bound)})
    assert (part.number, part.etag, part.size) == (7, "1" * 32, 5)
    assert part.checksum is not None and part.checksum.value == CRC.value
    assert part.last_modified is not None and part.last_modified.microsecond == 123456
    stale = part_info({"name": "k/U/00007", "hash": "2" * 32, "bytes": 5,
                       "content_type": part_content_type(bound)})
    assert stale.checksum is None and stale.last_modified is None


def test_listed_upload() -> None:
    upload = listed_upload({"name": upload_marker_name("a/b", "U1"),
                            "last_modified": "2024-05-01T10:20:30.5",
                            "content_type": "text/plain;s3gw_upload_checksum=sha256.composite"})
    assert (upload.key, upload.upload_id) == ("a/b", "U1")
    assert (upload.checksum_algorithm, upload.checksum_type) == ("SHA256", "COMPOSITE")
    assert upload.initiated is not None and upload.initiated.microsecond == 500000


def test_marker_names_initiator_and_owner_for_listings_and_heads() -> None:
    headers = marker_headers(NEW, "CRC32", "COMPOSITE", "AUTH_b ob", "AUTH_c;x")
    content_type = headers["Content-Type"]
    assert content_type == ("text/plain;charset=utf-8;s3gw_upload_checksum=crc32.composite;"
                            "s3gw_initiator=AUTH_b%20ob;s3gw_owner=AUTH_c%3Bx")
    info = upload_info("k", "U", CIMultiDict(headers))
    assert (info.initiator, info.owner, info.new) == ("AUTH_b ob", "AUTH_c;x", NEW)
    listed = listed_upload({"name": upload_marker_name("k", "U"), "content_type": content_type})
    assert (listed.initiator, listed.owner) == ("AUTH_b ob", "AUTH_c;x")
    assert (listed.checksum_algorithm, listed.checksum_type) == ("CRC32", "COMPOSITE")
    plain = listed_upload({"name": upload_marker_name("k", "U"),
                           "content_type": marker_headers(NEW, None, None)["Content-Type"]})
    assert (plain.initiator, plain.owner) == (None, None)


def test_a_large_acl_is_named_by_its_digest_and_a_reference_passes_through() -> None:
    small = NewObject(acl=b'{"owner":["o",""],"grants":[]}')
    assert metadata_headers(small)[ACL_META] == small.acl.decode()
    large = b'{"owner":["o",""],"grants":[' + b",".join([b'["READ","Group","u",""]'] * 40) + b"]}"
    reference = metadata_headers(NewObject(acl=large))[ACL_META]
    assert reference == "@" + hashlib.sha256(large).hexdigest()
    # A marker's reference, handed to the manifest by Complete, stays the same name.
    assert metadata_headers(NewObject(acl=reference.encode()))[ACL_META] == reference
    assert object_info("k", CIMultiDict({ACL_META: reference})).acl == reference.encode()
