"""parse_policy: what S3 accepts as a bucket policy and the MalformedPolicy it answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway import errors
from gateway.policy import MAX_POLICY_BYTES, parse_policy
from tests.unit.policy_support import (
    BUCKET, BUCKET_ARN, OBJECTS_ARN, policy, policy_text, statement)


def malformed_message(text: str) -> str:
    with pytest.raises(errors.S3Error) as caught:
        parse_policy(text, BUCKET)
    assert (caught.value.code, caught.value.status) == ("MalformedPolicy", 400)
    return caught.value.detail


def statement_message(**fields: Any) -> str:
    return malformed_message(policy_text(statement(**fields)))


def test_a_valid_policy_keeps_its_text_and_statements() -> None:
    text = policy_text(statement(Sid="read"), statement("Deny", action="s3:DeleteObject"))
    parsed = parse_policy(text, BUCKET)
    assert parsed.text == text and parsed.version == "2012-10-17"
    assert [(s.sid, s.allow) for s in parsed.statements] == [("read", True), (None, False)]


def test_a_single_statement_object_and_the_old_version_are_accepted() -> None:
    text = json.dumps({"Version": "2008-10-17", "Id": "p1", "Statement": statement()})
    assert len(parse_policy(text, BUCKET).statements) == 1
    no_version = json.dumps({"Statement": [statement()]})
    assert parse_policy(no_version, BUCKET).version == "2008-10-17"


@pytest.mark.parametrize(("text", "message"), [
    ("", "Policies must be valid JSON and the first byte must be '{'"),
    ("[1, 2]", "Policies must be valid JSON and the first byte must be '{'"),
    ("not json", "Policies must be valid JSON and the first byte must be '{'"),
    ('{"Version": "2012-10-17", "Statement": [', "This policy contains invalid Json"),
    ('{"Version": "2012-10-17"}', "Missing required field Statement"),
    ('{"Version": "2012-10-17", "Statement": []}',
     "Could not parse the policy: Statement is empty!"),
    ('{"Version": "2020-01-01", "Statement": []}',
     "The policy must contain a valid version string"),
    ('{"Version": "2012-10-17", "Statement": [], "Extra": 1}', "Unknown field Extra"),
])
def test_document_errors(text: str, message: str) -> None:
    assert malformed_message(text) == message


def test_a_policy_over_20_kb_is_refused_and_one_at_the_limit_is_not() -> None:
    base = policy_text(statement(Sid="x"))
    padded = base.replace('"x"', '"' + "x" * (MAX_POLICY_BYTES - len(base) + 1) + '"')
    assert len(padded.encode()) == MAX_POLICY_BYTES
    assert parse_policy(padded, BUCKET).statements[0].sid is not None
    too_big = padded.replace('"x', '"xy', 1)
    assert malformed_message(too_big) == "Policy exceeds the maximum allowed document size."


@pytest.mark.parametrize(("fields", "message"), [
    ({"effect": None}, "Missing required field Effect"),
    ({"effect": "Maybe"}, "Invalid effect: Maybe"),
    ({"principal": None}, "Missing required field Principal"),
    ({"action": None}, "Missing required field Action"),
    ({"resource": None}, "Missing required field Resource"),
    ({"Colour": "blue"}, "Unknown field Colour"),
    ({"action": "s3:GetObjekt"}, "Policy has invalid action"),
    ({"action": "iam:PassRole"}, "Policy has invalid action"),
    ({"action": "s3:Nothing*"}, "Policy has invalid action"),
    ({"action": []}, "Policy has invalid action"),
    ({"action": 5}, "Policy has invalid action"),
    ({"resource": "arn:aws:s3:::other/*"}, "Policy has invalid resource"),
    ({"resource": "arn:aws:s3:::*"}, "Policy has invalid resource"),
    ({"resource": "*"}, "Policy has invalid resource"),
    ({"resource": f"arn:aws:s3:::{BUCKET}x/*"}, "Policy has invalid resource"),
    ({"resource": "arn:aws:iam::123:root"}, "Policy has invalid resource"),
    ({"resource": [OBJECTS_ARN, "arn:aws:s3:::other"]}, "Policy has invalid resource"),
    ({"action": "s3:GetObject", "resource": BUCKET_ARN},
     "Action does not apply to any resource(s) in statement"),
    ({"action": "s3:ListBucket", "resource": OBJECTS_ARN},
     "Action does not apply to any resource(s) in statement"),
    ({"action": "s3:ListAllMyBuckets", "resource": [BUCKET_ARN, OBJECTS_ARN]},
     "Action does not apply to any resource(s) in statement"),
    ({"principal": {"AWS": "arn:aws:iam::123:user/bob"}}, "Invalid principal in policy"),
    ({"principal": {"AWS": "AUTH_*"}}, "Invalid principal in policy"),
    ({"principal": {"AWS": []}}, "Invalid principal in policy"),
    ({"principal": {"Federated": "x"}}, "Invalid principal in policy"),
    ({"principal": {"CanonicalUser": "ab*"}}, "Invalid principal in policy"),
    ({"principal": "someone"}, "Invalid principal in policy"),
    ({"NotPrincipal": {"AWS": "AUTH_a"}}, "Invalid principal in policy"),
    ({"NotAction": "s3:PutObject"}, "Policy has invalid action"),
    ({"NotResource": OBJECTS_ARN}, "Policy has invalid resource"),
    ({"Condition": {"StringEqualz": {"s3:prefix": "a"}}},
     "Invalid Condition type : StringEqualz"),
    ({"Condition": {"ForSomeValues:StringEquals": {"s3:prefix": "a"}}},
     "Invalid Condition type : ForSomeValues:StringEquals"),
    ({"Condition": {"StringEquals": {"s3:colour": "a"}}}, "Policy has an invalid condition key"),
    ({"Condition": {"StringEquals": {"nokey": "a"}}}, "Policy has an invalid condition key"),
    ({"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}},
     "Invalid IP address in Conditions"),
])
def test_statement_errors(fields: dict[str, Any], message: str) -> None:
    assert statement_message(**fields) == message


@pytest.mark.parametrize("condition", [
    {"NumericLessThan": {"s3:max-keys": "ten"}},
    {"DateLessThan": {"aws:CurrentTime": "yesterday"}},
    {"DateLessThan": {"aws:CurrentTime": "1e400"}},
    {"DateLessThan": {"aws:CurrentTime": "99999999999999"}},
    {"Bool": {"aws:SecureTransport": "maybe"}},
    {"Null": {"s3:prefix": ["true", "false"]}},
    {"StringEquals": {"s3:prefix": []}},
    {"StringEquals": {"s3:prefix": {"nested": 1}}},
    {"StringEquals": {}},
    {"StringEquals": "s3:prefix"},
])
def test_bad_condition_values_are_malformed(condition: dict[str, Any]) -> None:
    statement_message(action="s3:ListBucket", resource=BUCKET_ARN, Condition=condition)


def test_duplicate_sids_are_refused() -> None:
    text = policy_text(statement(Sid="a"), statement(Sid="a"))
    assert malformed_message(text) == "Statement IDs (SID) in a single policy must be unique."


@pytest.mark.parametrize("fields", [
    {"action": "*", "resource": [BUCKET_ARN, OBJECTS_ARN]},
    {"action": "s3:*", "resource": BUCKET_ARN},
    {"action": "S3:getobject"},
    {"action": ["s3:Get*", "s3:List*"], "resource": [BUCKET_ARN, OBJECTS_ARN]},
    {"action": "s3:Get*", "resource": BUCKET_ARN},  # GetBucketAcl is a bucket action
    {"action": None, "NotAction": "s3:DeleteObject"},
    {"resource": None, "NotResource": f"{OBJECTS_ARN}/private/*"},
    {"principal": None, "NotPrincipal": {"AWS": ["AUTH_a", "arn:aws:iam::AUTH_b:root"]},
     "effect": "Deny"},
    {"principal": {"AWS": ["AUTH_a", "arn:aws:iam::AUTH_b:root"], "CanonicalUser": "c1",
                   "Service": "logging.s3.amazonaws.com"}},
    {"principal": {"AWS": "*"}},
    {"resource": f"arn:aws:s3:::{BUCKET}/a?c/*"},
    {"action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
     "resource": [BUCKET_ARN, OBJECTS_ARN],
     "Condition": {"StringLikeIfExists": {"S3:ExistingObjectTag/Team": "x*"},
                   "ForAllValues:StringEquals": {"aws:RequestTag/Env": ["a", "b"]},
                   "NumericGreaterThanEquals": {"s3:max-keys": 5},
                   "Bool": {"aws:SecureTransport": True},
                   "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                   "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                   "Null": {"s3:x-amz-acl": "true"},
                   "StringEquals": {"aws:SomeFutureKey": "x"}}},
])
def test_accepted_statements(fields: dict[str, Any]) -> None:
    assert len(policy(statement(**fields)).statements) == 1


@pytest.mark.parametrize(("fields", "refused"), [
    ({"Condition": {"StringEquals": {"s3:prefix": "home/"}}}, True),  # GetObject lists nothing
    ({"action": "s3:ListBucket", "resource": BUCKET_ARN,
      "Condition": {"StringEquals": {"s3:prefix": "home/"}}}, False),
    ({"action": ["s3:GetObject", "s3:ListBucket"], "resource": [BUCKET_ARN, OBJECTS_ARN],
      "Condition": {"StringEquals": {"s3:max-keys": "5"}}}, False),  # one action has it
    ({"action": "s3:ListBucket", "resource": BUCKET_ARN,
      "Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}}, True),
    ({"action": "s3:PutObject", "Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}},
     False),
    ({"action": "s3:PutObject",
      "Condition": {"StringEquals": {"s3:RequestObjectTag/team": "red"}}}, False),
    ({"action": "s3:DeleteObject",
      "Condition": {"StringEquals": {"s3:RequestObjectTag/team": "red"}}}, True),
    ({"action": "s3:GetObject", "Condition": {"Null": {"s3:VersionId": "true"}}}, True),
    ({"action": "s3:*", "Condition": {"StringEquals": {"s3:x-amz-copy-source": "a/b"}}},
     False),
    # Keys of every action, and global keys, fit any statement.
    ({"Condition": {"StringEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256",
                                     "aws:SourceIp": "x", "s3:authType": "REST-HEADER"}}},
     False),
    ({"action": None, "NotAction": "s3:ListBucket",  # NotAction: nothing to check against
      "Condition": {"StringEquals": {"s3:prefix": "home/"}}}, False),
])
def test_condition_keys_must_apply_to_the_statements_actions(fields: dict[str, Any],
                                                               refused: bool) -> None:
    text = policy_text(statement(**fields))
    if refused:
        assert malformed_message(text) == ("Conditions do not apply to combination of "
                                           "actions and resources in statement")
    else:
        assert len(parse_policy(text, BUCKET).statements) == 1
