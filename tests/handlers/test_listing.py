"""ListObjects v1 and v2 on a ``MemoryStore``: paging, delimiters, markers,
encoding-type and argument errors, compared with the integration suite's model
of S3 (``tests.integration.listing_support``) over the same key population."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gateway.authz.identity import canonical_id
from tests.handlers.conftest import (
    ACCOUNT, Reply, S3Client, assert_error, fill_with_listing_keys)
from tests.integration.listing_support import SORTED, body_of, model_split

BUCKET = "listing"


@pytest.fixture
async def listed(s3: S3Client) -> S3Client:
    """``s3`` with bucket ``listing`` holding the integration suite's key population."""
    return await fill_with_listing_keys(s3, BUCKET)


def _query(**params: str | int) -> str:
    return "&".join(f"{name.replace('_', '-')}={quote(str(value), safe='')}"
                    for name, value in params.items())


async def _list(s3: S3Client, **params: str | int) -> Reply:
    reply = await s3.request("GET", f"/{BUCKET}?{_query(**params)}")
    assert reply.status == 200, reply.body
    return reply


async def _all_pages_v2(s3: S3Client, **params: str | int) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    prefixes: list[str] = []
    token: str | None = None
    while True:
        extra = {"continuation_token": token} if token is not None else {}
        page = await _list(s3, list_type=2, **params, **extra)
        page_keys, page_prefixes = page.texts("Contents/Key"), page.texts("CommonPrefixes/Prefix")
        assert page.text("KeyCount") == str(len(page_keys) + len(page_prefixes))
        keys += page_keys
        prefixes += page_prefixes
        if page.text("IsTruncated") == "false":
            assert page.text("NextContinuationToken") is None
            return keys, prefixes
        token = page.text("NextContinuationToken")
        assert token


async def _all_pages_v1(s3: S3Client, **params: str | int) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    prefixes: list[str] = []
    marker = ""
    while True:
        page = await _list(s3, marker=marker, **params)
        page_keys, page_prefixes = page.texts("Contents/Key"), page.texts("CommonPrefixes/Prefix")
        keys += page_keys
        prefixes += page_prefixes
        if page.text("IsTruncated") == "false":
            return keys, prefixes
        # S3 sends NextMarker only with a delimiter; otherwise the last key is the marker.
        marker = page.text("NextMarker") or page_keys[-1]


async def test_whole_bucket_in_default_pages(listed: S3Client) -> None:
    first = await _list(listed, list_type=2)
    assert first.text("MaxKeys") == "1000" and first.text("IsTruncated") == "true"
    assert first.texts("Contents/Key") == SORTED[:1000]
    assert await _all_pages_v2(listed) == (SORTED, [])


@pytest.mark.parametrize(("prefix", "delimiter", "max_keys"), [
    ("", "/", 7), ("dir05", "/", 3), ("", "--", 97), ("grp3", "-", 2),
    ("caf\u00e9", "\u00e9", 1), ("", "\u65e5", 50), ("z", "\U0001F600", 1), ("x", "", 1)])
async def test_v2_pages_match_the_model(listed: S3Client, prefix: str, delimiter: str,
                                        max_keys: int) -> None:
    got = await _all_pages_v2(listed, prefix=prefix, delimiter=delimiter, max_keys=max_keys)
    assert got == model_split(prefix=prefix, delimiter=delimiter)


@pytest.mark.parametrize(("prefix", "delimiter", "max_keys"), [
    ("", "/", 9), ("dir05", "/", 2), ("", "--", 101), ("top", "", 30)])
async def test_v1_pages_match_the_model(listed: S3Client, prefix: str, delimiter: str,
                                        max_keys: int) -> None:
    got = await _all_pages_v1(listed, prefix=prefix, delimiter=delimiter, max_keys=max_keys)
    assert got == model_split(prefix=prefix, delimiter=delimiter)


async def test_v1_next_marker_only_with_a_delimiter(listed: S3Client) -> None:
    plain = await _list(listed, max_keys=2)
    assert plain.text("IsTruncated") == "true" and plain.text("NextMarker") is None
    grouped = await _list(listed, prefix="dir", delimiter="/", max_keys=2)
    assert grouped.texts("CommonPrefixes/Prefix") == ["dir00/", "dir01/"]
    assert grouped.text("NextMarker") == "dir01/"


