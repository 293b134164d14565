"""The bucket policy, public access block and ownership as the authorization
point uses them: the one place that reaches ``gateway.policy``.

``PolicyPort`` is the small interface the point needs (parse a stored policy,
build a request's condition keys once and the ``PolicyRequest`` of each check); ``connect_policy`` gives the policy
package behind it (``parse_policy``, ``PolicyRequest``, ``actions.ACTIONS``,
``context.request_conditions``).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from gateway.authz.identity import Principal
from gateway.policy import PolicyRequest, is_public, parse_policy
from gateway.policy.actions import ACTIONS
from gateway.policy.context import request_conditions

Verdict = Literal["allow", "deny", "default"]


class BucketPolicy(Protocol):
    def evaluate(self, req: Any) -> Verdict: ...  # req: gateway.policy.PolicyRequest


class PolicyPort(Protocol):
    """What the point needs of the policy package."""

    def parse(self, text: str, bucket: str) -> BucketPolicy: ...

    def conditions(self, s3_request: Any) -> Any: ...

    def request(self, principal: Principal, operation: str, resource: str,
                conditions: Any) -> Any: ...

    def is_public(self, policy: BucketPolicy) -> bool: ...


class _PolicyPackage:
    """``gateway.policy`` behind ``PolicyPort``."""

    def parse(self, text: str, bucket: str) -> BucketPolicy:
        return parse_policy(text, bucket)

    def conditions(self, s3_request: Any) -> Any:
        return request_conditions(s3_request)

    def request(self, principal: Principal, operation: str, resource: str,
                conditions: Any) -> Any:
        return PolicyRequest(
            principal_account=principal.account, principal_canonical_id=principal.canonical_id,
            action=ACTIONS.get(operation, f"s3:{operation}"), resource=resource,
            conditions=conditions)

    def is_public(self, policy: BucketPolicy) -> bool:
        return is_public(policy)  # type: ignore[arg-type]


def connect_policy() -> PolicyPort:
    """The policy package (``gateway.policy``) as the point uses it."""
    return _PolicyPackage()


def resource_arn(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"
