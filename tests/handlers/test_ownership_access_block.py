"""Put/Get/DeleteBucketOwnershipControls and Put/Get/DeletePublicAccessBlock on a
``MemoryStore``."""

from __future__ import annotations

import pytest

from tests.handlers.conftest import ACCOUNT, S3Client, assert_error
from tests.integration.s3_support import md5_header as md5

BUCKET = "settings"


def controls(mode: str) -> bytes:
    return (f'<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>'
            f"<ObjectOwnership>{mode}</ObjectOwnership></Rule></OwnershipControls>").encode()


def block(**flags: str) -> bytes:
    inner = "".join(f"<{name}>{value}</{name}>" for name, value in flags.items())
    return f"<PublicAccessBlockConfiguration>{inner}</PublicAccessBlockConfiguration>".encode()


@pytest.fixture
async def bucket(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    return s3


async def put(s3: S3Client, query: str, body: bytes, bucket: str = BUCKET):  # noqa: ANN201
    return await s3.request("PUT", f"/{bucket}?{query}", body=body, headers=md5(body))


@pytest.mark.parametrize("mode", ["BucketOwnerEnforced", "BucketOwnerPreferred",
                                  "ObjectWriter"])
async def test_ownership_controls_round_trip(bucket: S3Client, mode: str) -> None:
    missing = await bucket.request("GET", f"/{BUCKET}?ownershipControls")
    assert_error(missing, "OwnershipControlsNotFoundError", 404)
    assert (await put(bucket, "ownershipControls", controls(mode))).status == 200
    got = await bucket.request("GET", f"/{BUCKET}?ownershipControls")
    assert got.status == 200 and got.texts("Rule/ObjectOwnership") == [mode]
    assert (await bucket.request("DELETE", f"/{BUCKET}?ownershipControls")).status == 204
    assert_error(await bucket.request("GET", f"/{BUCKET}?ownershipControls"),
                 "OwnershipControlsNotFoundError", 404)


@pytest.mark.parametrize("body", [
    controls("Everyone"), controls(""), b"<OwnershipControls/>", b"not xml",
    b"<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
    b"<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
    b"<Other><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></Other>",
])
async def test_bad_ownership_controls_are_malformed(bucket: S3Client, body: bytes) -> None:
    assert_error(await put(bucket, "ownershipControls", body), "MalformedXML", 400)
    assert await bucket.store.get_bucket_document(ACCOUNT, BUCKET, "ownership") is None


async def test_public_access_block_round_trip(bucket: S3Client) -> None:
    missing = await bucket.request("GET", f"/{BUCKET}?publicAccessBlock")
    assert_error(missing, "NoSuchPublicAccessBlockConfiguration", 404)
    assert missing.xml.findtext("BucketName") == BUCKET
    put_reply = await put(bucket, "publicAccessBlock",
                          block(BlockPublicAcls="true", RestrictPublicBuckets="false",
                                BlockPublicPolicy="true"))
    assert put_reply.status == 200, put_reply.body
    got = await bucket.request("GET", f"/{BUCKET}?publicAccessBlock")
    assert got.status == 200
    assert [(child.tag.split("}")[1], child.text) for child in got.xml] == [
        ("BlockPublicAcls", "true"), ("IgnorePublicAcls", "false"),
        ("BlockPublicPolicy", "true"), ("RestrictPublicBuckets", "false")]
    assert (await put(bucket, "publicAccessBlock", block(IgnorePublicAcls="true"))).status == 200
    again = await bucket.request("GET", f"/{BUCKET}?publicAccessBlock")
    assert again.texts("IgnorePublicAcls") == ["true"]
    assert again.texts("BlockPublicAcls") == ["false"]  # replaced, not merged
    assert (await bucket.request("DELETE", f"/{BUCKET}?publicAccessBlock")).status == 204
    assert_error(await bucket.request("GET", f"/{BUCKET}?publicAccessBlock"),
                 "NoSuchPublicAccessBlockConfiguration", 404)


@pytest.mark.parametrize("body", [
    block(BlockPublicAcls="yes"), block(BlockPublicAcls="TRUE"), block(Other="true"),
    b"<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
    b"<BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>", b"{}",
])
async def test_bad_access_blocks_are_malformed(bucket: S3Client, body: bytes) -> None:
    assert_error(await put(bucket, "publicAccessBlock", body), "MalformedXML", 400)
    assert await bucket.store.get_bucket_document(ACCOUNT, BUCKET, "public-access-block") is None


async def test_an_empty_access_block_is_refused(bucket: S3Client) -> None:
    reply = await put(bucket, "publicAccessBlock", block())
    assert_error(reply, "InvalidRequest", 400)
    assert reply.xml.findtext("Message") == "Must specify at least one configuration."


@pytest.mark.parametrize("query", ["ownershipControls", "publicAccessBlock"])
async def test_a_digest_is_required(bucket: S3Client, query: str) -> None:
    body = controls("ObjectWriter") if query == "ownershipControls" else block(
        BlockPublicAcls="true")
    reply = await bucket.request("PUT", f"/{BUCKET}?{query}", body=body)
    assert_error(reply, "InvalidRequest", 400)
    wrong = await bucket.request("PUT", f"/{BUCKET}?{query}", body=body, headers=md5(b""))
    assert_error(wrong, "BadDigest", 400)


@pytest.mark.parametrize(("method", "query"), [
    ("GET", "ownershipControls"), ("DELETE", "ownershipControls"),
    ("GET", "publicAccessBlock"), ("DELETE", "publicAccessBlock")])
async def test_a_missing_bucket(s3: S3Client, method: str, query: str) -> None:
    assert_error(await s3.request(method, f"/nobucket?{query}"), "NoSuchBucket", 404)


async def test_puts_on_a_missing_bucket(s3: S3Client) -> None:
    assert_error(await put(s3, "ownershipControls", controls("ObjectWriter"), "nobucket"),
                 "NoSuchBucket", 404)
    assert_error(await put(s3, "publicAccessBlock", block(BlockPublicAcls="true"), "nobucket"),
                 "NoSuchBucket", 404)
