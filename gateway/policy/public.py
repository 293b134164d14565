"""Whether a bucket policy is "public", as S3 defines it for GetBucketPolicyStatus
and BlockPublicPolicy.

A policy is public when one of its Allow statements grants to everyone
(``"*"``, ``{"AWS": "*"}``, or any ``NotPrincipal``) without a condition that
pins the caller: ``aws:SourceIp`` limited to CIDRs (``IpAddress``, not the
whole address space), or a fixed value (no wildcard, no ``IfExists``) of
``aws:SourceArn``, ``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:SourceOwner``,
``aws:SourceAccount``, ``aws:PrincipalAccount``, ``aws:PrincipalOrgID``,
``aws:PrincipalArn``, ``aws:userid`` or
``s3:x-amz-server-side-encryption-aws-kms-key-id``. Deny statements never make a
policy public.
"""

from __future__ import annotations

import ipaddress

from gateway.policy.conditions import Condition
from gateway.policy.document import BucketPolicy
from gateway.policy.patterns import has_wildcard
from gateway.policy.statements import Statement

_PINNING_KEYS = frozenset({
    "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner",
    "aws:SourceAccount", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalArn",
    "aws:userid", "s3:x-amz-server-side-encryption-aws-kms-key-id"})
_FIXED_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike",
                              "ArnEquals", "ArnLike"})


def _pins_caller(condition: Condition) -> bool:
    if condition.if_exists or condition.negated or condition.qualifier:
        return False
    if condition.key == "aws:SourceIp":
        return condition.operator == "IpAddress" and all(
            ipaddress.ip_network(value, strict=False).prefixlen > 0
            for value in condition.values)
    return (condition.key in _PINNING_KEYS and condition.operator in _FIXED_OPERATORS
            and not any(has_wildcard(value) or "${" in value for value in condition.values))


def statement_is_public(statement: Statement) -> bool:
    if not statement.allow:
        return False
    to_everyone = statement.not_principal or statement.principals.everyone
    return to_everyone and not any(_pins_caller(c) for c in statement.conditions)


def is_public(policy: BucketPolicy) -> bool:
    return any(statement_is_public(statement) for statement in policy.statements)
