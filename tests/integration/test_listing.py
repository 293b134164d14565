"""ListObjects (v1) and ListObjectsV2 against a real Swift: pagination, delimiters,
markers, max-keys, owners and URL encoding, compared with an exact model of S3."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from urllib.parse import quote, unquote_plus

import pytest
from botocore.exceptions import ClientError
from lxml import etree

from gateway.authz.identity import canonical_id
from tests.integration.listing_support import (
    ALL_KEYS, SORTED, body_of, collect, model, model_split, pages_needed, signed_get)
from tests.integration.s3_support import error_of

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# --- fixtures ----------------------------------------------------------------------------


# ``listing_bucket`` (conftest): one session-wide bucket holding ALL_KEYS.


# --- full sweeps -------------------------------------------------------------------------


def test_population_sorted_by_utf8_bytes() -> None:
    # Code point order is UTF-8 byte order: the model's order is S3's and Swift's.
    assert SORTED == sorted(ALL_KEYS, key=lambda k: k.encode("utf-8"))
    assert len(ALL_KEYS) > 1050


@pytest.mark.parametrize("max_keys", [None, 1000, 77])
def test_v2_paginator_without_delimiter(s3_client: Any, listing_bucket: str,
                                        max_keys: int | None) -> None:
    kwargs: dict[str, Any] = {"Bucket": listing_bucket}
    if max_keys:
        kwargs["PaginationConfig"] = {"PageSize": max_keys}
    pages = list(s3_client.get_paginator("list_objects_v2").paginate(**kwargs))
    keys, prefixes, count = collect(pages, max_keys or 1000)
    assert keys == SORTED
    assert prefixes == []
    assert count == pages_needed(len(SORTED), max_keys or 1000)
    assert all(p["IsTruncated"] for p in pages[:-1])
    assert not pages[-1]["IsTruncated"]
    assert "NextContinuationToken" not in pages[-1]
    assert all(p["MaxKeys"] == (max_keys or 1000) for p in pages)


def test_v2_manual_continuation_tokens(s3_client: Any, listing_bucket: str) -> None:
    keys: list[str] = []
    token = None
    rounds = 0
    while True:
        kwargs: dict[str, Any] = {"Bucket": listing_bucket, "MaxKeys": 400}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3_client.list_objects_v2(**kwargs)
        rounds += 1
        assert page["KeyCount"] == len(page.get("Contents", []))
        if token:
            assert page["ContinuationToken"] == token
        else:
            assert "ContinuationToken" not in page
        keys += [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        token = page["NextContinuationToken"]
        assert token
    assert keys == SORTED
    assert rounds == pages_needed(len(SORTED), 400)


@pytest.mark.parametrize(("delimiter", "max_keys"), [
    ("/", None), ("/", 10), ("--", None), ("--", 150)])
def test_v2_paginator_with_delimiter(s3_client: Any, listing_bucket: str, delimiter: str,
                                     max_keys: int | None) -> None:
    kwargs: dict[str, Any] = {"Bucket": listing_bucket, "Delimiter": delimiter}
    if max_keys:
        kwargs["PaginationConfig"] = {"PageSize": max_keys}
    pages = list(s3_client.get_paginator("list_objects_v2").paginate(**kwargs))
    keys, prefixes, count = collect(pages, max_keys or 1000)
    want_keys, want_prefixes = model_split(delimiter=delimiter)
    assert keys == want_keys
    assert prefixes == want_prefixes
    assert count == pages_needed(len(want_keys) + len(want_prefixes), max_keys or 1000)
    assert all(p["Delimiter"] == delimiter for p in pages)


def test_v2_delimiter_slash_exact_prefixes(s3_client: Any, listing_bucket: str) -> None:
    page = s3_client.list_objects_v2(Bucket=listing_bucket, Delimiter="/")
    prefixes = [p["Prefix"] for p in page["CommonPrefixes"]]
    assert prefixes == sorted([f"dir{d:02d}/" for d in range(30)]
                              + ["caf\u00e9/", "\u65e5\u672c/", "z\U0001F600/"])
    keys = [o["Key"] for o in page["Contents"]]
    assert "dir05.txt" in keys and "dir05-x" in keys and "dir05/" not in keys
    assert not any("/" in k for k in keys)
    assert page["KeyCount"] == len(keys) + len(prefixes)
    assert not page["IsTruncated"]


def test_v2_multichar_delimiter_exact_prefixes(s3_client: Any, listing_bucket: str) -> None:
    pages = list(s3_client.get_paginator("list_objects_v2").paginate(
        Bucket=listing_bucket, Delimiter="--"))
    keys, prefixes, _ = collect(pages)
    assert prefixes == sorted(["--"] + [f"grp{g}--" for g in range(10)] + ["x--"])
    assert "single-dash-3" in keys
    assert not any("--" in k for k in keys)


@pytest.mark.parametrize(("delimiter", "max_keys"), [
    ("/", None), ("/", 9), ("--", None), ("--", 170)])
def test_v1_paginator(s3_client: Any, listing_bucket: str, delimiter: str,
                      max_keys: int | None) -> None:
    kwargs: dict[str, Any] = {"Bucket": listing_bucket, "Delimiter": delimiter}
    if max_keys:
        kwargs["PaginationConfig"] = {"PageSize": max_keys}
    pages = list(s3_client.get_paginator("list_objects").paginate(**kwargs))
    keys, prefixes, count = collect(pages, max_keys or 1000)
    want_keys, want_prefixes = model_split(delimiter=delimiter)
    assert keys == want_keys
    assert prefixes == want_prefixes
    assert count == pages_needed(len(want_keys) + len(want_prefixes), max_keys or 1000)


@pytest.mark.parametrize(("prefix", "delimiter"), [("grp", "--"), ("", "--")])
@pytest.mark.parametrize("version", [1, 2])
def test_multichar_delimiter_small_pages(s3_client: Any, listing_bucket: str, prefix: str,
                                         delimiter: str, version: int) -> None:
    operation = "list_objects_v2" if version == 2 else "list_objects"
    page_size = 3 if prefix else 120
    pages = list(s3_client.get_paginator(operation).paginate(
        Bucket=listing_bucket, Prefix=prefix, Delimiter=delimiter,
        PaginationConfig={"PageSize": page_size}))
    keys, prefixes, count = collect(pages, page_size)
    want_keys, want_prefixes = model_split(prefix=prefix, delimiter=delimiter)
    assert keys == want_keys
    assert prefixes == want_prefixes
    assert count == pages_needed(len(want_keys) + len(want_prefixes), page_size)
    assert count > 1


@pytest.mark.parametrize("max_keys", [None, 250])
def test_v1_paginator_without_delimiter(s3_client: Any, listing_bucket: str,
                                        max_keys: int | None) -> None:
    kwargs: dict[str, Any] = {"Bucket": listing_bucket}
    if max_keys:
        kwargs["PaginationConfig"] = {"PageSize": max_keys}
    pages = list(s3_client.get_paginator("list_objects").paginate(**kwargs))
    keys, prefixes, _ = collect(pages, max_keys or 1000)
    assert keys == SORTED
    assert prefixes == []
    # Without a delimiter S3 leaves NextMarker out: the last key is the marker.
    assert all("NextMarker" not in p for p in pages)


@pytest.mark.parametrize(("prefix", "delimiter", "max_keys"), [
    ("", "/", 13), ("", "--", 97), ("grp", "--", 4), ("dir0", "/", 4)])
def test_v1_next_marker_with_delimiter(s3_client: Any, listing_bucket: str, prefix: str,
                                       delimiter: str, max_keys: int) -> None:
    expected = model(prefix=prefix, delimiter=delimiter)
    seen: list[tuple[str, bool]] = []
    marker = ""
    while True:
        page = s3_client.list_objects(Bucket=listing_bucket, Prefix=prefix,
                                      Delimiter=delimiter, Marker=marker, MaxKeys=max_keys)
        assert page["Marker"] == marker
        assert page["MaxKeys"] == max_keys
        entries = sorted([(o["Key"], False) for o in page.get("Contents", [])]
                         + [(p["Prefix"], True) for p in page.get("CommonPrefixes", [])])
        seen += entries
        if not page["IsTruncated"]:
            assert "NextMarker" not in page
            break
        # NextMarker is the last key or common prefix of the page.
        assert page["NextMarker"] == entries[-1][0]
        marker = page["NextMarker"]
    assert seen == expected


# --- prefix, markers, start-after ------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "delimiter"), [
    ("dir05/", "/"),
    ("dir05", "/"),
    ("dir0", "/"),
    ("grp3--", "--"),
    ("grp", "--"),
    ("caf\u00e9", "/"),
    ("\u65e5", "/"),
    ("dir17/file01", ""),
    ("nothing-here", "/"),
])
@pytest.mark.parametrize("version", [1, 2])
def test_prefix_and_delimiter(s3_client: Any, listing_bucket: str, prefix: str,
                              delimiter: str, version: int) -> None:
    call = s3_client.list_objects_v2 if version == 2 else s3_client.list_objects
    page = call(Bucket=listing_bucket, Prefix=prefix, Delimiter=delimiter, MaxKeys=1000)
    want_keys, want_prefixes = model_split(prefix=prefix, delimiter=delimiter)
    assert [o["Key"] for o in page.get("Contents", [])] == want_keys
    assert [p["Prefix"] for p in page.get("CommonPrefixes", [])] == want_prefixes
    assert not page["IsTruncated"]
    if version == 2:
        assert page["Prefix"] == prefix
        assert page["KeyCount"] == len(want_keys) + len(want_prefixes)


def test_prefix_equal_to_a_key_and_empty_segment(s3_client: Any, listing_bucket: str) -> None:
    page = s3_client.list_objects_v2(Bucket=listing_bucket, Prefix="dir05/", Delimiter="/")
    keys = [o["Key"] for o in page["Contents"]]
    assert keys[0] == "dir05/"
    assert len(keys) == 31
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["dir05//"]


@pytest.mark.parametrize("start_after", ["dir10/file015", "dir29/file029", "top050", "", "a",
                                         "\u65e5", "zzzz"])
def test_v2_start_after(s3_client: Any, listing_bucket: str, start_after: str) -> None:
    pages = list(s3_client.get_paginator("list_objects_v2").paginate(
        Bucket=listing_bucket, StartAfter=start_after, PaginationConfig={"PageSize": 300}))
    keys, _, _ = collect(pages, 300)
    assert keys == [k for k in SORTED if k > start_after]
    assert pages[0].get("StartAfter", "") == start_after


def test_v2_start_after_with_prefix_and_delimiter(s3_client: Any, listing_bucket: str) -> None:
    page = s3_client.list_objects_v2(Bucket=listing_bucket, Delimiter="/", StartAfter="dir20")
    want_keys, want_prefixes = model_split(delimiter="/", after="dir20")
    assert [o["Key"] for o in page.get("Contents", [])] == want_keys
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == want_prefixes
    assert want_prefixes[0] == "dir20/"


@pytest.mark.parametrize(("delimiter", "common"), [("/", "dir07/"), ("--", "grp3--")])
@pytest.mark.parametrize("version", [1, 2])
def test_continuing_from_a_common_prefix_does_not_repeat_it(
        s3_client: Any, listing_bucket: str, delimiter: str, common: str, version: int) -> None:
    expected = model(delimiter=delimiter)
    position = expected.index((common, True))
    if version == 1:
        page = s3_client.list_objects(Bucket=listing_bucket, Delimiter=delimiter,
                                      Marker=common, MaxKeys=5)
    else:
        # Stop exactly on the prefix, then continue with the token it gave.
        first = s3_client.list_objects_v2(Bucket=listing_bucket, Delimiter=delimiter,
                                          MaxKeys=position + 1)
        last_prefix = first["CommonPrefixes"][-1]["Prefix"]
        assert last_prefix == common
        assert first["IsTruncated"]
        page = s3_client.list_objects_v2(Bucket=listing_bucket, Delimiter=delimiter,
                                         MaxKeys=5,
                                         ContinuationToken=first["NextContinuationToken"])
    got = sorted([(o["Key"], False) for o in page.get("Contents", [])]
                 + [(p["Prefix"], True) for p in page.get("CommonPrefixes", [])])
    assert got == expected[position + 1: position + 6]
    assert (common, True) not in got


# --- max-keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_max_keys_zero(s3_client: Any, listing_bucket: str, version: int) -> None:
    call = s3_client.list_objects_v2 if version == 2 else s3_client.list_objects
    page = call(Bucket=listing_bucket, MaxKeys=0)
    assert page["MaxKeys"] == 0
    assert "Contents" not in page
    assert "CommonPrefixes" not in page
    if version == 2:
        assert page["KeyCount"] == 0


@pytest.mark.parametrize("version", [1, 2])
def test_max_keys_above_1000_is_capped(s3_client: Any, listing_bucket: str, version: int) -> None:
    call = s3_client.list_objects_v2 if version == 2 else s3_client.list_objects
    page = call(Bucket=listing_bucket, MaxKeys=5000)
    assert page["MaxKeys"] == 1000
    assert [o["Key"] for o in page["Contents"]] == SORTED[:1000]
    assert page["IsTruncated"] is True
    if version == 2:
        assert page["KeyCount"] == 1000


def test_default_max_keys(s3_client: Any, listing_bucket: str) -> None:
    page = s3_client.list_objects_v2(Bucket=listing_bucket)
    assert page["MaxKeys"] == 1000
    assert page["KeyCount"] == 1000
    assert page["IsTruncated"] is True
    rest = s3_client.list_objects_v2(Bucket=listing_bucket,
                                     ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == SORTED[1000:]
    assert rest["IsTruncated"] is False


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "10x", "99999999999999999999999x"])
@pytest.mark.parametrize("list_type", ["", "list-type=2&"])
def test_invalid_max_keys(gateway_env: Any, listing_bucket: str, value: str,
                          list_type: str) -> None:
    response = signed_get(gateway_env, f"/{listing_bucket}",
                          f"{list_type}max-keys={quote(value, safe='')}")
    assert response.status_code == 400
    root = etree.fromstring(response.content)
    assert root.findtext("Code") == "InvalidArgument"
    assert root.findtext("ArgumentValue") == value
    assert root.findtext("RequestId") == response.headers["x-amz-request-id"]


def test_invalid_list_type_and_encoding_and_token(gateway_env: Any, listing_bucket: str) -> None:
    for query in ("list-type=3", "encoding-type=base64", "list-type=2&encoding-type=xml",
                  "list-type=2&continuation-token=%25%25%25not-base64"):
        response = signed_get(gateway_env, f"/{listing_bucket}", query)
        assert response.status_code == 400, query
        assert etree.fromstring(response.content).findtext("Code") == "InvalidArgument", query


@pytest.mark.parametrize("token", ["!!!", "not a token", "ZGlyMDUv!"])
def test_garbage_continuation_token_is_invalid_argument(s3_client: Any, listing_bucket: str,
                                                        token: str) -> None:
    # S3 refuses a token it did not issue; it must not silently restart (or jump) the listing.
    with pytest.raises(ClientError) as info:
        s3_client.list_objects_v2(Bucket=listing_bucket, ContinuationToken=token)
    assert error_of(info) == ("InvalidArgument", 400)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("max_keys", [None, 0])
def test_listing_missing_bucket(s3_client: Any, version: int, max_keys: int | None) -> None:
    call = s3_client.list_objects_v2 if version == 2 else s3_client.list_objects
    kwargs: dict[str, Any] = {"Bucket": f"itl-missing-{uuid.uuid4().hex[:10]}"}
    if max_keys is not None:
        kwargs["MaxKeys"] = max_keys
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    assert error_of(info) == ("NoSuchBucket", 404)


# --- entries, owners --------------------------------------------------------------------------


def test_entry_fields(s3_client: Any, listing_bucket: str) -> None:
    page = s3_client.list_objects_v2(Bucket=listing_bucket, Prefix="caf\u00e9")
    by_key = {o["Key"]: o for o in page["Contents"]}
    assert set(by_key) == {"caf\u00e9/cr\u00e8me", "caf\u00e9\u00e9"}
    for key, entry in by_key.items():
        assert entry["Size"] == len(body_of(key))
        assert entry["ETag"] == '"' + hashlib.md5(body_of(key)).hexdigest() + '"'
        assert entry["StorageClass"] == "STANDARD"
        assert entry["LastModified"].tzinfo is not None
        assert "Owner" not in entry
        head = s3_client.head_object(Bucket=listing_bucket, Key=key)
        assert head["ETag"] == entry["ETag"]
        assert head["ContentLength"] == entry["Size"]
        assert abs((head["LastModified"] - entry["LastModified"]).total_seconds()) < 1.0


def test_fetch_owner(s3_client: Any, listing_bucket: str, gateway_env: Any) -> None:
    page = s3_client.list_objects_v2(Bucket=listing_bucket, Prefix="top00", FetchOwner=True)
    assert len(page["Contents"]) == 10
    for entry in page["Contents"]:
        assert entry["Owner"]["ID"] == canonical_id(gateway_env.account)
        assert entry["Owner"]["DisplayName"]
    plain = s3_client.list_objects_v2(Bucket=listing_bucket, Prefix="top00", FetchOwner=False)
    assert all("Owner" not in e for e in plain["Contents"])


def test_v1_shows_owner(s3_client: Any, listing_bucket: str, gateway_env: Any) -> None:
    page = s3_client.list_objects(Bucket=listing_bucket, Prefix="top01")
    assert len(page["Contents"]) == 10
    assert all(e["Owner"]["ID"] == canonical_id(gateway_env.account) for e in page["Contents"])


def test_vhost_listing_matches_path_style(request: pytest.FixtureRequest, s3_client: Any,
                                          listing_bucket: str) -> None:
    vhost = request.getfixturevalue("s3_client_vhost")
    path_pages = list(s3_client.get_paginator("list_objects_v2").paginate(
        Bucket=listing_bucket, Delimiter="/", PaginationConfig={"PageSize": 20}))
    vhost_pages = list(vhost.get_paginator("list_objects_v2").paginate(
        Bucket=listing_bucket, Delimiter="/", PaginationConfig={"PageSize": 20}))
    assert collect(vhost_pages)[:2] == collect(path_pages)[:2] == model_split(delimiter="/")


# --- delimiters Swift cannot group ---------------------------------------------------------


@pytest.mark.parametrize("delimiter", ["\u00e9", "\u672c", "\U0001F600", "ir0", "/file"])
def test_unusual_delimiters(s3_client: Any, listing_bucket: str, delimiter: str) -> None:
    pages = list(s3_client.get_paginator("list_objects_v2").paginate(
        Bucket=listing_bucket, Delimiter=delimiter, PaginationConfig={"PageSize": 400}))
    keys, prefixes, _ = collect(pages, 400)
    want_keys, want_prefixes = model_split(delimiter=delimiter)
    assert prefixes == want_prefixes
    assert keys == want_keys
    assert want_prefixes  # every delimiter here occurs in some key


# --- encoding-type=url -------------------------------------------------------------------------


def _raw_keys(root: etree._Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{S3_NS}Key")]


def test_raw_xml_keys_url_encoded_only_when_asked(gateway_env: Any, listing_bucket: str) -> None:
    prefix_keys = [k for k in SORTED if not k.isascii() or " " in k or "%" in k or "+" in k
                   or "&" in k]
    assert len(prefix_keys) >= 10

    plain = signed_get(gateway_env, f"/{listing_bucket}", "list-type=2")
    assert plain.status_code == 200
    plain_root = etree.fromstring(plain.content)
    assert plain_root.find(f"{S3_NS}EncodingType") is None
    plain_keys = _raw_keys(plain_root)
    assert plain_keys == SORTED[:1000]
    assert "amp&lt;<key>".encode() not in plain.content  # XML-escaped on the wire
    assert b"amp&amp;lt;&lt;key&gt;" in plain.content

    encoded = signed_get(gateway_env, f"/{listing_bucket}", "list-type=2&encoding-type=url")
    assert encoded.status_code == 200
    root = etree.fromstring(encoded.content)
    assert root.findtext(f"{S3_NS}EncodingType") == "url"
    raw = _raw_keys(root)
    assert [unquote_plus(k) for k in raw] == SORTED[:1000]
    safe = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/%+*")
    for key in raw:
        assert set(key) <= safe, key
    for key in prefix_keys:
        if key in SORTED[:1000]:
            assert key not in raw


def test_raw_xml_v1_encoded_prefix_delimiter_and_markers(gateway_env: Any,
                                                         listing_bucket: str) -> None:
    query = ("delimiter=%2F&encoding-type=url&marker=caf%C3%A9&max-keys=2"
             "&prefix=caf%C3%A9")
    response = signed_get(gateway_env, f"/{listing_bucket}", query)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert unquote_plus(root.findtext(f"{S3_NS}Prefix")) == "caf\u00e9"
    assert unquote_plus(root.findtext(f"{S3_NS}Marker")) == "caf\u00e9"
    assert root.findtext(f"{S3_NS}Marker").isascii()
    prefixes = [e.text for e in root.iter(f"{S3_NS}Prefix")][1:]
    assert [unquote_plus(p) for p in prefixes] == ["caf\u00e9/"]
    assert all(p.isascii() for p in prefixes)
    assert [unquote_plus(k) for k in _raw_keys(root)] == ["caf\u00e9\u00e9"]
    assert root.findtext(f"{S3_NS}IsTruncated") == "false"


def test_boto3_decodes_url_encoded_listing(s3_client: Any, listing_bucket: str) -> None:
    # boto3 asks for encoding-type=url by default and decodes Key, Prefix and markers.
    for prefix in ("space", "plus", "percent", "amp", "\u65e5", "z\U0001F600"):
        page = s3_client.list_objects_v2(Bucket=listing_bucket, Prefix=prefix, Delimiter="/")
        assert page["EncodingType"] == "url"
        assert page["Prefix"] == prefix
        want_keys, want_prefixes = model_split(prefix=prefix, delimiter="/")
        assert [o["Key"] for o in page.get("Contents", [])] == want_keys
        assert [p["Prefix"] for p in page.get("CommonPrefixes", [])] == want_prefixes
        assert want_keys or want_prefixes
