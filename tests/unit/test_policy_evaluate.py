"""BucketPolicy.evaluate: principals, actions, resources and their Not* forms, Deny over Allow."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.policy import PolicyRequest
from tests.unit.policy_support import (
    ALICE, BOB, BUCKET_ARN, OBJECTS_ARN, policy, request, statement)


def decide(req: PolicyRequest, **fields: Any) -> str:
    return policy(statement(**fields)).evaluate(req)


@pytest.mark.parametrize(("principal", "account", "canonical", "decision"), [
    ("*", BOB, None, "allow"),
    ("*", None, None, "allow"),  # anonymous
    ({"AWS": "*"}, None, None, "allow"),
    ({"AWS": BOB}, BOB, None, "allow"),
    ({"AWS": f"arn:aws:iam::{BOB}:root"}, BOB, None, "allow"),
    ({"AWS": [ALICE, BOB]}, BOB, None, "allow"),
    ({"AWS": ALICE}, BOB, None, "default"),
    ({"AWS": BOB}, None, None, "default"),
    ({"CanonicalUser": "c-bob"}, BOB, "c-bob", "allow"),
    ({"CanonicalUser": "c-bob"}, ALICE, "c-alice", "default"),
    ({"CanonicalUser": "c-bob"}, None, None, "default"),
    ({"AWS": "c-bob"}, ALICE, "c-bob", "default"),  # an account is not a canonical id
    ({"Service": "logging.s3.amazonaws.com"}, BOB, None, "default"),
])
def test_principals(principal: Any, account: str | None, canonical: str | None,
                    decision: str) -> None:
    req = request(account=account, canonical=canonical)
    assert decide(req, principal=principal) == decision


@pytest.mark.parametrize(("account", "decision"), [(ALICE, "default"), (BOB, "deny"),
                                                   (None, "deny")])
def test_not_principal_denies_everyone_else(account: str | None, decision: str) -> None:
    req = request(account=account)
    assert decide(req, effect="Deny", principal=None,
                  NotPrincipal={"AWS": ALICE}) == decision


@pytest.mark.parametrize(("action", "req_action", "decision"), [
    ("s3:GetObject", "s3:GetObject", "allow"),
    ("s3:GetObject", "s3:getobject", "allow"),  # IAM actions are case-insensitive
    ("s3:getOBJECT", "s3:GetObject", "allow"),
    ("s3:Get*", "s3:GetObjectAcl", "allow"),
    ("s3:*Object", "s3:PutObject", "allow"),
    ("s3:?etObject", "s3:GetObject", "allow"),
    ("*", "s3:DeleteObject", "allow"),
    ("s3:*", "s3:DeleteObject", "allow"),
    ("s3:GetObject", "s3:PutObject", "default"),
    ("s3:Get*", "s3:PutObject", "default"),
    (["s3:PutObject", "s3:DeleteObject"], "s3:DeleteObject", "allow"),
])
def test_actions(action: Any, req_action: str, decision: str) -> None:
    assert decide(request(req_action), action=action) == decision


def test_not_action_covers_every_other_action() -> None:
    fields = {"action": None, "NotAction": "s3:DeleteObject", "resource": [BUCKET_ARN,
                                                                           OBJECTS_ARN]}
    assert decide(request("s3:GetObject"), **fields) == "allow"
    assert decide(request("s3:ListBucket", key=None), **fields) == "allow"
    assert decide(request("s3:DeleteObject"), **fields) == "default"


@pytest.mark.parametrize(("resource", "key", "decision"), [
    (OBJECTS_ARN, "a/b.jpg", "allow"),
    (f"{BUCKET_ARN}/public/*", "public/x", "allow"),
    (f"{BUCKET_ARN}/public/*", "private/x", "default"),
    (f"{BUCKET_ARN}/public/*", "public", "default"),
    (f"{BUCKET_ARN}/a?c", "abc", "allow"),
    (f"{BUCKET_ARN}/a?c", "abbc", "default"),
    (f"{BUCKET_ARN}/Case", "case", "default"),  # resources are case-sensitive
    (f"{BUCKET_ARN}/x.y", "xzy", "default"),  # only * and ? are special
    (f"{BUCKET_ARN}/line*", "line1\nline2", "allow"),
])
def test_object_resources(resource: str, key: str, decision: str) -> None:
    assert decide(request("s3:GetObject", key=key), resource=resource) == decision


def test_bucket_and_object_resources_are_apart() -> None:
    on_bucket = {"action": "s3:*", "resource": BUCKET_ARN}
    on_objects = {"action": "s3:*", "resource": OBJECTS_ARN}
    assert decide(request("s3:ListBucket", key=None), **on_bucket) == "allow"
    assert decide(request("s3:ListBucket", key=None), **on_objects) == "default"
    assert decide(request("s3:GetObject", key="k"), **on_bucket) == "default"


def test_not_resource_covers_everything_else() -> None:
    fields = {"effect": "Deny", "resource": None, "NotResource": f"{BUCKET_ARN}/public/*"}
    assert decide(request(key="secret"), **fields) == "deny"
    assert decide(request(key="public/a"), **fields) == "default"
    assert decide(request("s3:ListBucket", key=None), action="s3:*", effect="Deny",
                  resource=None, NotResource=f"{BUCKET_ARN}/public/*") == "deny"


def test_explicit_deny_beats_allow_in_any_order() -> None:
    allow, deny = statement(), statement("Deny", principal={"AWS": BOB})
    for ordered in ((allow, deny), (deny, allow)):
        assert policy(*ordered).evaluate(request(account=BOB)) == "deny"
        assert policy(*ordered).evaluate(request(account=ALICE)) == "allow"


def test_no_statement_applies_leaves_the_default() -> None:
    assert policy(statement(principal={"AWS": ALICE})).evaluate(request()) == "default"
    assert policy(statement("Deny", principal={"AWS": ALICE})).evaluate(
        request()) == "default"


def test_a_failed_condition_makes_a_deny_not_apply() -> None:
    deny_plain_http = statement("Deny", Condition={"Bool": {"aws:SecureTransport": "false"}})
    doc = policy(statement(), deny_plain_http)
    assert doc.evaluate(request(conditions={"aws:SecureTransport": ["true"]})) == "allow"
    assert doc.evaluate(request(conditions={"aws:SecureTransport": ["false"]})) == "deny"
