"""Pure helpers of gateway.handlers.listing: continuation tokens and max-keys."""

from __future__ import annotations

import base64
import re

import pytest

from gateway import errors
from gateway.handlers.listing import MAX_KEYS, _max_keys, decode_token, encode_token
from gateway.swift.listing import swift_can_group as _swift_can_group

# --- continuation tokens ------------------------------------------------------------------


@pytest.mark.parametrize("marker", [
    "",
    "a",
    "dir05/",
    "dir05/file010",
    "grp3--",
    "with space+plus%20percent",
    "caf\u00e9",
    "\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb",
    "\U0001F600\U0001F680",
    "\x01\t\n\r",
    "k" * 1024,
    "\u00e9" * 512,
    "???>>>~~~",              # bytes that base64 to '+' and '/' in the standard alphabet
])
def test_token_round_trip(marker: str) -> None:
    token = encode_token(marker)
    assert decode_token(token) == marker


@pytest.mark.parametrize("marker", ["???>>>~~~", "\U0001F600" * 10, "a/b c", "\xff\xfe"])
def test_token_is_url_and_xml_safe(marker: str) -> None:
    token = encode_token(marker)
    assert token.isascii()
    assert re.fullmatch(r"[A-Za-z0-9_=-]*", token), token
    # Standard base64 of these markers has '+' or '/', which a query string would mangle.
    if marker == "???>>>~~~":
        assert set(base64.b64encode(marker.encode())) & set(b"+/")


def test_distinct_markers_give_distinct_tokens() -> None:
    markers = ["a", "a/", "a//", "A", "\u00e9", "e\u0301", ""]
    assert len({encode_token(m) for m in markers}) == len(markers)


@pytest.mark.parametrize("token", [
    "abc",                                    # bad padding
    "a",
    "caf\u00e9",                              # not ASCII
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),    # not UTF-8
    base64.urlsafe_b64encode(b"\xc3").decode(),            # truncated UTF-8
    base64.urlsafe_b64encode(b"\xed\xa0\x80").decode(),    # an encoded surrogate
])
def test_bad_token_is_invalid_argument(token: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        decode_token(token)
    assert info.value.code == "InvalidArgument"
    assert info.value.status == 400
    assert info.value.fields["ArgumentName"] == "continuation-token"


@pytest.mark.parametrize("token", ["!!!", "%%%", "not a token", "ZGlyMDUv!", "ZGly\nMDUv", "Z=G=l=y"])
def test_token_with_characters_outside_the_alphabet_is_refused(token: str) -> None:
    # base64's default decoder drops such characters silently: "!!!" would decode to ""
    # (restart the listing) and "ZGlyMDUv!" to "dir05/" (jump into it).
    with pytest.raises(errors.InvalidArgument):
        decode_token(token)


# --- max-keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (None, MAX_KEYS),
    ("0", 0),
    ("1", 1),
    ("999", 999),
    ("1000", 1000),
    ("1001", 1000),
    ("5000", 1000),
    ("2147483647", 1000),
    ("007", 7),
])
def test_max_keys(value: str | None, expected: int) -> None:
    assert MAX_KEYS == 1000
    assert _max_keys(value) == expected


@pytest.mark.parametrize("value", ["abc", "", "1.5", "10x", "0x10", "1e3"])
def test_max_keys_not_an_integer(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        _max_keys(value)
    assert info.value.status == 400
    assert info.value.fields == {"ArgumentName": "max-keys", "ArgumentValue": value}
    assert "not an integer" in info.value.detail


@pytest.mark.parametrize("value", ["-1", "-1000", "-2147483648"])
def test_max_keys_negative(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        _max_keys(value)
    assert info.value.fields["ArgumentValue"] == value
    assert "between 0 and 2147483647" in info.value.detail


# --- which delimiters Swift can group ---------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "swift"), [
    ("/", True),
    ("-", True),
    ("\u00e9", True),
    ("\u00fe", True),
    ("\u00ff", False),
    ("\u0100", False),
    ("\u65e5", False),
    ("\U0001F600", False),
    ("--", False),
    ("ab", False),
])
def test_swift_can_group(delimiter: str, swift: bool) -> None:
    assert _swift_can_group(delimiter) is swift
