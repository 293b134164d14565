"""The listing page's XML, byte for byte, against the writer it replaced.

``_contents`` writes a page of keys as one string per key and skips ``escape``
when a scan of the page finds nothing to escape; ``reference_contents`` is the
element-by-element writer it replaced (kept here verbatim), so any byte the
fast path changes fails here. Swift's listing entries go through
``listed_object`` first, as in the gateway.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest

from gateway.authz.acl import Owner
from gateway.handlers.listing import _contents
from gateway.storage.records import ListedObject, ObjectPage
from gateway.swift.codec import listed_object
from gateway.timefmt import iso_from_swift_listing
from gateway.xml import XMLWriter, all_literal, escape


def reference_iso(value: str) -> str:
    """``timefmt.iso_from_swift_listing`` before its fast path."""
    if not value:
        return "1970-01-01T00:00:00.000Z"
    date, _, fraction = value.partition(".")
    return f"{date}.{(fraction + '000')[:3]}Z"


def reference_contents(doc: XMLWriter, page: ObjectPage, encode: Callable[[str], str],
                       owner: Owner | None) -> None:
    """The writer before the fast path (``object_fields_xml`` and ``owner_xml`` as
    they were, inlined)."""
    for obj in page.objects:
        etag = escape(obj.etag.strip('"'))
        fields = (f"<LastModified>{escape(reference_iso(obj.last_modified))}"
                  f"</LastModified><ETag>&quot;{etag}&quot;</ETag><Size>{obj.size}</Size>")
        doc.fragment(f"<Contents><Key>{escape(encode(obj.key))}</Key>{fields}")
        if owner is not None:
            doc.start("Owner").element("ID", owner.id).element("DisplayName", owner.name)
            doc.end("Owner")
        doc.fragment("<StorageClass>STANDARD</StorageClass></Contents>")
    for common in page.prefixes:
        doc.start("CommonPrefixes").element("Prefix", encode(common)).end("CommonPrefixes")


def _entry(name: str, **fields: object) -> dict[str, object]:
    entry: dict[str, object] = {"name": name, "hash": "5d41402abc4b2a76b9719d911017c592",
                                "bytes": 4096, "last_modified": "2026-12-02T11:45:12.123456",
                                "content_type": "binary/octet-stream"}
    entry.update(fields)
    return entry


PLAIN = [_entry(f"dir/{i:04d}") for i in range(50)]
PAGES = {
    "plain": PLAIN,
    "multipart etag": [*PLAIN[:3], _entry("mp", content_type="text/plain;s3gw_etag=abc-2;"
                                                              "swift_bytes=10")],
    "odd dates and sizes": [_entry("a", last_modified=""), _entry("b", last_modified="2026-01-01"),
                            _entry("c", last_modified="2026-01-01T00:00:00.1"),
                            _entry("d", bytes=0), _entry("e", bytes=None, hash=None)],
    "key to escape": [*PLAIN[:3], _entry("a&b<c>\"d'")],
    "control characters": [_entry("tab\there"), _entry("cr\rlf\n"), _entry("nul\x00del\x7f"),
                           _entry("\ufffe\uffff")],
    "quoted etag": [_entry("q", hash='"abc"'), _entry("r", hash='a"b&c')],
    "escaped date": [_entry("s", last_modified="2026<01>&")],
    "unicode": [_entry("caf\u00e9/\u65e5\u672c"), _entry("\U0001F600")],
    "empty": [],
}
OWNERS = [None, Owner("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "acct"),
          Owner("id&<>", 'name"\x01')]


def _render(write: Callable[..., None], page: ObjectPage, encode: Callable[[str], str],
            owner: Owner | None) -> bytes:
    doc = XMLWriter("ListBucketResult")
    write(doc, page, encode, owner)
    return doc.to_bytes()


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("owner", OWNERS, ids=["no-owner", "owner", "owner-to-escape"])
@pytest.mark.parametrize("url", [False, True], ids=["keys", "url-encoded"])
def test_contents_bytes_equal_the_reference(name: str, owner: Owner | None, url: bool) -> None:
    objects: list[ListedObject] = [listed_object(entry) for entry in PAGES[name]]
    page = ObjectPage(objects, ["dir/", "a&b/", "tab\t/"] if name == "plain" else [], False)
    encode: Callable[[str], str] = ((lambda v: quote(v, safe="/")) if url else (lambda v: v))
    assert _render(_contents, page, encode, owner) == _render(reference_contents, page,
                                                              encode, owner)


def test_multipart_etag_comes_from_the_content_type() -> None:
    listed = listed_object(_entry("mp", content_type="text/plain;s3gw_etag=abc-2;swift_bytes=9"))
    assert (listed.etag, listed.size) == ("abc-2", 4096)
    assert listed_object(_entry("p", content_type="text/plain;s3gw_etag=")).etag == \
        "5d41402abc4b2a76b9719d911017c592"


@pytest.mark.parametrize("value", [
    "", "2026-12-02T11:45:12.123456", "2026-12-02T11:45:12.1", "2026-12-02T11:45:12.12",
    "2026-12-02T11:45:12.123", "2026-12-02T11:45:12", "2026-12-02T11:45:12.123456.7",
    "2026.12-02T11:45:12.123456", "2026-12-02T11:45:1.2345678", "garbage", "."])
def test_listing_dates_as_before(value: str) -> None:
    assert iso_from_swift_listing(value) == reference_iso(value)


def test_all_literal_agrees_with_escape_on_every_character() -> None:
    for code in [*range(0x10000), 0x10FFFF, 0x1F600]:
        char = chr(code)
        assert all_literal(["plain", char]) == (escape(char) == char), hex(code)
    assert all_literal([]) and all_literal(["a", "b/c", "d-e_f.g~"])
