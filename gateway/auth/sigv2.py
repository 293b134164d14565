"""AWS Signature Version 2 for S3 (HMAC-SHA1): header and presigned query.

Still used by older tools (s3cmd, boto2, some appliances). Pure functions; the
aiohttp glue is in ``authenticate.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from multidict import MultiMapping

from gateway.auth.sigv4 import form_unquote, hex_bytes, split_raw_path
from gateway.errors import AccessDenied, InvalidArgument, RequestTimeTooSkewed, \
    SignatureDoesNotMatch

_DATE_ERROR = "AWS authentication requires a valid Date or x-amz-date header"

# Sub-resources every common signer (botocore, minio-go, boto2, the AWS docs)
# puts in the CanonicalizedResource.
CORE_SUBRESOURCES = frozenset({
    "acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
    "partNumber", "policy", "replication", "requestPayment", "select", "select-type",
    "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions",
    "website", "response-cache-control", "response-content-disposition",
    "response-content-encoding", "response-content-language", "response-content-type",
    "response-expires",
})
# Sub-resources only some signers include (botocore omits encryption,
# retention and legal-hold; minio-go omits restore, accelerate, object-lock...).
# We sign them first and, if that fails, retry without them.
CONTESTED_SUBRESOURCES = frozenset({
    "accelerate", "analytics", "defaultObjectAcl", "encryption", "inventory",
    "legal-hold", "metrics", "object-lock", "restore", "retention", "storageClass",
})
ALL_SUBRESOURCES = CORE_SUBRESOURCES | CONTESTED_SUBRESOURCES


@dataclass(frozen=True)
class V2Auth:
    """What a SigV2 request claims, parsed before any credential lookup."""

    access_key: str
    signature: str
    presigned: bool
    date_line: str                 # the Date line of the StringToSign
    request_time: datetime | None  # header auth: Date / x-amz-date
    request_time_raw: str          # as sent, for RequestTimeTooSkewed
    expires: int | None = None     # presigned: epoch seconds


# --- parsing -----------------------------------------------------------------

def _parse_http_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    try:  # some clients send ISO 8601 basic in x-amz-date
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_authorization(value: str, headers: MultiMapping[str]) -> V2Auth:
    """Parse ``AWS AKID:base64signature`` and the request's Date/x-amz-date."""
    _, _, creds = value.strip().partition(" ")
    access_key, colon, signature = creds.strip().rpartition(":")
    if not colon or not access_key or not signature:
        raise InvalidArgument("AWS authorization header is invalid.  Expected "
                              "AwsAccessKeyId:signature", ArgumentName="Authorization")
    amz_date = headers.get("x-amz-date")
    raw = amz_date if amz_date is not None else headers.get("Date")
    if raw is None:
        raise AccessDenied(_DATE_ERROR)
    request_time = _parse_http_date(raw.strip())
    if request_time is None:
        raise AccessDenied(_DATE_ERROR)
    # With x-amz-date present, S3 signs an empty Date line (x-amz-date is
    # covered as an amz header instead).
    date_line = "" if amz_date is not None else raw.strip()
    return V2Auth(access_key, signature, False, date_line, request_time, raw.strip())


def parse_presigned(params: dict[str, str]) -> V2Auth:
    """Parse AWSAccessKeyId / Signature / Expires from the decoded query."""
    access_key = params.get("AWSAccessKeyId")
    signature = params.get("Signature")
    expires = params.get("Expires")
    if not access_key or not signature or expires is None:
        raise AccessDenied("Query-string authentication requires the Signature, "
                           "Expires and AWSAccessKeyId parameters")
    try:
        expires_at = int(expires)
    except ValueError:
        raise AccessDenied(
            f"Invalid date (should be seconds since epoch): {expires}") from None
    # Base64 has no spaces: a space here is a '+' the client forgot to escape.
    return V2Auth(access_key, signature.replace(" ", "+"), True, expires,
                  None, expires, expires_at)


# --- string to sign ----------------------------------------------------------

def _decode(text: str) -> str:
    return form_unquote(text).decode("utf-8", "surrogateescape")


