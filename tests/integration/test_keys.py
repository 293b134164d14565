"""Awkward object keys survive the trip S3 client → gateway → Swift → back, byte for byte."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError
from lxml import etree

from tests.integration.rawhttp import signed_request
from tests.integration.s3_support import error_of

KEYS = {
    "space": "with space",
    "spaces-edges": " leading and trailing ",
    "plus": "a+b",
    "percent": "100%",
    "percent20": "literal%20not-a-space",
    "percent-pair": "%2F%25",
    "question": "what?",
    "hash": "#hash",
    "ampersand": "a&b",
    "equals": "a=b",
    "semicolon": "a;b",
    "colon": "a:b",
    "at": "user@host",
    "dollar": "$money",
    "comma": "a,b",
    "apostrophe": "it's",
    "quote": 'say "hi"',
    "angle": "<tag>",
    "brackets": "[x]{y}",
    "pipe": "a|b",
    "backslash": "back\\slash",
    "caret": "a^b",
    "backtick": "a`b",
    "tilde": "~home",
    "bang": "wow!",
    "star": "*star*",
    "parens": "(x)",
    "query-like": "k?acl&uploads=1",
    "all-punct": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "e-acute": "caf\u00e9",
    "japanese": "\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb",
    "emoji": "\U0001F600\U0001F680 rocket",
    "combining": "e\u0301",          # not normalised to é
    "nbsp": "a\u00a0b",
    "dotdot": "..",
    "dot": ".",
    "dot-segments": "a/../b",
    "dot-segment": "a/./b",
    "dotdot-leading": "../escape",
    "double-leading-slash": "//leading",
    "leading-slash": "/leading",
    "double-slash": "a//b",
    "trailing-slash": "trailing/",
    "slash": "/",
    "slashes": "///",
    "ctrl-01": "ctrl\x01char",
    "tab": "tab\there",
    "newline": "new\nline",
    "carriage-return": "carriage\rreturn",
    "crlf": "crlf\r\nend",
    "del": "del\x7fchar",
    "xml-entity": "&amp;&lt;",
    "long-segment": "x" * 255 + "/y",
}

VHOST_SUBSET = ["space", "plus", "percent20", "question", "hash", "japanese", "emoji",
                "dot-segments", "double-leading-slash", "slash", "trailing-slash", "tab",
                "newline", "all-punct"]


# --- helpers -----------------------------------------------------------------------------


def swift_quote(name: str) -> str:
    """Every byte encoded (dots too): no HTTP library can normalise the path."""
    return quote(name, safe="").replace(".", "%2E")


def swift_raw_get(swift_conn: Any, container: str, key: str) -> requests.Response:
    storage_url, token = swift_conn.get_auth()
    return requests.get(f"{storage_url}/{swift_quote(container)}/{swift_quote(key)}",
                        headers={"X-Auth-Token": token}, timeout=30)


def swift_names(swift_conn: Any, container: str) -> list[str]:
    return [o["name"] for o in swift_conn.get_container(container, full_listing=True)[1]]


def body_for(key: str) -> bytes:
    return b"content of " + key.encode("utf-8") + b"\x00\xff"


@pytest.fixture(scope="module")
def keys_bucket(s3_client: Any) -> Iterator[str]:
    """One bucket for the module; every test leaves it empty again."""
    name = f"itk-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    yield name
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3_client.delete_object(Bucket=name, Key=item["Key"])
    s3_client.delete_bucket(Bucket=name)


def round_trip(client: Any, swift_conn: Any, bucket: str, key: str) -> None:
    body = body_for(key)
    put = client.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        md5 = hashlib.md5(body).hexdigest()
        assert put["ETag"] == f'"{md5}"'

        got = client.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read() == body
        assert got["ETag"] == f'"{md5}"'

        head = client.head_object(Bucket=bucket, Key=key)
        assert head["ContentLength"] == len(body)
        assert head["ETag"] == f'"{md5}"'

        # The listings name it exactly (boto3 asks for and decodes encoding-type=url).
        v2 = client.list_objects_v2(Bucket=bucket)
        assert [o["Key"] for o in v2["Contents"]] == [key]
        assert v2["Contents"][0]["Size"] == len(body)
        v1 = client.list_objects(Bucket=bucket)
        assert [o["Key"] for o in v1["Contents"]] == [key]
        by_prefix = client.list_objects_v2(Bucket=bucket, Prefix=key)
        assert [o["Key"] for o in by_prefix["Contents"]] == [key]

        # In Swift, the object's name is the S3 key, byte for byte.
        assert swift_names(swift_conn, bucket) == [key]
        raw = swift_raw_get(swift_conn, bucket, key)
        assert raw.status_code == 200
        assert raw.content == body
    finally:
        deleted = client.delete_object(Bucket=bucket, Key=key)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as info:
        client.get_object(Bucket=bucket, Key=key)
    assert error_of(info) == ("NoSuchKey", 404)
    assert swift_names(swift_conn, bucket) == []


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(KEYS.values()), ids=list(KEYS))
def test_key_round_trip_path_style(s3_client: Any, swift_conn: Any, keys_bucket: str,
                                   key: str) -> None:
    round_trip(s3_client, swift_conn, keys_bucket, key)


@pytest.mark.parametrize("key", [KEYS[k] for k in VHOST_SUBSET], ids=VHOST_SUBSET)
def test_key_round_trip_virtual_host(s3_client_vhost: Any, swift_conn: Any, keys_bucket: str,
                                     key: str) -> None:
    round_trip(s3_client_vhost, swift_conn, keys_bucket, key)


def test_object_written_in_swift_is_read_through_s3(s3_client: Any, swift_conn: Any,
                                                    keys_bucket: str) -> None:
    keys = [KEYS["all-punct"], KEYS["dot-segments"], KEYS["japanese"], KEYS["percent20"],
            KEYS["slash"]]
    storage_url, token = swift_conn.get_auth()
    try:
        for key in keys:
            # Fully encoded, so no client library collapses "a/../b" on the way to Swift.
            created = requests.put(f"{storage_url}/{keys_bucket}/{swift_quote(key)}",
                                   data=body_for(key), headers={"X-Auth-Token": token},
                                   timeout=30)
            assert created.status_code == 201, created.text
        listed = [o["Key"] for o in s3_client.list_objects_v2(Bucket=keys_bucket)["Contents"]]
        assert listed == sorted(keys)
        for key in keys:
            assert s3_client.get_object(Bucket=keys_bucket, Key=key)["Body"].read() == \
                body_for(key)
    finally:
        for key in keys:
            s3_client.delete_object(Bucket=keys_bucket, Key=key)
    assert swift_names(swift_conn, keys_bucket) == []


def test_similar_keys_stay_distinct(s3_client: Any, swift_conn: Any, keys_bucket: str) -> None:
    # Each pair would collapse if anything decoded twice, normalised paths, or treated
    # '+' as a space.
    keys = ["a b", "a+b", "a%20b", "a%2Bb", "a/b", "a%2Fb", "a//b", "a/./b", "a/../b", "b",
            "caf\u00e9", "cafe\u0301", "x/", "x"]
    try:
        for key in keys:
            s3_client.put_object(Bucket=keys_bucket, Key=key, Body=body_for(key))
        listed = [o["Key"] for o in s3_client.list_objects_v2(Bucket=keys_bucket)["Contents"]]
        assert listed == sorted(keys)
        assert swift_names(swift_conn, keys_bucket) == sorted(keys)
        for key in keys:
            assert s3_client.get_object(Bucket=keys_bucket, Key=key)["Body"].read() == \
                body_for(key)
    finally:
        for key in keys:
            s3_client.delete_object(Bucket=keys_bucket, Key=key)


def test_raw_encoded_path_is_decoded_exactly_once(gateway_env: Any, s3_client: Any,
                                                  keys_bucket: str) -> None:
    # "%2520" on the wire is the key "%20", and "+" in a path is a plus sign.
    response = signed_request(gateway_env, "PUT", f"/{keys_bucket}/x%2520y+z", body=b"raw")
    assert response.status_code == 200, response.text
    try:
        listed = [o["Key"] for o in s3_client.list_objects_v2(Bucket=keys_bucket)["Contents"]]
        assert listed == ["x%20y+z"]
        got = signed_request(gateway_env, "GET", f"/{keys_bucket}/x%2520y%2Bz")
        assert got.status_code == 200
        assert got.content == b"raw"
    finally:
        s3_client.delete_object(Bucket=keys_bucket, Key="x%20y+z")


def test_raw_listing_escapes_xml_special_characters(gateway_env: Any, s3_client: Any,
                                                     keys_bucket: str) -> None:
    key = "<a href=\"x\">&amp;'</a>"
    s3_client.put_object(Bucket=keys_bucket, Key=key, Body=b"x")
    try:
        response = signed_request(gateway_env, "GET", f"/{keys_bucket}", query="list-type=2")
        assert response.status_code == 200
        root = etree.fromstring(response.content)
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        assert [e.text for e in root.iter(f"{ns}Key")] == [key]
    finally:
        s3_client.delete_object(Bucket=keys_bucket, Key=key)


def test_missing_awkward_key_is_no_such_key(s3_client: Any, keys_bucket: str) -> None:
    for key in (KEYS["slash"], KEYS["dot-segments"], KEYS["all-punct"], KEYS["emoji"]):
        with pytest.raises(ClientError) as info:
            s3_client.get_object(Bucket=keys_bucket, Key=key)
        assert error_of(info) == ("NoSuchKey", 404)
        assert info.value.response["Error"]["Key"] == key
        # Deleting an absent key succeeds, as in S3.
        assert s3_client.delete_object(Bucket=keys_bucket, Key=key)[
            "ResponseMetadata"]["HTTPStatusCode"] == 204


# --- key length ----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "size"), [
    ("k" * 1024, 1024),
    ("a/" * 512, 1024),
    ("\u00e9" * 512, 1024),                 # 2 bytes each
    ("\u65e5" * 341 + "x", 1024),          # 3 bytes each
    ("\U0001F600" * 256, 1024),             # 4 bytes each
])
def test_key_of_1024_bytes_is_accepted(s3_client: Any, swift_conn: Any, keys_bucket: str,
                                       key: str, size: int) -> None:
    assert len(key.encode("utf-8")) == size
    round_trip(s3_client, swift_conn, keys_bucket, key)


@pytest.mark.parametrize(("key", "size"), [
    ("k" * 1025, 1025),
    ("\u00e9" * 512 + "x", 1025),
    ("\u65e5" * 342, 1026),
    ("\U0001F600" * 256 + "x", 1025),
    ("k" * 4096, 4096),
])
def test_key_over_1024_bytes_is_too_long(s3_client: Any, swift_conn: Any, keys_bucket: str,
                                         key: str, size: int) -> None:
    assert len(key.encode("utf-8")) == size
    with pytest.raises(ClientError) as info:
        s3_client.put_object(Bucket=keys_bucket, Key=key, Body=b"too long")
    assert error_of(info) == ("KeyTooLongError", 400)
    assert info.value.response["Error"]["Size"] == str(size)
    assert info.value.response["Error"]["MaxSizeAllowed"] == "1024"
    assert swift_names(swift_conn, keys_bucket) == []


def test_key_too_long_raw_error_document(gateway_env: Any, keys_bucket: str) -> None:
    response = signed_request(gateway_env, "PUT", f"/{keys_bucket}/{'z' * 1100}", body=b"x")
    assert response.status_code == 400
    root = etree.fromstring(response.content)
    assert root.findtext("Code") == "KeyTooLongError"
    assert root.findtext("RequestId") == response.headers["x-amz-request-id"]


# --- control characters in error documents and paths -------------------------------------------


@pytest.mark.parametrize("key", ["missing\x01char", "missing\x1fchar", "missing\rchar",
                                 "missing\r\nchar", "tab\tkey", "del\x7fkey"],
                         ids=["x01", "x1f", "cr", "crlf", "tab", "del"])
def test_error_document_with_control_characters_in_key(gateway_env: Any, s3_client: Any,
                                                       keys_bucket: str, key: str) -> None:
    # NoSuchKey names the key in <Key> and <Resource>: the document must stay well-formed
    # XML, or clients cannot even read the error code.
    response = signed_request(gateway_env, "GET", f"/{keys_bucket}/{quote(key, safe='')}")
    assert response.status_code == 404
    root = etree.fromstring(response.content)   # raises if not well-formed
    assert root.findtext("Code") == "NoSuchKey"
    assert root.findtext("RequestId") == response.headers["x-amz-request-id"]
    with pytest.raises(ClientError) as info:
        s3_client.get_object(Bucket=keys_bucket, Key=key)
    assert error_of(info) == ("NoSuchKey", 404)
    if not any(ord(c) < 0x20 and c not in "\t\n\r" for c in key):
        # Characters XML 1.0 can carry (as references where needed) come back exactly;
        # a literal \r would be read back as \n.
        assert root.findtext("Key") == key
        assert root.findtext("Resource") == f"/{keys_bucket}/{key}"


@pytest.mark.parametrize("raw_key", ["a%0Ab", "%0A", "a%0D%0Ab"])
def test_newline_in_key_reaches_the_object_handler(gateway_env: Any, s3_client: Any,
                                                   keys_bucket: str, raw_key: str) -> None:
    key = raw_key.replace("%0A", "\n").replace("%0D", "\r")
    missing = signed_request(gateway_env, "GET", f"/{keys_bucket}/{raw_key}")
    assert missing.status_code == 404
    assert etree.fromstring(missing.content).findtext("Code") == "NoSuchKey"
    put = signed_request(gateway_env, "PUT", f"/{keys_bucket}/{raw_key}", body=b"nl")
    try:
        assert put.status_code == 200, put.text
        assert s3_client.get_object(Bucket=keys_bucket, Key=key)["Body"].read() == b"nl"
    finally:
        s3_client.delete_object(Bucket=keys_bucket, Key=key)
