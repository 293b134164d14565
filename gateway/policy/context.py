"""The condition keys of one S3 request (``PolicyRequest.conditions``).

Built only for a bucket that has a policy, so requests to buckets without one
pay nothing. Keys follow AWS's documented spelling; a key the request does not
carry is left out (so ``Null`` and ``...IfExists`` see it as absent).

Who the caller is, for conditions and policy variables: a signed request acts
as its key's account, which plays the part of an AWS account's root, so
``aws:PrincipalType`` is ``Account``, ``aws:username`` the account's name (the
display name S3 shows, e.g. ``AUTH_test``) and ``aws:userid`` its canonical
user id; an anonymous request has ``aws:PrincipalType`` ``Anonymous`` and
``aws:userid`` ``anonymous``, and no ``aws:username``, as on AWS.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.s3request import S3Request

# Request headers S3 exposes as condition keys of the same name.
_HEADER_KEYS = (
    "x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
    "x-amz-grant-write-acp", "x-amz-grant-full-control", "x-amz-copy-source",
    "x-amz-metadata-directive", "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-storage-class",
    "x-amz-website-redirect-location", "x-amz-object-ownership", "x-amz-content-sha256",
    "if-match", "if-none-match")
# Query parameters of a listing S3 exposes as condition keys.
_QUERY_KEYS = (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"),
               ("max-keys", "s3:max-keys"), ("versionId", "s3:VersionId"))
_SIGNATURE_VERSIONS = {"v4": "AWS4-HMAC-SHA256", "v2": "AWS"}


def _add_identity(context: dict[str, list[str]], req: S3Request) -> None:
    principal = req.principal
    if principal.account is None:
        context["aws:PrincipalType"] = ["Anonymous"]
        context["aws:userid"] = ["anonymous"]
        return
    context["aws:PrincipalType"] = ["Account"]
    context["aws:username"] = [principal.account]
    context["aws:userid"] = [principal.canonical_id or ""]


def request_conditions(req: S3Request, now: datetime | None = None) -> dict[str, list[str]]:
    """The condition keys of ``req`` (``now``: the request's time, for tests)."""
    http = req.http
    moment = now or datetime.now(UTC)
    context: dict[str, list[str]] = {
        "aws:SecureTransport": ["true" if http.secure else "false"],
        "aws:CurrentTime": [moment.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:EpochTime": [str(int(moment.timestamp()))],
    }
    if http.remote:
        context["aws:SourceIp"] = [http.remote]
    headers = http.headers
    for header, key in (("Referer", "aws:Referer"), ("User-Agent", "aws:UserAgent")):
        if header in headers:
            context[key] = [headers[header]]
    for header in _HEADER_KEYS:
        if header in headers:
            context[f"s3:{header}"] = headers.getall(header)
    query = http.query
    for name, key in _QUERY_KEYS:
        if name in query:
            context[key] = [query[name]]
    _add_identity(context, req)
    if req.auth is not None:
        context["s3:signatureversion"] = [_SIGNATURE_VERSIONS.get(
            req.auth.signature_version, req.auth.signature_version)]
        context["s3:authType"] = [
            "REST-HEADER" if "Authorization" in headers else "REST-QUERY-STRING"]
        context["aws:PrincipalAccount"] = [req.auth.credential.account]
    return context