def canonical_resource(raw_path: str, virtual_host_bucket: str | None,
                       subresources: frozenset[str] = ALL_SUBRESOURCES) -> str:
    """``/bucket/key`` as sent (still escaped) plus the signed sub-resources,
    sorted by name, with their values decoded."""
    path, raw_query = split_raw_path(raw_path)
    resource = f"/{virtual_host_bucket}{path}" if virtual_host_bucket else path
    if resource.count("/") == 1 and len(resource) > 1:
        # A path-style bucket request: S3 (and botocore) sign "/bucket/" even
        # when the request line says "/bucket".
        resource += "/"
    signed: list[tuple[str, str]] = []
    for part in raw_query.split("&") if raw_query else ():
        name, eq, value = part.partition("=")
        name = _decode(name)
        if name in subresources:
            signed.append((name, f"{name}={_decode(value)}" if eq else name))
    if signed:
        signed.sort(key=lambda item: item[0])  # stable: repeats keep their order
        resource += "?" + "&".join(text for _, text in signed)
    return resource


def canonical_amz_headers(headers: MultiMapping[str], skip: str = "") -> str:
    """``x-amz-name:v1,v2\\n`` for each x-amz-* header, sorted by name."""
    names = sorted({k.lower() for k in headers.keys() if k.lower().startswith("x-amz-")})
    return "".join(f"{n}:{','.join(v.strip() for v in headers.getall(n))}\n"
                   for n in names if n != skip)


def string_to_sign(method: str, headers: MultiMapping[str], date_line: str,
                   resource: str, skip_amz: str = "") -> str:
    return (f"{method}\n{headers.get('Content-MD5', '').strip()}\n"
            f"{headers.get('Content-Type', '').strip()}\n{date_line}\n"
            f"{canonical_amz_headers(headers, skip_amz)}{resource}")


def date_variants(auth: V2Auth, headers: MultiMapping[str]) -> list[tuple[str, str]]:
    """(Date line, amz header left out) pairs to try, documented form first.

    With x-amz-date, the documented rule is an empty Date line; AWS's own DELETE
    example instead puts the x-amz-date value there (and no x-amz-date line),
    and botocore keeps the Date header value. All three cover x-amz-date.
    """
    variants = [(auth.date_line, "")]
    amz_date = headers.get("x-amz-date")
    if not auth.presigned and amz_date is not None:
        date = headers.get("Date")
        if date is not None:
            variants.append((date.strip(), ""))
        variants.append((amz_date.strip(), "x-amz-date"))
    return variants


def sign(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode("utf-8", "surrogateescape"),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# --- checks ------------------------------------------------------------------

def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_time(auth: V2Auth, now: datetime, max_skew: int) -> None:
    """Header auth: Date/x-amz-date within the skew; presigned: not expired."""
    if auth.presigned:
        assert auth.expires is not None
        if now.timestamp() > auth.expires:
            expires = datetime.fromtimestamp(auth.expires, timezone.utc)
            raise AccessDenied("Request has expired", Expires=_iso(expires),
                               ServerTime=_iso(now))
        return
    assert auth.request_time is not None
    if abs((now - auth.request_time).total_seconds()) > max_skew:
        raise RequestTimeTooSkewed(
            RequestTime=auth.request_time_raw, ServerTime=_iso(now),
            MaxAllowedSkewMilliseconds=max_skew * 1000)


def verify(auth: V2Auth, secret: str, method: str, raw_path: str,
           headers: MultiMapping[str], virtual_host_bucket: str | None) -> None:
    """Raise SignatureDoesNotMatch unless the signature matches.

    Signers disagree on a few sub-resources (see CONTESTED_SUBRESOURCES) and on
    the Date line when x-amz-date is present (see date_variants); the
    documented form is tried first, the others only if it fails. Every variant
    still covers the timestamp we checked the clock against.
    """
    provided = auth.signature.encode("utf-8", "surrogateescape")
    tried: list[str] = []
    for subresources in (ALL_SUBRESOURCES, CORE_SUBRESOURCES):
        resource = canonical_resource(raw_path, virtual_host_bucket, subresources)
        for date_line, skip in date_variants(auth, headers):
            sts = string_to_sign(method, headers, date_line, resource, skip)
            if sts in tried:
                continue
            if hmac.compare_digest(sign(secret, sts).encode(), provided):
                return
            tried.append(sts)
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=auth.access_key, StringToSign=tried[0],
        SignatureProvided=auth.signature, StringToSignBytes=hex_bytes(tried[0]))
