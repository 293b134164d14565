"""Policy variables in Resource and condition values: parsed once, rendered per request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.policy import parse_policy
from gateway.policy.variables import Rendered, parse_template
from tests.unit.policy_support import (
    BOB, BUCKET, BUCKET_ARN, policy, policy_text, request, statement)

HOME = f"{BUCKET_ARN}/home/${{aws:username}}/*"
BOB_CONTEXT = {"aws:username": [BOB], "aws:userid": ["c-bob"]}


def test_templates() -> None:
    assert parse_template("plain/*") is None
    template = parse_template("a/${aws:username}/${*}${?}${$}/${s3:prefix, 'it''s'}")
    assert template is not None
    assert template.render({"aws:username": ["u*"]}) == Rendered(
        "a/u*/*?$/it's", frozenset({3, 5, 6}))  # the value's star and the escapes
    assert template.render({}) is None  # aws:username has no value
    assert parse_template("${AWS:UserName}").render(BOB_CONTEXT).text == BOB  # any case
    for unresolvable in ("${}", "${aws:username, nobody}", "${s3:nosuchkey}",
                         "${aws:userid"):  # the last: no variable, plain text
        template = parse_template(unresolvable)
        if template is not None:
            assert template.render(BOB_CONTEXT) is None, unresolvable
    assert parse_template("${aws:SourceIp}").render({"aws:SourceIp": ["a", "b"]}) is None


@pytest.mark.parametrize(("key", "context", "decision"), [
    (f"home/{BOB}/notes", BOB_CONTEXT, "allow"),
    ("home/AUTH_alice/notes", BOB_CONTEXT, "default"),
    (f"home/{BOB}/notes", {}, "default"),  # anonymous: no aws:username
])
def test_a_resource_with_a_variable(key: str, context: dict[str, list[str]],
                                    decision: str) -> None:
    req = request(key=key, conditions=context)
    assert policy(statement(resource=HOME)).evaluate(req) == decision


def test_a_substituted_value_is_literal_and_escapes_are_characters() -> None:
    starry = {"aws:username": ["*"]}
    assert policy(statement(resource=HOME)).evaluate(
        request(key="home/AUTH_x/k", conditions=starry)) == "default"  # no wildcard
    assert policy(statement(resource=HOME)).evaluate(
        request(key="home/*/k", conditions=starry)) == "allow"
    literal = policy(statement(resource=f"{BUCKET_ARN}/a${{*}}b"))
    assert literal.evaluate(request(key="a*b")) == "allow"
    assert literal.evaluate(request(key="axxb")) == "default"


@pytest.mark.parametrize(("operator", "values", "prefix", "decision"), [
    ("StringLike", "home/${aws:username}/*", f"home/{BOB}/x", "allow"),
    ("StringLike", "home/${aws:username}/*", "home/other/x", "default"),
    ("StringEquals", "${aws:userid}", "c-bob", "allow"),
    ("StringNotEquals", "${aws:userid}", "c-bob", "default"),
    ("StringNotEquals", "${aws:userid}", "other", "allow"),
    ("StringEquals", ["fixed", "${aws:username}"], "fixed", "allow"),
    # A variable without a value makes the statement invalid, negated or not.
    ("StringNotEquals", "${aws:PrincipalTag/team}", "other", "default"),
    ("StringEquals", "${aws:PrincipalTag/team, 'ops'}", "ops", "allow"),
])
def test_condition_values_with_variables(operator: str, values: Any, prefix: str,
                                         decision: str) -> None:
    condition = {operator: {"s3:prefix": values}}
    listing = policy(statement(action="s3:ListBucket", resource=BUCKET_ARN,
                               Condition=condition))
    req = request("s3:ListBucket", key=None,
                  conditions={**BOB_CONTEXT, "s3:prefix": [prefix]})
    assert listing.evaluate(req) == decision


def test_a_deny_with_an_unresolved_variable_denies_nothing() -> None:
    deny = policy(statement(effect="Deny", resource=HOME))
    assert deny.evaluate(request(key="home/x/k", conditions={})) == "default"


def test_other_operators_and_old_policies_read_variables_as_text() -> None:
    numeric = {"NumericLessThan": {"s3:max-keys": "${aws:username}"}}
    with pytest.raises(Exception, match="Invalid value for condition"):
        policy(statement(action="s3:ListBucket", resource=BUCKET_ARN, Condition=numeric))
    old = parse_policy(policy_text(statement(resource=HOME), version="2008-10-17"), BUCKET)
    assert old.evaluate(request(key="home/${aws:username}/k", conditions=BOB_CONTEXT)) \
        == "allow"
    assert old.evaluate(request(key=f"home/{BOB}/k", conditions=BOB_CONTEXT)) == "default"
    assert json.loads(old.text)["Version"] == "2008-10-17"
