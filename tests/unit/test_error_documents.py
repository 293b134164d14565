"""Error documents parse even when a field echoes bytes that were not UTF-8."""

from __future__ import annotations

from xml.etree import ElementTree

from gateway import errors


def test_undecodable_header_bytes_are_percent_encoded() -> None:
    # aiohttp keeps header bytes that are not UTF-8 as surrogate escapes.
    value = b"caf\xe9".decode("utf-8", "surrogateescape")
    error = errors.InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=value)
    document = ElementTree.fromstring(error.to_xml("/b/k", "REQ"))
    assert document.findtext("ArgumentValue") == "caf%E9"
    assert document.findtext("Code") == "InvalidArgument"


def test_other_lone_surrogates_still_render() -> None:
    error = errors.InvalidArgument(ArgumentName="x", ArgumentValue="a\ud800b")
    assert ElementTree.fromstring(error.to_xml("/", "REQ")).findtext("ArgumentValue") \
        == "a%ED%A0%80b"
