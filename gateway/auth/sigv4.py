"""AWS Signature Version 4 for S3: parsing, canonicalisation and verification.

Pure functions over the request parts (method, raw path, headers) so that the
same code serves the Authorization header and presigned query flavours, and so
tests can drive it without a server. The aiohttp glue is in ``authenticate.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

from multidict import MultiMapping

from gateway.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
    RequestTimeTooSkewed,
    S3Error,
    SignatureDoesNotMatch,
)
from gateway.timefmt import AMZ_DATE_FORMAT, parse_amz_date

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PREFIX = "STREAMING-"
TERMINATOR = "aws4_request"
SERVICE = "s3"
PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_ALL_PRESIGN_PARAMS = (
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
    "X-Amz-SignedHeaders", "X-Amz-Expires",
)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_DATE_ERROR = "AWS authentication requires a valid Date or x-amz-date header"

Query = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class V4Auth:
    """What a request claims: identity, scope, signed headers and timing.

    Produced by the parsers before any credential lookup, so malformed requests
    are rejected without touching the credential store.
    """

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    request_time: datetime
    payload_hash: str
    presigned: bool
    expires: int | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


# --- raw request splitting ---------------------------------------------------

def split_raw_path(raw_path: str) -> tuple[str, str]:
    """Split a request target into (path, query) exactly as sent, nothing decoded.

    Tolerates the absolute form (``http://host/p?q``) a proxy-style client may send.
    """
    if raw_path.startswith(("http://", "https://")):
        slash = raw_path.find("/", raw_path.find("//") + 2)
        raw_path = raw_path[slash:] if slash >= 0 else "/"
    path, _, query = raw_path.partition("?")
    return path or "/", query


def form_unquote(text: str) -> bytes:
    # A literal '+' in a query string is a space (HTML form encoding). S3, MinIO
    # and Swift's s3api all read it that way, and so do yarl/aiohttp when the
    # handlers read request.query; the signature must cover the value the
    # handler acts on, so we canonicalise '+' as %20. Well-behaved signers
    # (botocore, the AWS SDKs) never send a bare '+': they send %2B or %20.
    # Decoding to bytes keeps invalid UTF-8 escapes intact for re-encoding.
    return unquote_to_bytes(text.replace("+", " "))


def parse_query(raw_query: str) -> Query:
    """Decode a raw query string into (name, value) byte pairs, keeping order,
    repeats and empty values; a parameter without '=' has an empty value."""
    pairs: Query = []
    if not raw_query:
        return pairs
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((form_unquote(name), form_unquote(value)))
    return pairs


def query_value(query: Query, name: str) -> str | None:
    """First value of a (case-sensitive) parameter, decoded as UTF-8."""
    key = name.encode()
    for k, v in query:
        if k == key:
            return v.decode("utf-8", "replace")
    return None


def aws_uri_encode(data: bytes, safe: str = "") -> str:
    """AWS URI encoding: A-Za-z0-9-_.~ kept, every other byte as upper-case %XX."""
    return quote(data, safe=safe)


# --- canonical request -------------------------------------------------------

def canonical_query_string(query: Query, *, exclude_signature: bool = False) -> str:
    """Re-encode every parameter with AWS encoding and sort by name then value."""
    encoded = sorted(
        (aws_uri_encode(k), aws_uri_encode(v))
        for k, v in query
        if not (exclude_signature and k == b"X-Amz-Signature")
    )
    return "&".join(f"{k}={v}" for k, v in encoded)


def normalised_uri(path: str) -> str:
    """The path as an AWS signer would encode it (decode once, encode once).

    Only used as a fallback for clients that send characters such as '$' or
    '@' unescaped in the path while signing the escaped form.
    """
    return aws_uri_encode(unquote_to_bytes(path), safe="/")


def canonical_headers(headers: MultiMapping[str], signed_headers: tuple[str, ...]) -> str:
    """``name:value\\n`` per signed header; values trimmed, inner whitespace
    collapsed, repeated headers joined with ','. A missing header signs as empty."""
    lines = []
    for name in signed_headers:
        values = headers.getall(name, [])
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")
    return "".join(lines)


def canonical_request(method: str, canonical_uri: str, canonical_query: str,
                      canonical_hdrs: str, signed_headers: tuple[str, ...],
                      payload_hash: str) -> str:
    return "\n".join((method, canonical_uri, canonical_query, canonical_hdrs,
                      ";".join(signed_headers), payload_hash))


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    digest = hashlib.sha256(creq.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


@lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """Derive the scope's signing key; cached because it costs four HMACs and a
    client reuses one scope for a whole day."""
    key = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def hex_bytes(text: str) -> str:
    """S3's ``*Bytes`` debugging fields: space-separated lower-case hex."""
    return " ".join(f"{b:02x}" for b in text.encode("utf-8", "surrogateescape"))


# --- parsing -----------------------------------------------------------------

def _parse_credential(credential: str, error: type[S3Error], what: str) -> tuple[str, ...]:
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise error(f"{what} the Credential is mal-formed; expecting "
                    '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".')
    access_key, date, region, service, terminator = parts
    if not (len(date) == 8 and date.isdigit()):
        raise error(f"{what} incorrect date format \"{date}\". This date in the "
                    "credential must be in the format \"yyyyMMdd\".")
    # The region is checked against the configured one by authenticate.check_region.
    if service != SERVICE:
        raise error(f"{what} incorrect service \"{service}\". This endpoint belongs "
                    f"to \"{SERVICE}\".")
    if terminator != TERMINATOR:
        raise error(f"{what} incorrect terminal \"{terminator}\". This endpoint uses "
                    f"\"{TERMINATOR}\".")
    return access_key, date, region, service


def _parse_signed_headers(value: str, error: type[S3Error], what: str) -> tuple[str, ...]:
    names = tuple(value.split(";"))
    if not value or not all(names):
        raise error(f"{what} SignedHeaders is mal-formed.")
    return names


def _header_request_time(headers: MultiMapping[str]) -> tuple[str, datetime]:
    """(amz_date, time) from x-amz-date, else from the Date header."""
    amz = headers.get("x-amz-date")
    if amz is not None:
        parsed = parse_amz_date(amz.strip())
        if parsed is None:
            raise AccessDenied(_DATE_ERROR)
        return amz.strip(), parsed
    date = headers.get("Date")
    if date is None:
        raise AccessDenied(_DATE_ERROR)
    try:
        parsed = parsedate_to_datetime(date).astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise AccessDenied(_DATE_ERROR) from None
    return parsed.strftime(AMZ_DATE_FORMAT), parsed


def parse_authorization(value: str, headers: MultiMapping[str]) -> V4Auth:
    """Parse ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    what = "The authorization header is malformed;"
    _, _, rest = value.strip().partition(" ")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        if not item.strip():
            continue
        name, eq, val = item.strip().partition("=")
        if not eq:
            raise AuthorizationHeaderMalformed(
                f"{what} the authorization component \"{item.strip()}\" is malformed.")
        fields[name.strip()] = val.strip()
    try:
        credential = fields["Credential"]
        signed = fields["SignedHeaders"]
        signature = fields["Signature"]
    except KeyError:
        raise AuthorizationHeaderMalformed(
            f"{what} the authorization header requires three components: "
            "Credential, SignedHeaders, and Signature.") from None
    access_key, date, region, service = _parse_credential(
        credential, AuthorizationHeaderMalformed, what)
    signed_headers = _parse_signed_headers(signed, AuthorizationHeaderMalformed, what)
    amz_date, request_time = _header_request_time(headers)
    if amz_date[:8] != date:
        raise AuthorizationHeaderMalformed(
            f"{what} Invalid credential date. Date is not the same as X-Amz-Date.")
    payload_hash = headers.get("x-amz-content-sha256")
    if payload_hash is None:
        raise InvalidRequest("Missing required header for this request: x-amz-content-sha256")
    payload_hash = payload_hash.strip()
    if not (payload_hash == UNSIGNED_PAYLOAD or payload_hash.startswith(STREAMING_PREFIX)
            or _HEX64.fullmatch(payload_hash)):
        raise InvalidArgument(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid "
            "sha256 value.", ArgumentName="x-amz-content-sha256",
            ArgumentValue=payload_hash)
    return V4Auth(access_key, date, region, service, signed_headers, signature,
                  amz_date, request_time, payload_hash, presigned=False)


def parse_presigned(query: Query, max_expires: int) -> V4Auth:
    """Parse the X-Amz-* query parameters of a presigned URL."""
    values = {name: query_value(query, name) for name in _ALL_PRESIGN_PARAMS}
    if any(v is None for v in values.values()):
        raise AuthorizationQueryParametersError(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters.")
    v: dict[str, str] = {k: val for k, val in values.items() if val is not None}
    if v["X-Amz-Algorithm"] != ALGORITHM:
        raise AuthorizationQueryParametersError(
            f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    what = "Error parsing the X-Amz-Credential parameter;"
    access_key, date, region, service = _parse_credential(
        v["X-Amz-Credential"], AuthorizationQueryParametersError, what)
    request_time = parse_amz_date(v["X-Amz-Date"])
    if request_time is None:
        raise AuthorizationQueryParametersError(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    if v["X-Amz-Date"][:8] != date:
        raise AuthorizationQueryParametersError(
            f'Invalid credential date "{date}". This date is not the same as '
            f'X-Amz-Date: "{v["X-Amz-Date"][:8]}".')
    try:
        expires = int(v["X-Amz-Expires"])
    except ValueError:
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number") from None
    if expires < 0:  # 0 is valid, and expired from the start (as on S3)
        raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if expires > max_expires:
        raise AuthorizationQueryParametersError(
            f"X-Amz-Expires must be less than a week (in seconds) that is {max_expires}")
    signed_headers = _parse_signed_headers(
        v["X-Amz-SignedHeaders"], AuthorizationQueryParametersError,
        "Error parsing the X-Amz-SignedHeaders parameter;")
    payload_hash = query_value(query, "X-Amz-Content-Sha256") or UNSIGNED_PAYLOAD
    return V4Auth(access_key, date, region, service, signed_headers,
                  v["X-Amz-Signature"], v["X-Amz-Date"], request_time, payload_hash,
                  presigned=True, expires=expires)


# --- checks ------------------------------------------------------------------

def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_time(auth: V4Auth, now: datetime, max_skew: int) -> None:
    """Header auth: reject clocks more than ``max_skew`` seconds off either way.
    Presigned: reject expired URLs and URLs dated further ahead than the skew."""
    if not auth.presigned:
        if abs((now - auth.request_time).total_seconds()) > max_skew:
            raise RequestTimeTooSkewed(
                RequestTime=auth.amz_date, ServerTime=_iso(now),
                MaxAllowedSkewMilliseconds=max_skew * 1000)
        return
    assert auth.expires is not None
    expiry = auth.request_time + timedelta(seconds=auth.expires)
    if (auth.request_time - now).total_seconds() > max_skew:
        raise AccessDenied("Request is not yet valid",
                           **{"X-Amz-Date": int(auth.request_time.timestamp() * 1000)},
                           Expires=_iso(expiry), ServerTime=_iso(now))
    if now > expiry or auth.expires == 0:
        raise AccessDenied("Request has expired",
                           **{"X-Amz-Expires": auth.expires},
                           Expires=_iso(expiry), ServerTime=_iso(now))


def check_signed_headers(auth: V4Auth, headers: MultiMapping[str]) -> None:
    """``host`` and every ``x-amz-*`` header present must be signed, as in S3;
    otherwise a captured request could be replayed with injected headers."""
    signed = set(auth.signed_headers)
    missing = [] if "host" in signed else ["host"]
    for name in {k.lower() for k in headers.keys()}:
        if name.startswith("x-amz-") and name not in signed:
            if auth.presigned and name == "x-amz-content-sha256":
                continue  # not part of a presigned signature at all
            missing.append(name)
    if missing:
        raise AccessDenied("There were headers present in the request which were not "
                           "signed", HeadersNotSigned=", ".join(sorted(missing)))


def verify(auth: V4Auth, secret: str, method: str, raw_path: str,
           headers: MultiMapping[str]) -> bytes:
    """Check the signature; return the signing key (for aws-chunked seeds).

    The canonical URI is the path exactly as sent (S3 does not double-encode);
    if that fails and an AWS-normalised spelling of the same path differs, that
    is tried too, since both name the same decoded key.
    """
    path, raw_query = split_raw_path(raw_path)
    cquery = canonical_query_string(parse_query(raw_query), exclude_signature=auth.presigned)
    chdrs = canonical_headers(headers, auth.signed_headers)
    key = signing_key(secret, auth.date, auth.region, auth.service)
    provided = auth.signature.encode("utf-8", "surrogateescape")

    def failure(uri: str) -> tuple[str, str] | None:
        """None if the signature matches with this canonical URI, else (creq, sts)."""
        creq = canonical_request(method, uri, cquery, chdrs, auth.signed_headers,
                                 auth.payload_hash)
        sts = string_to_sign(auth.amz_date, auth.scope, creq)
        return None if hmac.compare_digest(sign(key, sts).encode(), provided) else (creq, sts)

    failed = failure(path)
    if failed is None:
        return key
    alternative = normalised_uri(path)  # only computed on the slow path
    if alternative != path and failure(alternative) is None:
        return key
    creq, sts = failed
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=auth.access_key, StringToSign=sts, SignatureProvided=auth.signature,
        StringToSignBytes=hex_bytes(sts), CanonicalRequest=creq,
        CanonicalRequestBytes=hex_bytes(creq))
