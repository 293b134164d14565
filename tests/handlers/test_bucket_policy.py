"""Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus on a ``MemoryStore``."""

from __future__ import annotations

import json

import pytest

from tests.handlers.conftest import ACCOUNT, S3Client, assert_error
from tests.integration.s3_support import md5_header as md5

BUCKET = "policed"
PUBLIC_READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
TO_ONE_ACCOUNT = PUBLIC_READ.replace('"Principal": "*"', '"Principal": {"AWS": "AUTH_bob"}')


async def put_policy(s3: S3Client, text: str, bucket: str = BUCKET):  # noqa: ANN201
    body = text.encode()
    return await s3.request("PUT", f"/{bucket}?policy", body=body, headers=md5(body))


@pytest.fixture
async def bucket(s3: S3Client) -> S3Client:
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    return s3


async def test_round_trip(bucket: S3Client) -> None:
    assert_error(await bucket.request("GET", f"/{BUCKET}?policy"), "NoSuchBucketPolicy", 404)
    assert (await put_policy(bucket, PUBLIC_READ)).status == 204
    got = await bucket.request("GET", f"/{BUCKET}?policy")
    assert got.status == 200 and got.body == PUBLIC_READ.encode()
    assert got.headers["Content-Type"].startswith("application/json")
    assert (await put_policy(bucket, TO_ONE_ACCOUNT)).status == 204  # replaces
    assert (await bucket.request("GET", f"/{BUCKET}?policy")).body == TO_ONE_ACCOUNT.encode()
    assert (await bucket.request("DELETE", f"/{BUCKET}?policy")).status == 204
    assert_error(await bucket.request("GET", f"/{BUCKET}?policy"), "NoSuchBucketPolicy", 404)
    assert (await bucket.request("DELETE", f"/{BUCKET}?policy")).status == 204  # absent


async def test_policy_status(bucket: S3Client) -> None:
    missing = await bucket.request("GET", f"/{BUCKET}?policyStatus")
    assert_error(missing, "NoSuchBucketPolicy", 404)
    assert missing.xml.findtext("BucketName") == BUCKET
    await put_policy(bucket, PUBLIC_READ)
    status = await bucket.request("GET", f"/{BUCKET}?policyStatus")
    assert status.status == 200 and status.text("IsPublic") == "true"
    await put_policy(bucket, TO_ONE_ACCOUNT)
    assert (await bucket.request("GET", f"/{BUCKET}?policyStatus")).text("IsPublic") == "false"


@pytest.mark.parametrize(("text", "message"), [
    ("nope", "Policies must be valid JSON and the first byte must be '{'"),
    ('{"Statement": [{]}', "This policy contains invalid Json"),
    (PUBLIC_READ.replace("s3:GetObject", "s3:Fly"), "Policy has invalid action"),
    (PUBLIC_READ.replace(f":::{BUCKET}/", ":::elsewhere/"), "Policy has invalid resource"),
    (PUBLIC_READ.replace('"Sid": "read"', '"Sid": "' + "x" * 20_500 + '"'),
     "Policy exceeds the maximum allowed document size."),
    (PUBLIC_READ.replace('"Sid": "read"', '"Sid": "' + "x" * 100_000 + '"'),
     "Policy exceeds the maximum allowed document size."),
])
async def test_malformed_policies_are_refused_and_nothing_is_stored(
        bucket: S3Client, text: str, message: str) -> None:
    reply = await put_policy(bucket, text)
    assert_error(reply, "MalformedPolicy", 400)
    assert reply.xml.findtext("Message") == message
    assert await bucket.store.get_bucket_document(ACCOUNT, BUCKET, "policy") is None


async def test_a_body_that_is_not_utf8_is_malformed(bucket: S3Client) -> None:
    body = b'{"Version": "\xff"}'
    reply = await bucket.request("PUT", f"/{BUCKET}?policy", body=body, headers=md5(body))
    assert_error(reply, "MalformedPolicy", 400)


async def test_a_digest_is_required_and_checked(bucket: S3Client) -> None:
    body = PUBLIC_READ.encode()
    assert_error(await bucket.request("PUT", f"/{BUCKET}?policy", body=body),
                 "InvalidRequest", 400)
    wrong = await bucket.request("PUT", f"/{BUCKET}?policy", body=body, headers=md5(b"x"))
    assert_error(wrong, "BadDigest", 400)
    assert await bucket.store.get_bucket_document(ACCOUNT, BUCKET, "policy") is None


@pytest.mark.parametrize(("method", "query"), [
    ("GET", "policy"), ("DELETE", "policy"), ("GET", "policyStatus")])
async def test_a_missing_bucket(s3: S3Client, method: str, query: str) -> None:
    assert_error(await s3.request(method, f"/nobucket?{query}"), "NoSuchBucket", 404)


async def test_put_on_a_missing_bucket(s3: S3Client) -> None:
    assert_error(await put_policy(s3, PUBLIC_READ, "nobucket"), "NoSuchBucket", 404)


async def test_block_public_policy_refuses_only_public_policies(bucket: S3Client) -> None:
    block = (b"<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy>"
             b"</PublicAccessBlockConfiguration>")
    put = await bucket.request("PUT", f"/{BUCKET}?publicAccessBlock", body=block,
                               headers=md5(block))
    assert put.status == 200, put.body
    assert_error(await put_policy(bucket, PUBLIC_READ), "AccessDenied", 403)
    assert await bucket.store.get_bucket_document(ACCOUNT, BUCKET, "policy") is None
    assert (await put_policy(bucket, TO_ONE_ACCOUNT)).status == 204


LOCKED = "lockout"  # made by CreateBucket, so registered: its policy applies
DENY_EVERYONE_EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{LOCKED}", f"arn:aws:s3:::{LOCKED}/*"]}]})


@pytest.mark.parametrize("confirm", ["true", "false", "TRUE"])
async def test_confirm_remove_self_bucket_access_is_a_boolean_and_locks_nobody_out(
        s3: S3Client, confirm: str) -> None:
    assert (await s3.request("PUT", f"/{LOCKED}")).status == 200
    body = DENY_EVERYONE_EVERYTHING.encode()
    headers = {**md5(body), "x-amz-confirm-remove-self-bucket-access": confirm}
    reply = await s3.request("PUT", f"/{LOCKED}?policy", body=body, headers=headers)
    assert reply.status == 204, reply.body
    assert_error(await s3.request("GET", f"/{LOCKED}"), "AccessDenied", 403)  # denied
    got = await s3.request("GET", f"/{LOCKED}?policy")  # the owner keeps the policy
    assert got.body == body
    assert (await s3.request("DELETE", f"/{LOCKED}?policy")).status == 204
    assert (await s3.request("GET", f"/{LOCKED}")).status == 200


async def test_confirm_remove_self_bucket_access_refuses_a_non_boolean(
        bucket: S3Client) -> None:
    body = PUBLIC_READ.encode()
    headers = {**md5(body), "x-amz-confirm-remove-self-bucket-access": "yes"}
    reply = await bucket.request("PUT", f"/{BUCKET}?policy", body=body, headers=headers)
    assert_error(reply, "InvalidArgument", 400)
    assert reply.xml.findtext("ArgumentName") == "x-amz-confirm-remove-self-bucket-access"
    assert await bucket.store.get_bucket_document(ACCOUNT, BUCKET, "policy") is None
