"""x-amz-copy-source parsing, copy-source conditions and copy ranges (no Swift needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gateway import errors
from gateway.handlers.copy_source import (
    MAX_COPY_SOURCE_SIZE, CopyConditions, CopySource, check_copy_size, parse_copy_range,
    parse_copy_source)
from gateway.timefmt import http_date

MODIFIED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
BEFORE = MODIFIED - timedelta(days=1)
AFTER = MODIFIED + timedelta(days=1)


@pytest.mark.parametrize(("value", "expected"), [
    ("bucket/key", CopySource("bucket", "key")),
    ("/bucket/key", CopySource("bucket", "key")),
    ("bucket/dir/sub/key.txt", CopySource("bucket", "dir/sub/key.txt")),
    # botocore's encoding of "a b+c/日本?x": the plus is %2B, the question mark %3F.
    ("b/a%20b%2Bc/%E6%97%A5%E6%9C%AC%3Fx", CopySource("b", "a b+c/日本?x")),
    # A literal plus in the header is a plus (path semantics), never a space.
    ("b/a+b", CopySource("b", "a+b")),
    ("b/k?versionId=null", CopySource("b", "k", "null")),
    ("/b/%2Flead//double", CopySource("b", "/lead//double")),
    ("b/a/../c", CopySource("b", "a/../c")),
    ("b/k?other=1", CopySource("b", "k")),
])
def test_parse_copy_source(value: str, expected: CopySource) -> None:
    assert parse_copy_source(value) == expected


@pytest.mark.parametrize("value", ["bucket", "bucket/", "/bucket", "/", "", "/key-only%2F",
                                   "b/%FF"])
def test_copy_source_needs_bucket_and_key(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        parse_copy_source(value)
    assert info.value.detail == (
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
    assert info.value.fields["ArgumentName"] == "x-amz-copy-source"


@pytest.mark.parametrize("version", ["abc", "", "3HL4kqtJlcpXroDTDmJ"])
def test_only_the_null_version_exists(version: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        parse_copy_source(f"b/k?versionId={version}")
    assert info.value.detail == "Invalid version id specified"


def conditions(**headers: str) -> CopyConditions:
    return CopyConditions.from_headers(
        {f"x-amz-copy-source-{name.replace('_', '-')}": value for name, value in headers.items()})


@pytest.mark.parametrize(("headers", "holds"), [
    ({}, True),
    ({"if_match": '"abc"'}, True),
    ({"if_match": "abc"}, True),
    ({"if_match": '"x", "abc"'}, True),
    ({"if_match": "*"}, True),
    ({"if_match": '"other"'}, False),
    ({"if_none_match": '"abc"'}, False),
    ({"if_none_match": "*"}, False),
    ({"if_none_match": '"other"'}, True),
    ({"if_modified_since": http_date(BEFORE.timestamp())}, True),
    ({"if_modified_since": http_date(MODIFIED.timestamp())}, False),
    ({"if_modified_since": http_date(AFTER.timestamp())}, False),
    ({"if_unmodified_since": http_date(AFTER.timestamp())}, True),
    ({"if_unmodified_since": http_date(MODIFIED.timestamp())}, True),
    ({"if_unmodified_since": http_date(BEFORE.timestamp())}, False),
    # S3's documented precedence: if-match true + if-unmodified-since false → copy.
    ({"if_match": '"abc"', "if_unmodified_since": http_date(BEFORE.timestamp())}, True),
    ({"if_match": '"nope"', "if_unmodified_since": http_date(AFTER.timestamp())}, False),
    # if-none-match false + if-modified-since true → 412.
    ({"if_none_match": '"abc"', "if_modified_since": http_date(BEFORE.timestamp())}, False),
    ({"if_none_match": '"nope"', "if_modified_since": http_date(AFTER.timestamp())}, True),
    # Unparseable dates are ignored.
    ({"if_modified_since": "yesterday"}, True),
    ({"if_unmodified_since": "not a date"}, True),
    ({"if_match": '"abc"', "if_none_match": '"abc"'}, False),
])
def test_conditions(headers: dict[str, str], holds: bool) -> None:
    assert conditions(**headers).holds("abc", MODIFIED) is holds


def test_multipart_etags_compare_whole() -> None:
    assert conditions(if_match='"abc-2"').holds("abc-2", MODIFIED)
    assert not conditions(if_match='"abc"').holds("abc-2", MODIFIED)


def test_failed_condition_is_precondition_failed() -> None:
    with pytest.raises(errors.PreconditionFailed):
        conditions(if_match='"x"').check("abc", MODIFIED)


@pytest.mark.parametrize(("value", "size", "expected"), [
    ("bytes=0-9", 10, (0, 9)),
    ("bytes=3-3", 10, (3, 3)),
    ("bytes=5-8", 100, (5, 8)),
])
def test_copy_range(value: str, size: int, expected: tuple[int, int]) -> None:
    assert parse_copy_range(value, size) == expected


@pytest.mark.parametrize("value", ["bytes=5-", "bytes=-5", "bytes=5-2", "0-9", "bytes=0-1,3-4",
                                   "bytes=a-b", "items=0-1"])
def test_copy_range_form(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        parse_copy_range(value, 10)
    assert info.value.detail.startswith("The x-amz-copy-source-range value must be of the form")


@pytest.mark.parametrize("value", ["bytes=0-10", "bytes=10-12"])
def test_copy_range_within_source(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        parse_copy_range(value, 10)
    assert info.value.detail == "Range specified is not valid for source object of size: 10"


def test_copy_size_limit() -> None:
    check_copy_size(MAX_COPY_SOURCE_SIZE)
    with pytest.raises(errors.InvalidRequest) as info:
        check_copy_size(MAX_COPY_SOURCE_SIZE + 1)
    assert info.value.detail.endswith("maximum allowable size for a copy source: 5368709120")