async def test_marker_on_a_common_prefix_skips_it(listed: S3Client) -> None:
    page = await _list(listed, delimiter="/", marker="dir05/", max_keys=3)
    after = model_split(delimiter="/", after="dir05/")
    assert page.texts("CommonPrefixes/Prefix") == after[1][:3]


async def test_start_after_and_echoed_fields(listed: S3Client) -> None:
    page = await _list(listed, list_type=2, start_after="top097", prefix="top")
    assert page.texts("Contents/Key") == ["top098", "top099"]
    assert page.text("StartAfter") == "top097" and page.text("Prefix") == "top"
    assert page.text("Name") == BUCKET
    assert page.xml.find("{http://s3.amazonaws.com/doc/2006-03-01/}Contents/"
                         "{http://s3.amazonaws.com/doc/2006-03-01/}Owner") is None


async def test_object_fields_and_fetch_owner(listed: S3Client) -> None:
    page = await _list(listed, list_type=2, prefix="top000", fetch_owner="true")
    info = await listed.store.head_object(ACCOUNT, BUCKET, "top000")
    assert page.text("Contents/ETag") == f'"{info.etag}"'
    assert page.text("Contents/Size") == str(len(body_of("top000")))
    assert page.text("Contents/StorageClass") == "STANDARD"
    assert page.text("Contents/Owner/ID") == canonical_id(ACCOUNT)
    modified = page.text("Contents/LastModified") or ""
    assert len(modified) == 24 and modified.endswith("Z"), modified


async def test_encoding_type_url(listed: S3Client) -> None:
    page = await _list(listed, list_type=2, prefix="caf", delimiter="/", encoding_type="url")
    assert page.text("EncodingType") == "url"
    assert page.texts("CommonPrefixes/Prefix") == ["caf%C3%A9/"]
    assert page.texts("Contents/Key") == ["caf%C3%A9%C3%A9"]
    assert page.text("Delimiter") == "/"
    v1 = await _list(listed, prefix="space", encoding_type="url")
    assert v1.texts("Contents/Key") == ["space%20key"]


async def test_max_keys_zero_and_above_the_cap(listed: S3Client) -> None:
    empty = await _list(listed, list_type=2, max_keys=0)
    assert empty.text("MaxKeys") == "0" and empty.text("KeyCount") == "0"
    assert empty.text("IsTruncated") == "false"
    capped = await _list(listed, max_keys=5000)
    assert capped.text("MaxKeys") == "1000" and len(capped.texts("Contents/Key")) == 1000


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "10x", "99999999999999999999999"])
@pytest.mark.parametrize("list_type", [None, 2])
async def test_invalid_max_keys(listed: S3Client, value: str, list_type: int | None) -> None:
    extra = {"list_type": list_type} if list_type else {}
    reply = await listed.request("GET", f"/{BUCKET}?{_query(max_keys=value, **extra)}")
    assert_error(reply, "InvalidArgument", 400)
    assert reply.xml.findtext("ArgumentValue") == value


@pytest.mark.parametrize(("query", "code"), [
    ("list-type=3", "InvalidArgument"),
    ("encoding-type=base64", "InvalidArgument"),
    ("list-type=2&encoding-type=xml", "InvalidArgument"),
    ("list-type=2&continuation-token=%25%25%25not-base64", "InvalidArgument"),
    ("list-type=2&continuation-token=%21%21%21", "InvalidArgument"),
])
async def test_invalid_arguments(s3: S3Client, query: str, code: str) -> None:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    assert_error(await s3.request("GET", f"/{BUCKET}?{query}"), code, 400)


@pytest.mark.parametrize("query", ["", "list-type=2", "max-keys=0", "list-type=2&max-keys=0"])
async def test_missing_bucket(s3: S3Client, query: str) -> None:
    reply = await s3.request("GET", f"/absent?{query}")
    assert_error(reply, "NoSuchBucket", 404)
    assert reply.xml.findtext("BucketName") == "absent"
