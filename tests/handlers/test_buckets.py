"""ListBuckets, CreateBucket, HeadBucket, DeleteBucket and GetBucketLocation on a
``MemoryStore``: the S3 decisions, headers and error documents, without Swift."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from gateway.authz.identity import canonical_id
from tests.handlers.conftest import ACCOUNT, S3Client, assert_error


async def test_list_buckets_empty_account_names_owner(s3: S3Client) -> None:
    reply = await s3.request("GET", "/")
    assert reply.status == 200
    assert reply.texts("Buckets/Bucket/Name") == []
    assert reply.text("Owner/ID") == canonical_id(ACCOUNT)
    assert reply.text("Owner/DisplayName") == ACCOUNT


async def test_list_buckets_in_name_order_with_creation_dates(s3: S3Client) -> None:
    for name in ("zeta", "alpha", "mid-1"):
        assert (await s3.request("PUT", f"/{name}")).status == 200
    reply = await s3.request("GET", "/")
    assert reply.texts("Buckets/Bucket/Name") == ["alpha", "mid-1", "zeta"]
    dates = reply.texts("Buckets/Bucket/CreationDate")
    assert all(len(date) == 24 and date.endswith("Z") for date in dates), dates


async def test_create_bucket_answers_location(s3: S3Client) -> None:
    reply = await s3.request("PUT", "/new-bucket")
    assert reply.status == 200
    assert reply.headers["Location"] == "/new-bucket"
    assert [b.name for b in await s3.store.list_buckets(ACCOUNT)] == ["new-bucket"]


async def test_recreating_your_bucket_in_us_east_1_keeps_it(s3: S3Client) -> None:
    await s3.request("PUT", "/mine")
    await s3.put_object("mine", "kept", b"data")
    reply = await s3.request("PUT", "/mine")
    assert reply.status == 200 and reply.headers["Location"] == "/mine"
    assert (await s3.request("GET", "/mine/kept")).body == b"data"


@pytest.mark.parametrize("name", ["UpperCase", "ab", "a" * 64, "192.168.5.4", "a..b",
                                  "-leading-dash", "trailing-dash-", "xn--punycode",
                                  "under_score", "dot-.dash", ".leading-dot"])
async def test_invalid_bucket_names(s3: S3Client, name: str) -> None:
    reply = await s3.request("PUT", "/" + quote(name, safe=""))
    assert_error(reply, "InvalidBucketName", 400)
    assert reply.xml.findtext("BucketName") == name
    assert await s3.store.list_buckets(ACCOUNT) == []


@pytest.mark.parametrize("name", ["abc", "a" * 63, "a.b-c.d", "0-9", "1.2.3.4.5"])
async def test_valid_bucket_names_at_the_limits(s3: S3Client, name: str) -> None:
    assert (await s3.request("PUT", f"/{name}")).status == 200


@pytest.mark.parametrize(("location", "code"), [
    ("eu-west-1", "IllegalLocationConstraintException"),
    ("EU", "IllegalLocationConstraintException"),
    ("not-a-region", "InvalidLocationConstraint"),
])
async def test_create_with_other_location_constraint(s3: S3Client, location: str,
                                                     code: str) -> None:
    body = (f"<CreateBucketConfiguration><LocationConstraint>{location}"
            f"</LocationConstraint></CreateBucketConfiguration>").encode()
    reply = await s3.request("PUT", "/located", body=body)
    assert_error(reply, code, 400)
    assert await s3.store.list_buckets(ACCOUNT) == []


async def test_create_with_matching_location_constraint(s3: S3Client) -> None:
    body = (b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>")
    assert (await s3.request("PUT", "/located", body=body)).status == 200


async def test_create_with_malformed_xml(s3: S3Client) -> None:
    reply = await s3.request("PUT", "/located", body=b"this is not xml at all")
    assert_error(reply, "MalformedXML", 400)
    assert await s3.store.list_buckets(ACCOUNT) == []


async def test_head_bucket_region_headers(s3: S3Client) -> None:
    await s3.request("PUT", "/here")
    reply = await s3.request("HEAD", "/here")
    assert reply.status == 200
    assert reply.headers["x-amz-bucket-region"] == "us-east-1"
    assert reply.headers["x-amz-access-point-alias"] == "false"


async def test_head_missing_bucket_is_bodiless_404(s3: S3Client) -> None:
    reply = await s3.request("HEAD", "/absent")
    assert reply.status == 404
    assert reply.body == b""
    assert reply.headers["x-amz-request-id"]


async def test_delete_bucket(s3: S3Client) -> None:
    await s3.request("PUT", "/gone")
    reply = await s3.request("DELETE", "/gone")
    assert reply.status == 204
    assert (await s3.request("HEAD", "/gone")).status == 404


async def test_delete_missing_bucket(s3: S3Client) -> None:
    reply = await s3.request("DELETE", "/absent")
    assert_error(reply, "NoSuchBucket", 404)
    assert reply.xml.findtext("BucketName") == "absent"


async def test_delete_non_empty_bucket(s3: S3Client) -> None:
    await s3.request("PUT", "/full")
    await s3.put_object("full", "a-key", b"data")
    reply = await s3.request("DELETE", "/full")
    assert_error(reply, "BucketNotEmpty", 409)
    assert reply.xml.findtext("BucketName") == "full"
    await s3.store.delete_object(ACCOUNT, "full", "a-key")
    assert (await s3.request("DELETE", "/full")).status == 204


async def test_get_bucket_location_is_empty_for_us_east_1(s3: S3Client) -> None:
    await s3.request("PUT", "/here")
    reply = await s3.request("GET", "/here?location")
    assert reply.status == 200
    assert reply.xml.tag.endswith("LocationConstraint")
    assert (reply.xml.text or "") == ""


async def test_get_bucket_location_missing(s3: S3Client) -> None:
    assert_error(await s3.request("GET", "/absent?location"), "NoSuchBucket", 404)


async def test_buckets_of_other_accounts_are_invisible(s3: S3Client) -> None:
    await s3.store.create_bucket("AUTH_other", "theirs")
    assert (await s3.request("GET", "/")).texts("Buckets/Bucket/Name") == []
    assert_error(await s3.request("GET", "/theirs?location"), "NoSuchBucket", 404)


async def test_virtual_hosted_style(s3: S3Client) -> None:
    assert (await s3.request("PUT", "/", virtual_host="vhost-bucket")).status == 200
    head = await s3.request("HEAD", "/", virtual_host="vhost-bucket")
    assert head.status == 200 and head.headers["x-amz-bucket-region"] == "us-east-1"
    await s3.put_object("vhost-bucket", "a/b", b"x")
    listing = await s3.request("GET", "/?list-type=2", virtual_host="vhost-bucket")
    assert listing.text("Name") == "vhost-bucket" and listing.texts("Contents/Key") == ["a/b"]
    assert_error(await s3.request("GET", "/?location", virtual_host="absent-bucket"),
                 "NoSuchBucket", 404)
