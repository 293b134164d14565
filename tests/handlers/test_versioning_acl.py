"""GetBucketVersioning, ListObjectVersions, GetBucketAcl and GetObjectAcl on a
``MemoryStore``: never-versioned buckets and the owner's FULL_CONTROL."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gateway.authz.identity import canonical_id
from tests.handlers.conftest import (
    ACCOUNT, S3_NS, S3Client, assert_error, fill_with_listing_keys)
from tests.integration.listing_support import SORTED, model_split

BUCKET = "versions"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.fixture
async def listed(s3: S3Client) -> S3Client:
    return await fill_with_listing_keys(s3, BUCKET)


async def test_versioning_was_never_enabled(s3: S3Client) -> None:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    reply = await s3.request("GET", f"/{BUCKET}?versioning")
    assert reply.status == 200
    assert reply.xml.tag == f"{S3_NS}VersioningConfiguration" and len(reply.xml) == 0


@pytest.mark.parametrize(("prefix", "delimiter", "max_keys"), [
    ("", "", 1000), ("dir0", "", 37), ("", "/", 50), ("dir05/", "/", 7), ("grp", "--", 3)])
async def test_version_pages_match_the_model(listed: S3Client, prefix: str, delimiter: str,
                                             max_keys: int) -> None:
    keys: list[str] = []
    prefixes: list[str] = []
    markers = ""
    while True:
        query = (f"versions&prefix={quote(prefix, safe='')}"
                 f"&delimiter={quote(delimiter, safe='')}&max-keys={max_keys}{markers}")
        page = await listed.request("GET", f"/{BUCKET}?{query}")
        assert page.status == 200, page.body
        versions = page.xml.findall(f"{S3_NS}Version")
        assert all(v.findtext(f"{S3_NS}VersionId") == "null" for v in versions)
        assert all(v.findtext(f"{S3_NS}IsLatest") == "true" for v in versions)
        assert page.xml.find(f"{S3_NS}DeleteMarker") is None
        keys += page.texts("Version/Key")
        prefixes += page.texts("CommonPrefixes/Prefix")
        if page.text("IsTruncated") == "false":
            break
        markers = f"&key-marker={quote(page.text('NextKeyMarker') or '', safe='')}"
        if page.text("NextVersionIdMarker") is not None:
            markers += f"&version-id-marker={page.text('NextVersionIdMarker')}"
    assert (keys, prefixes) == model_split(prefix=prefix, delimiter=delimiter)


async def test_version_fields_match_the_object_listing(listed: S3Client) -> None:
    versions = await listed.request("GET", f"/{BUCKET}?versions&max-keys=5")
    objects = await listed.request("GET", f"/{BUCKET}?max-keys=5")
    assert versions.text("NextKeyMarker") == SORTED[4]
    assert versions.text("NextVersionIdMarker") == "null"
    for field in ("Key", "ETag", "Size", "LastModified", "Owner/ID", "StorageClass"):
        assert versions.texts(f"Version/{field}") == objects.texts(f"Contents/{field}"), field


async def test_truncated_on_a_common_prefix(listed: S3Client) -> None:
    page = await listed.request("GET", f"/{BUCKET}?versions&prefix=dir0&delimiter=%2F&max-keys=1")
    assert page.texts("CommonPrefixes/Prefix") == ["dir00/"] and page.texts("Version/Key") == []
    assert page.text("NextKeyMarker") == "dir00/" and page.text("NextVersionIdMarker") is None


async def test_url_encoding_and_markers(listed: S3Client) -> None:
    page = await listed.request("GET", f"/{BUCKET}?versions&encoding-type=url&prefix=caf%C3%A9"
                                       "&key-marker=caf%C3%A9%2F&version-id-marker=null")
    assert page.status == 200, page.body
    assert page.text("KeyMarker") == "caf%C3%A9/" and page.text("VersionIdMarker") == "null"
    assert page.text("EncodingType") == "url"
    assert page.texts("Version/Key") == ["caf%C3%A9/cr%C3%A8me", "caf%C3%A9%C3%A9"]


@pytest.mark.parametrize(("query", "message"), [
    ("versions&version-id-marker=null",
     "A version-id marker cannot be specified without a key marker."),
    ("versions&key-marker=a&version-id-marker=3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
     "Invalid version id specified"),
    ("versions&max-keys=-1", "Argument max-keys must be an integer between 0 and 2147483647"),
    ("versions&encoding-type=xml", None),
])
async def test_bad_version_listing_arguments(s3: S3Client, query: str,
                                             message: str | None) -> None:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    reply = await s3.request("GET", f"/{BUCKET}?{query}")
    assert_error(reply, "InvalidArgument", 400)
    if message is not None:
        assert reply.xml.findtext("Message") == message


async def test_empty_bucket_lists_no_versions(s3: S3Client) -> None:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    page = await s3.request("GET", f"/{BUCKET}?versions")
    assert page.texts("Version/Key") == [] and page.text("IsTruncated") == "false"


@pytest.mark.parametrize("path", [f"/{BUCKET}?acl", f"/{BUCKET}/a/b?acl",
                                  f"/{BUCKET}/a/b?acl&versionId=null"])
async def test_acls_are_the_owners_full_control(s3: S3Client, path: str) -> None:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    await s3.put_object(BUCKET, "a/b", b"x")
    reply = await s3.request("GET", path)
    assert reply.status == 200, reply.body
    assert reply.text("Owner/ID") == canonical_id(ACCOUNT)
    grants = reply.xml.findall(f"{S3_NS}AccessControlList/{S3_NS}Grant")
    assert len(grants) == 1
    grantee = grants[0].find(f"{S3_NS}Grantee")
    assert grantee is not None and grantee.get(XSI_TYPE) == "CanonicalUser"
    assert grantee.findtext(f"{S3_NS}ID") == canonical_id(ACCOUNT)
    assert grants[0].findtext(f"{S3_NS}Permission") == "FULL_CONTROL"


@pytest.mark.parametrize("path", ["/absent?versioning", "/absent?versions", "/absent?acl",
                                  "/absent/k?acl"])
async def test_missing_bucket(s3: S3Client, path: str) -> None:
    reply = await s3.request("GET", path)
    assert_error(reply, "NoSuchBucket", 404)
    assert reply.xml.findtext("BucketName") == "absent"


async def test_missing_key_acl(s3: S3Client) -> None:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    reply = await s3.request("GET", f"/{BUCKET}/absent?acl")
    assert_error(reply, "NoSuchKey", 404)
    assert reply.xml.findtext("Key") == "absent"
    assert reply.xml.findtext("Resource") == f"/{BUCKET}/absent"
