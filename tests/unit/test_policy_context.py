"""request_conditions: the condition keys a policy sees for one request."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from gateway.auth.authenticate import AuthResult
from gateway.authz.identity import canonical_id
from gateway.credentials.base import Credential
from gateway.policy.context import request_conditions
from gateway.s3request import S3Request

NOW = datetime(2026, 12, 2, 6, 0, 0, tzinfo=UTC)


def s3_request(path: str, headers: dict[str, str], auth: AuthResult | None) -> S3Request:
    http = make_mocked_request("GET", path, headers=CIMultiDict(headers))
    return S3Request(http=http, request_id="r", bucket="b", key=None, auth=auth,
                     config=None, store=None)  # type: ignore[arg-type]


def test_a_signed_listing() -> None:
    auth = AuthResult(Credential("AK", "SK", "AUTH_bob"), "v4", "UNSIGNED-PAYLOAD")
    req = s3_request("/b?list-type=2&prefix=home%2F&delimiter=%2F&max-keys=10", {
        "Authorization": "AWS4-HMAC-SHA256 ...", "User-Agent": "boto3/1",
        "Referer": "https://example.com/", "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, auth)
    context = request_conditions(req, NOW)
    assert context == {
        "aws:SecureTransport": ["false"], "aws:CurrentTime": ["2026-12-02T06:00:00Z"],
        "aws:EpochTime": [str(int(NOW.timestamp()))], "aws:UserAgent": ["boto3/1"],
        "aws:Referer": ["https://example.com/"],
        "s3:x-amz-content-sha256": ["UNSIGNED-PAYLOAD"], "s3:prefix": ["home/"],
        "s3:delimiter": ["/"], "s3:max-keys": ["10"],
        "s3:signatureversion": ["AWS4-HMAC-SHA256"], "s3:authType": ["REST-HEADER"],
        "aws:PrincipalAccount": ["AUTH_bob"], "aws:PrincipalType": ["Account"],
        "aws:username": ["AUTH_bob"], "aws:userid": [canonical_id("AUTH_bob")],
    } | ({"aws:SourceIp": [req.http.remote]} if req.http.remote else {})


def test_a_presigned_v2_put_with_an_acl() -> None:
    auth = AuthResult(Credential("AK", "SK", "AUTH_bob"), "v2", None)
    req = s3_request("/b/k?Signature=x", {"x-amz-acl": "public-read"}, auth)
    context = request_conditions(req, NOW)
    assert context["s3:signatureversion"] == ["AWS"]
    assert context["s3:authType"] == ["REST-QUERY-STRING"]
    assert context["s3:x-amz-acl"] == ["public-read"]
    assert "s3:prefix" not in context


def test_an_anonymous_request_has_no_signature_keys() -> None:
    context = request_conditions(s3_request("/b/k", {}, None), NOW)
    assert not {"s3:signatureversion", "s3:authType", "aws:PrincipalAccount",
                "aws:UserAgent"} & set(context)


def test_an_anonymous_caller_is_anonymous() -> None:
    context = request_conditions(s3_request("/b", {}, None), NOW)
    assert context["aws:PrincipalType"] == ["Anonymous"]
    assert context["aws:userid"] == ["anonymous"]
    assert "aws:username" not in context
