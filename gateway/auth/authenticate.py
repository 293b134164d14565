"""Authenticate an aiohttp request as S3 would: pick the mechanism, check the
clock, look up the key, verify the signature.

Ordering matters for cost: everything that needs no credential (parsing, clock,
unsigned headers) is rejected before the credential store is consulted.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timezone

from aiohttp import web

from gateway.auth import remote, sigv2, sigv4
from gateway.credentials.base import (
    Credential, CredentialRefused, CredentialsUnavailable, CredentialStore, SecretUnavailable)
from gateway.errors import (
    AccessDenied, AuthorizationHeaderMalformed, AuthorizationQueryParametersError, InvalidAccessKeyId,
    InvalidArgument, ServiceUnavailable)


@dataclass(frozen=True)
class AuthSettings:
    """Limits S3 enforces; configurable for test rigs with odd clocks."""

    max_clock_skew_seconds: int = 900
    max_presign_expires_seconds: int = 604800
    region: str = "us-east-1"


@dataclass(frozen=True)
class AuthResult:
    """Who signed the request and what the signature covers.

    ``payload_hash`` is what the body must hash to (v4 only): a 64-hex digest,
    ``UNSIGNED-PAYLOAD`` or a ``STREAMING-*`` marker. The seed signature,
    signing key, scope and amz date let an aws-chunked decoder chain chunk
    signatures later.
    """

    credential: Credential
    signature_version: str
    payload_hash: str | None
    seed_signature: str | None = None
    signing_key: bytes | None = None
    scope: str | None = None
    amz_date: str | None = None

    def __repr__(self) -> str:  # keep the signing key out of logs
        return (f"AuthResult(access_key={self.credential.access_key!r}, "
                f"signature_version={self.signature_version!r}, "
                f"payload_hash={self.payload_hash!r}, scope={self.scope!r})")


_BOTH = ("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
         "Signature query string parameter or the Authorization header should be specified")


def check_region(auth: sigv4.V4Auth, region: str) -> None:
    """A SigV4 scope names the region it was signed for; S3 accepts its own only.

    Accepting any would let a request signed for another endpoint be replayed
    here. S3 names the expected region in the message and a ``Region`` element.
    """
    if auth.region == region:
        return
    if auth.presigned:
        raise AuthorizationQueryParametersError(
            f"Error parsing the X-Amz-Credential parameter; the region '{auth.region}' is "
            f"wrong; expecting '{region}'", Region=region)
    raise AuthorizationHeaderMalformed(
        f"The authorization header is malformed; the region '{auth.region}' is wrong; "
        f"expecting '{region}'", Region=region)


async def _lookup(store: CredentialStore, access_key: str) -> Credential:
    """The key's credential, or the S3 error: unknown, refused, or store unreachable."""
    try:
        credential = await store.lookup(access_key)
    except CredentialsUnavailable:
        raise ServiceUnavailable() from None
    except CredentialRefused:
        raise AccessDenied() from None
    if credential is None:
        raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
    return credential


async def _remotely(check: Awaitable[Credential]) -> Credential:
    """A store-side signature check, with the store's failures as S3 errors."""
    try:
        return await check
    except CredentialsUnavailable:
        raise ServiceUnavailable() from None
    except CredentialRefused:
        raise AccessDenied() from None


async def authenticate(request: web.Request, store: CredentialStore, settings: AuthSettings,
                       virtual_host_bucket: str | None = None,
                       now: datetime | None = None) -> AuthResult | None:
    """Return the caller's identity, ``None`` for an anonymous request, or raise
    the S3Error that S3 would answer with."""
    now = now or datetime.now(timezone.utc)
    headers = request.headers
    raw_path = request.raw_path
    authorization = headers.get("Authorization")
    _, raw_query = sigv4.split_raw_path(raw_path)
    query = sigv4.parse_query(raw_query)
    names = {name for name, _ in query}
    v4_query = any(p.encode() in names for p in sigv4.PRESIGN_PARAMS)
    v2_query = b"AWSAccessKeyId" in names or b"Signature" in names

    if authorization is None and not v4_query and not v2_query:
        return None
    if (authorization is not None and (v4_query or v2_query)) or (v4_query and v2_query):
        raise InvalidArgument(_BOTH, ArgumentName="Authorization")

    scheme = authorization.strip().partition(" ")[0] if authorization is not None else None
    if scheme == sigv4.ALGORITHM or v4_query:
        if authorization is not None:
            auth4 = sigv4.parse_authorization(authorization, headers)
        else:
            auth4 = sigv4.parse_presigned(query, settings.max_presign_expires_seconds)
        check_region(auth4, settings.region)
        sigv4.check_time(auth4, now, settings.max_clock_skew_seconds)
        sigv4.check_signed_headers(auth4, headers)
        try:
            credential = await _lookup(store, auth4.access_key)
        except SecretUnavailable:
            credential = await _remotely(remote.verify_v4(
                store, auth4, request.method, raw_path, headers))
            return AuthResult(credential, "v4", auth4.payload_hash)
        key = sigv4.verify(auth4, credential.secret_key, request.method, raw_path, headers)
        return AuthResult(credential, "v4", auth4.payload_hash, seed_signature=auth4.signature,
                          signing_key=key, scope=auth4.scope, amz_date=auth4.amz_date)

    if scheme == "AWS" or v2_query:
        if authorization is not None:
            auth2 = sigv2.parse_authorization(authorization, headers)
        else:
            params = {k.decode(errors="replace"): v.decode(errors="replace")
                      for k, v in reversed(query)}  # reversed: first occurrence wins
            auth2 = sigv2.parse_presigned(params)
        sigv2.check_time(auth2, now, settings.max_clock_skew_seconds)
        try:
            credential = await _lookup(store, auth2.access_key)
        except SecretUnavailable:
            credential = await _remotely(remote.verify_v2(
                store, auth2, request.method, raw_path, headers, virtual_host_bucket))
            return AuthResult(credential, "v2", None)
        sigv2.verify(auth2, credential.secret_key, request.method, raw_path, headers,
                     virtual_host_bucket)
        return AuthResult(credential, "v2", None)

    # Unknown scheme (Bearer, SigV4a...). The value is not echoed back: it may
    # be a bearer token, and error documents end up in logs.
    raise InvalidArgument("Unsupported Authorization Type", ArgumentName="Authorization")
