"""Pure multipart logic: names, ETags, the Complete body, listing pages."""

from __future__ import annotations

import hashlib

import pytest

from gateway import errors
from gateway.checksums import Checksum
from gateway.handlers.multipart_common import parse_part_number
from gateway.handlers.multipart_complete import (
    RequestedPart, chosen_parts, parse_complete_body)
from gateway.storage.records import PartInfo, UploadsPage
from gateway.swift.upload_listing import page_uploads, start_marker
from gateway.handlers.multipart_common import MIN_PART_SIZE
from gateway.storage.etags import etag_matches, multipart_etag, parts_in_etag
from gateway.swift.multipart_layout import (
    content_type_with_etag, new_upload_id, part_name,
    part_number_of, split_etag_param, split_marker_name, upload_marker_name, valid_upload_id)


def test_multipart_etag_is_md5_of_binary_part_md5s() -> None:
    chunks = [b"a" * 10, b"b" * 20, b"c"]
    digests = [hashlib.md5(c).hexdigest() for c in chunks]
    expected = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest()
    assert multipart_etag(digests) == f"{expected}-3"
    assert multipart_etag(f'"{d}"' for d in digests) == f"{expected}-3"
    assert parts_in_etag(multipart_etag(digests)) == 3
    assert parts_in_etag(f'"{expected}-10000"') == 10000


@pytest.mark.parametrize("etag", ["d41d8cd98f00b204e9800998ecf8427e", "abc-0", "abc-",
                                  "abc-100000", "abc-3x", ""])
def test_parts_in_etag_only_reads_a_multipart_suffix(etag: str) -> None:
    assert parts_in_etag(etag) is None


def test_etag_param_round_trip() -> None:
    stored = content_type_with_etag("text/plain; charset=utf-8", "abc-2")
    assert split_etag_param(stored) == ("text/plain; charset=utf-8", "abc-2")
    assert split_etag_param(stored + ";swift_bytes=10") == ("text/plain; charset=utf-8", "abc-2")
    assert split_etag_param("text/plain;s3gw_etag=x-1;q=1") == ("text/plain;q=1", "x-1")
    assert split_etag_param("image/png") == ("image/png", None)


def test_names() -> None:
    upload_id = new_upload_id()
    assert valid_upload_id(upload_id) and "/" not in upload_id
    assert split_marker_name(upload_marker_name("a/b\x01c", upload_id)) == ("a/b\x01c", upload_id)
    assert part_name("k", upload_id, 7) == f"k/{upload_id}/00007"
    assert part_number_of(part_name("k", upload_id, 10000)) == 10000
    assert not valid_upload_id("") and not valid_upload_id("a/b")
    # Later uploads sort after earlier ones.
    assert sorted([new_upload_id() for _ in range(3)])[0] >= upload_id[:14]


@pytest.mark.parametrize("value", [None, "", "0", "10001", "-1", "1.5", "x"])
def test_part_number_refused(value: str | None) -> None:
    with pytest.raises(errors.InvalidArgument) as exc:
        parse_part_number(value)
    assert exc.value.detail == "Part number must be an integer between 1 and 10000, inclusive"


def test_part_number_accepted() -> None:
    assert parse_part_number("1") == 1 and parse_part_number("10000") == 10000


def _body(*parts: tuple[str, str]) -> bytes:
    inner = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
                    for n, e in parts)
    return (f'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"{inner}</CompleteMultipartUpload>").encode()


def test_parse_complete_body() -> None:
    etag = "0" * 31 + "A"
    parts = parse_complete_body(_body(("1", f'"{etag}"'), ("3", etag.lower())))
    assert parts == [RequestedPart(1, etag.lower()), RequestedPart(3, etag.lower())]
    with_checksum = (b"<CompleteMultipartUpload><Part><ETag>" + b"1" * 32 + b"</ETag>"
                     b"<ChecksumCRC32>AAAAAA==</ChecksumCRC32><PartNumber>2</PartNumber>"
                     b"</Part></CompleteMultipartUpload>")
    assert parse_complete_body(with_checksum) == [
        RequestedPart(2, "1" * 32, Checksum("CRC32", "AAAAAA=="))]


@pytest.mark.parametrize("body, error", [
    (b"<x", errors.MalformedXML),
    (b"<CompleteMultipartUpload/>", errors.MalformedXML),
    (b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
     b"</CompleteMultipartUpload>", errors.MalformedXML),
    (_body(("one", "0" * 32)), errors.MalformedXML),
    (_body(("2", "0" * 32), ("1", "0" * 32)), errors.InvalidPartOrder),
    (_body(("1", "0" * 32), ("1", "0" * 32)), errors.InvalidPartOrder),
    (_body(("0", "0" * 32)), errors.InvalidPart),
    (_body(("10001", "0" * 32)), errors.InvalidPart),
    (_body(("1", "not-an-md5")), errors.InvalidPart),
])
def test_parse_complete_body_refused(body: bytes, error: type[errors.S3Error]) -> None:
    with pytest.raises(error):
        parse_complete_body(body)


def test_chosen_parts() -> None:
    stored = {n: PartInfo(n, f"{n}" * 32, size, None)
              for n, size in ((1, MIN_PART_SIZE), (2, 10), (3, 1))}
    requested = [RequestedPart(1, "1" * 32), RequestedPart(2, "2" * 32)]
    assert chosen_parts(requested, stored) == [stored[1], stored[2]]
    with pytest.raises(errors.EntityTooSmall):
        chosen_parts([RequestedPart(2, "2" * 32), RequestedPart(3, "3" * 32)], stored)
    with pytest.raises(errors.InvalidPart):  # missing parts win over sizes
        chosen_parts([RequestedPart(2, "2" * 32), RequestedPart(4, "4" * 32)], stored)
    with pytest.raises(errors.InvalidPart):
        chosen_parts([RequestedPart(1, "9" * 32)], stored)


def _entries(*pairs: tuple[str, str]) -> list[dict]:
    return [{"name": upload_marker_name(k, u), "last_modified": ""} for k, u in pairs]


def test_page_uploads_with_delimiter_and_truncation() -> None:
    entries = _entries(("a/1", "u1"), ("a/2", "u2"), ("b", "u3"), ("b", "u4"), ("c", "u5"))
    page = UploadsPage([], [], False)
    assert page_uploads(entries, page, "", "/", 3)
    assert page.prefixes == ["a/"] and [u.key for u in page.uploads] == ["b", "b"]
    assert [u.upload_id for u in page.uploads] == ["u3", "u4"]
    assert page.truncated and (page.next_key_marker, page.next_upload_id_marker) == ("b", "u4")
    page = UploadsPage([], [], False)
    assert not page_uploads(entries, page, "a/", "", 10)
    assert len(page.uploads) == 5 and not page.truncated


def test_start_marker() -> None:
    assert start_marker("", "", "", "ignored") == ""
    assert start_marker("", "", "k", "U") == upload_marker_name("k", "U")
    assert start_marker("", "", "k", "") > upload_marker_name("k", "zzzz")
    assert start_marker("", "/", "a/", "") > upload_marker_name("a/zzz", "U")


def test_etag_matches() -> None:
    assert etag_matches('"abc-2"', '"abc-2"') and etag_matches("abc-2, x", '"abc-2"')
    assert etag_matches("*", '"q"') and etag_matches('W/"q"', '"q"')
    assert not etag_matches('"abc"', '"abc-2"')
