"""is_public and the operation -> IAM action table."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.policy import is_public
from gateway.policy.actions import ACTIONS, KNOWN_ACTIONS, OWNER_ALWAYS_ALLOWED
from gateway.routing import NOT_IMPLEMENTED, ROUTES
from tests.unit.policy_support import BUCKET_ARN, policy, statement


@pytest.mark.parametrize(("fields", "public"), [
    ({}, True),
    ({"principal": {"AWS": "*"}}, True),
    ({"principal": {"AWS": "AUTH_bob"}}, False),
    ({"principal": {"CanonicalUser": "c1"}}, False),
    ({"principal": None, "NotPrincipal": {"AWS": "AUTH_bob"}}, True),
    ({"effect": "Deny"}, False),
    ({"Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}, False),
    ({"Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "0.0.0.0/0"]}}}, True),
    ({"Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}, True),
    ({"Condition": {"StringEquals": {"aws:SourceAccount": "123"}}}, False),
    ({"Condition": {"StringLike": {"aws:SourceArn": "arn:aws:s3:::x"}}}, False),
    ({"Condition": {"StringLike": {"aws:SourceArn": "arn:aws:s3:::*"}}}, True),
    ({"Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}, True),
    ({"action": "s3:ListBucket", "resource": BUCKET_ARN,
      "Condition": {"StringEquals": {"s3:prefix": "home/"}}}, True),
    ({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, True),
])
def test_is_public(fields: dict[str, Any], public: bool) -> None:
    assert is_public(policy(statement(**fields))) is public


def test_one_public_statement_makes_the_policy_public() -> None:
    private = statement(principal={"AWS": "AUTH_bob"})
    assert is_public(policy(private, statement())) is True
    assert is_public(policy(private, statement("Deny"))) is False


def test_every_named_operation_has_an_iam_action() -> None:
    operations = {route.operation for route in ROUTES + NOT_IMPLEMENTED}
    assert operations <= set(ACTIONS)
    s3_actions = {action for action in ACTIONS.values() if action.startswith("s3:")}
    assert s3_actions <= KNOWN_ACTIONS
    assert OWNER_ALWAYS_ALLOWED <= operations


@pytest.mark.parametrize(("operation", "action"), [
    ("ListObjectsV2", "s3:ListBucket"), ("ListObjects", "s3:ListBucket"),
    ("HeadBucket", "s3:ListBucket"), ("HeadObject", "s3:GetObject"),
    ("GetObject", "s3:GetObject"), ("UploadPart", "s3:PutObject"),
    ("UploadPartCopy", "s3:PutObject"), ("CopyObject", "s3:PutObject"),
    ("CompleteMultipartUpload", "s3:PutObject"), ("DeleteObjects", "s3:DeleteObject"),
    ("ListParts", "s3:ListMultipartUploadParts"),
    ("ListMultipartUploads", "s3:ListBucketMultipartUploads"),
    ("GetBucketAcl", "s3:GetBucketAcl"), ("PutObjectAcl", "s3:PutObjectAcl"),
    ("DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    ("GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
    ("ListBuckets", "s3:ListAllMyBuckets"),
])
def test_aws_permission_table(operation: str, action: str) -> None:
    assert ACTIONS[operation] == action
