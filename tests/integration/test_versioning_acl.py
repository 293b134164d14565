"""GetBucketVersioning, ListObjectVersions and the ACL reads on never-versioned buckets.

ListObjectVersions must list exactly what ListObjects lists (the same key
population and S3 model as test_listing.py), each key once as version
``null``, and page through boto3's own paginator.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lxml import etree

from tests.integration.listing_support import ALL_KEYS, model, signed_get
from tests.integration.s3_support import error_of

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _collect_versions(pages: Any, max_keys: int) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    count = 0
    for page in pages:
        count += 1
        versions = page.get("Versions", [])
        assert "DeleteMarkers" not in page
        assert all(v["VersionId"] == "null" and v["IsLatest"] for v in versions)
        assert len(versions) + len(page.get("CommonPrefixes", [])) <= max_keys
        keys += [v["Key"] for v in versions]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return keys, prefixes, count


@pytest.mark.parametrize(("delimiter", "prefix", "max_keys"), [
    ("", "", 1000), ("", "dir0", 37), ("/", "", 50), ("/", "dir05/", 7), ("--", "grp", 3)])
def test_list_object_versions_paginator_matches_the_model(
        s3_client: Any, listing_bucket: str, delimiter: str,
        prefix: str, max_keys: int) -> None:
    pages = s3_client.get_paginator("list_object_versions").paginate(
        Bucket=listing_bucket, Prefix=prefix, Delimiter=delimiter,
        PaginationConfig={"PageSize": max_keys})
    keys, prefixes, count = _collect_versions(pages, max_keys)
    expected = model(prefix=prefix, delimiter=delimiter)
    assert keys == [name for name, common in expected if not common]
    assert prefixes == [name for name, common in expected if common]
    assert count == max(1, -(-len(expected) // max_keys))


def test_version_fields_match_the_object_listing(s3_client: Any,
                                                 listing_bucket: str) -> None:
    versions = s3_client.list_object_versions(Bucket=listing_bucket, MaxKeys=5)
    objects = s3_client.list_objects(Bucket=listing_bucket, MaxKeys=5)["Contents"]
    assert versions["IsTruncated"] and versions["NextKeyMarker"] == objects[-1]["Key"]
    assert versions["NextVersionIdMarker"] == "null"
    for version, obj in zip(versions["Versions"], objects, strict=True):
        for field in ("Key", "ETag", "Size", "LastModified", "Owner", "StorageClass"):
            assert version[field] == obj[field], field
    after = s3_client.list_object_versions(Bucket=listing_bucket, MaxKeys=5,
                                           KeyMarker=versions["NextKeyMarker"],
                                           VersionIdMarker="null")
    assert [v["Key"] for v in after["Versions"]] == sorted(ALL_KEYS)[5:10]


def test_truncated_on_a_common_prefix(s3_client: Any, listing_bucket: str) -> None:
    page = s3_client.list_object_versions(Bucket=listing_bucket, Prefix="dir0", Delimiter="/",
                                          MaxKeys=1)
    assert page["CommonPrefixes"] == [{"Prefix": "dir00/"}] and "Versions" not in page
    assert page["NextKeyMarker"] == "dir00/" and "NextVersionIdMarker" not in page


def test_url_encoding_and_markers_in_raw_xml(gateway_env: Any,
                                             listing_bucket: str) -> None:
    resp = signed_get(gateway_env, f"/{listing_bucket}",
                      "versions&encoding-type=url&prefix=caf%C3%A9&key-marker=caf%C3%A9%2F"
                      "&version-id-marker=null")
    assert resp.status_code == 200, resp.text
    root = etree.fromstring(resp.content)
    assert root.tag == f"{S3_NS}ListVersionsResult"
    assert root.findtext(f"{S3_NS}KeyMarker") == "caf%C3%A9/"
    assert root.findtext(f"{S3_NS}VersionIdMarker") == "null"
    assert root.findtext(f"{S3_NS}EncodingType") == "url"
    keys = [v.findtext(f"{S3_NS}Key") for v in root.iter(f"{S3_NS}Version")]
    assert keys == ["caf%C3%A9/cr%C3%A8me", "caf%C3%A9%C3%A9"]


@pytest.mark.parametrize(("query", "message"), [
    ("versions&version-id-marker=null", "A version-id marker cannot be specified without a key "
                                        "marker."),
    ("versions&key-marker=a&version-id-marker=3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
     "Invalid version id specified"),
    ("versions&max-keys=-1", "Argument max-keys must be an integer between 0 and 2147483647"),
    ("versions&encoding-type=xml", None),
])
def test_bad_version_listing_arguments(gateway_env: Any, bucket: str, query: str,
                                       message: str | None) -> None:
    resp = signed_get(gateway_env, f"/{bucket}", query)
    assert resp.status_code == 400, resp.text
    root = etree.fromstring(resp.content)
    assert root.findtext("Code") in ("InvalidArgument", "InvalidEncodingType")
    if message is not None:
        assert root.findtext("Message") == message
    assert root.findtext("RequestId") == resp.headers["x-amz-request-id"]


def test_get_bucket_versioning_is_never_enabled(gateway_env: Any, s3_client: Any,
                                                bucket: str) -> None:
    result = s3_client.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in result and "MFADelete" not in result
    resp = signed_get(gateway_env, f"/{bucket}", "versioning")
    root = etree.fromstring(resp.content)
    assert root.tag == f"{S3_NS}VersioningConfiguration" and len(root) == 0


def test_empty_bucket_lists_no_versions(s3_client: Any, bucket: str) -> None:
    result = s3_client.list_object_versions(Bucket=bucket)
    assert "Versions" not in result and result["IsTruncated"] is False


def _owner(s3_client: Any) -> dict[str, str]:
    return s3_client.list_buckets()["Owner"]


def test_acls_are_the_owners_full_control(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a/b", Body=b"x")
    owner = _owner(s3_client)
    grant = [{"Grantee": {"ID": owner["ID"], "DisplayName": owner["DisplayName"],
                          "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    for result in (s3_client.get_bucket_acl(Bucket=bucket),
                   s3_client.get_object_acl(Bucket=bucket, Key="a/b"),
                   s3_client.get_object_acl(Bucket=bucket, Key="a/b", VersionId="null")):
        assert result["Owner"] == owner and result["Grants"] == grant


def test_missing_bucket_and_key(s3_client: Any, bucket: str) -> None:
    missing = f"missing-{uuid.uuid4().hex[:12]}"
    for call in (lambda: s3_client.get_bucket_versioning(Bucket=missing),
                 lambda: s3_client.list_object_versions(Bucket=missing),
                 lambda: s3_client.get_bucket_acl(Bucket=missing),
                 lambda: s3_client.get_object_acl(Bucket=missing, Key="k")):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as info:
        s3_client.get_object_acl(Bucket=bucket, Key="absent")
    assert error_of(info) == ("NoSuchKey", 404)
