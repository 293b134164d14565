"""Bucket policy, ownership controls and public access block through boto3, stored in
the real Swift: round trips, the S3 errors for what is missing or malformed, and
BlockPublicPolicy. (Who may call them, and enforcement, come with the ACL branch.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.s3_support import error_message_of, error_of


def public_read(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
        "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{bucket}/*"]}]})


def one_account(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::AUTH_other:root"},
        "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {"StringLike": {"s3:prefix": "shared/*"}}}]})


def test_policy_round_trip_and_status(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3_client.get_bucket_policy(Bucket=bucket)
    assert error_of(missing) == ("NoSuchBucketPolicy", 404)
    policy = public_read(bucket)
    s3_client.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert s3_client.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    status = s3_client.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]
    assert status == {"IsPublic": True}
    s3_client.put_bucket_policy(Bucket=bucket, Policy=one_account(bucket))
    assert s3_client.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {
        "IsPublic": False}
    s3_client.delete_bucket_policy(Bucket=bucket)
    for call in (s3_client.get_bucket_policy, s3_client.get_bucket_policy_status):
        with pytest.raises(ClientError) as gone:
            call(Bucket=bucket)
        assert error_of(gone) == ("NoSuchBucketPolicy", 404)


def test_malformed_policy_is_refused(s3_client: Any, bucket: str) -> None:
    bad = public_read(bucket).replace("s3:GetObject", "s3:GetObjects")
    with pytest.raises(ClientError) as refused:
        s3_client.put_bucket_policy(Bucket=bucket, Policy=bad)
    assert error_message_of(refused) == ("MalformedPolicy", "Policy has invalid action")
    with pytest.raises(ClientError) as missing:
        s3_client.get_bucket_policy(Bucket=bucket)
    assert error_of(missing) == ("NoSuchBucketPolicy", 404)


def test_ownership_controls(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3_client.get_bucket_ownership_controls(Bucket=bucket)
    assert error_of(missing) == ("OwnershipControlsNotFoundError", 404)
    rules = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    s3_client.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=rules)
    got = s3_client.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert got == rules
    with pytest.raises(ClientError) as bad:
        s3_client.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "Anyone"}]})
    assert error_of(bad) == ("MalformedXML", 400)
    assert s3_client.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"] == rules
    s3_client.delete_bucket_ownership_controls(Bucket=bucket)
    with pytest.raises(ClientError) as gone:
        s3_client.get_bucket_ownership_controls(Bucket=bucket)
    assert error_of(gone) == ("OwnershipControlsNotFoundError", 404)


def test_public_access_block_and_block_public_policy(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3_client.get_public_access_block(Bucket=bucket)
    assert error_of(missing) == ("NoSuchPublicAccessBlockConfiguration", 404)
    config = {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
              "RestrictPublicBuckets": False}
    s3_client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
    got = s3_client.get_public_access_block(Bucket=bucket)
    assert got["PublicAccessBlockConfiguration"] == config
    with pytest.raises(ClientError) as blocked:
        s3_client.put_bucket_policy(Bucket=bucket, Policy=public_read(bucket))
    assert error_of(blocked) == ("AccessDenied", 403)
    s3_client.put_bucket_policy(Bucket=bucket, Policy=one_account(bucket))  # not public
    s3_client.delete_public_access_block(Bucket=bucket)
    s3_client.put_bucket_policy(Bucket=bucket, Policy=public_read(bucket))
    assert s3_client.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"]

