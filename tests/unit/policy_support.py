"""Building bucket policies and policy requests for the policy tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from gateway.policy import BucketPolicy, PolicyRequest, parse_policy

BUCKET = "photos"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
OBJECTS_ARN = f"arn:aws:s3:::{BUCKET}/*"
ALICE, BOB = "AUTH_alice", "AUTH_bob"


def statement(effect: str = "Allow", principal: Any = "*", action: Any = "s3:GetObject",
              resource: Any = OBJECTS_ARN, **extra: Any) -> dict[str, Any]:
    """A statement; ``None`` leaves a field out, ``extra`` adds (NotAction=...) fields."""
    fields = {"Effect": effect, "Principal": principal, "Action": action,
              "Resource": resource, **extra}
    return {name: value for name, value in fields.items() if value is not None}


def policy_text(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    return json.dumps({"Version": version, "Statement": list(statements)})


def policy(*statements: dict[str, Any]) -> BucketPolicy:
    return parse_policy(policy_text(*statements), BUCKET)


def request(action: str = "s3:GetObject", key: str | None = "k", account: str | None = BOB,
            canonical: str | None = None,
            conditions: Mapping[str, Sequence[str]] | None = None) -> PolicyRequest:
    resource = BUCKET_ARN if key is None else f"{BUCKET_ARN}/{key}"
    if account is not None and canonical is None:
        canonical = f"canonical-{account}"
    return PolicyRequest(account, canonical, action, resource, conditions or {})
