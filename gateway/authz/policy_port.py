"""The bucket policy as the authorization point uses it: a small Protocol.

The policy package (``gateway.policy``: ``parse_policy(text, bucket)`` ->
``BucketPolicy`` whose ``evaluate(PolicyRequest)`` answers "allow", "deny" or
"default"; ``gateway.policy.request.PolicyRequest``; ``ACTIONS`` from named
operations to IAM actions) implements it. ``connect_policy`` is the one place
that reaches that package: until it is installed, no bucket can hold a policy
(PutBucketPolicy is NotImplemented), so every verdict is "default".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

from gateway.authz.identity import Principal

Verdict = Literal["allow", "deny", "default"]


class BucketPolicy(Protocol):
    def evaluate(self, req: Any) -> Verdict: ...  # req: gateway.policy.request.PolicyRequest


class PolicyPort(Protocol):
    """What the point needs of the policy package."""

    def parse(self, text: str, bucket: str) -> BucketPolicy: ...

    def request(self, principal: Principal, operation: str, resource: str,
                conditions: Mapping[str, Sequence[str]]) -> Any: ...


class _PolicyPackage:
    """``gateway.policy`` behind ``PolicyPort``."""

    def __init__(self, parse: Callable[[str, str], BucketPolicy], request_type: Any,
                 actions: Mapping[str, str]) -> None:
        self._parse = parse
        self._request_type = request_type
        self._actions = actions

    def parse(self, text: str, bucket: str) -> BucketPolicy:
        return self._parse(text, bucket)

    def request(self, principal: Principal, operation: str, resource: str,
                conditions: Mapping[str, Sequence[str]]) -> Any:
        return self._request_type(
            principal_account=principal.account, principal_canonical_id=principal.canonical_id,
            action=self._actions.get(operation, f"s3:{operation}"), resource=resource,
            conditions=conditions)


def connect_policy() -> PolicyPort | None:
    """THE WIRING POINT to ``gateway.policy`` (the policy branch): ``None`` while that
    package is not there, which is only possible while no policy can be stored."""
    try:
        from gateway.policy import ACTIONS, parse_policy  # type: ignore[attr-defined]
        from gateway.policy.request import PolicyRequest  # type: ignore[import-not-found]
    except ImportError:
        return None
    return _PolicyPackage(parse_policy, PolicyRequest, ACTIONS)


def resource_arn(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def condition_values(http: Any, signature_version: str | None, secure: bool
                     ) -> dict[str, list[str]]:
    """The condition keys S3 sets for a request (``http``: the aiohttp request)."""
    headers, query = http.headers, http.query
    values: dict[str, list[str]] = {
        "aws:SourceIp": [http.remote or ""],
        "aws:SecureTransport": ["true" if secure else "false"],
        "aws:CurrentTime": [datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")],
        "s3:authType": ["REST-HEADER" if "Authorization" in headers
                        else "REST-QUERY-STRING" if signature_version else ""],
    }
    if signature_version:
        values["s3:signatureversion"] = [
            "AWS4-HMAC-SHA256" if signature_version == "v4" else "AWS"]
    for header, key in (("User-Agent", "aws:UserAgent"), ("Referer", "aws:Referer"),
                        ("x-amz-acl", "s3:x-amz-acl")):
        if header in headers:
            values[key] = [headers[header]]
    for name in ("prefix", "delimiter", "max-keys"):
        if name in query:
            values[f"s3:{name}"] = [query[name]]
    return values
