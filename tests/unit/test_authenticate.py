"""authenticate(): mechanism dispatch, credential lookup and error mapping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import make_mocked_request
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from multidict import CIMultiDict

from gateway.auth import AuthResult, AuthSettings, authenticate, sigv4
from gateway.credentials.base import Credential
from gateway.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidAccessKeyId,
    InvalidArgument,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SETTINGS = AuthSettings()


class Store:
    """In-memory credential store: the protocol is two methods."""

    def __init__(self, *credentials: Credential) -> None:
        self.by_key = {c.access_key: c for c in credentials}
        self.lookups = 0

    async def lookup(self, access_key: str) -> Credential | None:
        self.lookups += 1
        return self.by_key.get(access_key)

    async def close(self) -> None:
        return None


STORE = Store(Credential(AK, SECRET, "AUTH_test"))


def signed(signer: str, method: str = "GET", path: str = "/bucket/key",
           secret: str = SECRET, access_key: str = AK,
           headers: dict[str, str] | None = None,
           expires: int = 300, region: str = "us-east-1") -> tuple[str, str, CIMultiDict[str]]:
    """A request signed by botocore, as (method, raw_path, headers)."""
    request = AWSRequest(method=method, url=f"http://s3.example.test{path}",
                         headers=dict(headers or {}))
    creds = Credentials(access_key, secret)
    if signer == "v4":
        S3SigV4Auth(creds, "s3", region).add_auth(request)
    elif signer == "v4-query":
        S3SigV4QueryAuth(creds, "s3", region, expires=expires).add_auth(request)
    elif signer == "v2":
        HmacV1Auth(creds).add_auth(request)
    else:
        HmacV1QueryAuth(creds, expires=expires).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    out = CIMultiDict({k: v if isinstance(v, str) else v.decode()
                       for k, v in prepared.headers.items()})
    out["Host"] = parts.netloc
    return prepared.method, parts.path + (f"?{parts.query}" if parts.query else ""), out


async def run(method: str, raw_path: str, headers: CIMultiDict[str],
              now: datetime | None = None, store: Store = STORE,
              bucket: str | None = None, settings: AuthSettings = SETTINGS) -> AuthResult | None:
    request = make_mocked_request(method, raw_path, headers=headers)
    return await authenticate(request, store, settings, virtual_host_bucket=bucket, now=now)


async def test_anonymous_is_none() -> None:
    store = Store()
    assert await run("GET", "/bucket/key?prefix=a&Signatures=1", CIMultiDict(),
                     store=store) is None
    assert store.lookups == 0


@pytest.mark.parametrize("signer", ["v4", "v4-query", "v2", "v2-query"])
async def test_valid_requests(signer: str) -> None:
    result = await run(*signed(signer))
    assert result is not None
    assert result.credential.account == "AUTH_test"
    assert result.signature_version == signer[:2]
    assert SECRET not in repr(result)


async def test_v4_result_carries_chunk_seed() -> None:
    method, path, headers = signed("v4", "PUT")
    result = await run(method, path, headers)
    assert result is not None
    amz_date = headers["x-amz-date"]
    assert result.payload_hash == headers["x-amz-content-sha256"]
    assert result.seed_signature == headers["Authorization"].rsplit("Signature=", 1)[1]
    assert result.amz_date == amz_date
    assert result.scope == f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    assert result.signing_key == sigv4.signing_key(SECRET, amz_date[:8], "us-east-1", "s3")


async def test_v4_presigned_payload_is_unsigned() -> None:
    result = await run(*signed("v4-query"))
    assert result is not None and result.payload_hash == "UNSIGNED-PAYLOAD"
    assert result.seed_signature is not None


async def test_v2_result_has_no_payload_hash() -> None:
    result = await run(*signed("v2"))
    assert result is not None and result.payload_hash is None and result.signing_key is None


@pytest.mark.parametrize("signer", ["v4", "v4-query", "v2", "v2-query"])
async def test_unknown_key(signer: str) -> None:
    with pytest.raises(InvalidAccessKeyId) as info:
        await run(*signed(signer, access_key="AKIDUNKNOWN"))
    assert info.value.fields == {"AWSAccessKeyId": "AKIDUNKNOWN"}


@pytest.mark.parametrize("signer", ["v4", "v4-query", "v2", "v2-query"])
async def test_wrong_secret(signer: str) -> None:
    with pytest.raises(SignatureDoesNotMatch) as info:
        await run(*signed(signer, secret="not-the-secret"))
    xml = info.value.to_xml("/bucket/key", "req-1").decode()
    assert SECRET not in xml and "not-the-secret" not in xml
    assert "<StringToSign>" in xml


@pytest.mark.parametrize("signer", ["v4", "v2"])
async def test_skewed_clock(signer: str) -> None:
    later = datetime.now(timezone.utc) + timedelta(minutes=16)
    with pytest.raises(RequestTimeTooSkewed) as info:
        await run(*signed(signer), now=later)
    assert set(info.value.fields) == {"RequestTime", "ServerTime",
                                      "MaxAllowedSkewMilliseconds"}
    assert info.value.fields["MaxAllowedSkewMilliseconds"] == "900000"


@pytest.mark.parametrize("signer", ["v4-query", "v2-query"])
async def test_expired_presign(signer: str) -> None:
    later = datetime.now(timezone.utc) + timedelta(seconds=301)
    store = Store(Credential(AK, SECRET, "AUTH_test"))
    with pytest.raises(AccessDenied, match="Request has expired") as info:
        await run(*signed(signer), now=later, store=store)
    assert {"Expires", "ServerTime"} <= set(info.value.fields)
    assert store.lookups == 0  # rejected before touching the store


@pytest.mark.parametrize("signer", ["v4-query", "v2-query"])
async def test_presign_valid_beyond_skew_window(signer: str) -> None:
    # Presigned URLs are bound by X-Amz-Expires / Expires, not the clock skew.
    later = datetime.now(timezone.utc) + timedelta(minutes=30)
    assert await run(*signed(signer, expires=3600), now=later) is not None


async def test_malformed_v4_header() -> None:
    headers = CIMultiDict({"Host": "h", "x-amz-date": "20130524T000000Z",
                           "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                           "Authorization": "AWS4-HMAC-SHA256 Credential=garbage"})
    with pytest.raises(AuthorizationHeaderMalformed):
        await run("GET", "/", headers)


@pytest.mark.parametrize("value", ["Bearer secret-token", "AWS4-ECDSA-P256-SHA256 x", ""])
async def test_unsupported_scheme(value: str) -> None:
    with pytest.raises(InvalidArgument, match="Unsupported Authorization Type") as info:
        await run("GET", "/", CIMultiDict({"Authorization": value}))
    assert "secret-token" not in info.value.to_xml("/", "r").decode()


@pytest.mark.parametrize("query", ["X-Amz-Algorithm=AWS4-HMAC-SHA256", "Signature=x",
                                   "AWSAccessKeyId=x", "X-Amz-Signature=1"])
async def test_both_mechanisms(query: str) -> None:
    method, path, headers = signed("v4")
    with pytest.raises(InvalidArgument, match="Only one auth mechanism"):
        await run(method, f"{path}?{query}", headers)


async def test_v2_and_v4_query_together() -> None:
    method, path, headers = signed("v4-query")
    with pytest.raises(InvalidArgument, match="Only one auth mechanism"):
        await run(method, path + "&AWSAccessKeyId=x", headers)


async def test_unsigned_amz_header_rejected() -> None:
    method, path, headers = signed("v4", "PUT")
    headers["x-amz-acl"] = "public-read"
    with pytest.raises(AccessDenied, match="not signed"):
        await run(method, path, headers)


async def test_v2_virtual_host_bucket() -> None:
    request = AWSRequest(method="GET", url="http://bucket.s3.example.test/key?acl")
    request.auth_path = "/bucket/key"
    HmacV1Auth(Credentials(AK, SECRET)).add_auth(request)
    prepared = request.prepare()
    headers = CIMultiDict({k: v for k, v in prepared.headers.items()})
    assert await run("GET", "/key?acl", headers, bucket="bucket") is not None
    with pytest.raises(SignatureDoesNotMatch):
        await run("GET", "/key?acl", headers)


@pytest.mark.parametrize("region", ["us-west-2", "eu-central-1", "US-EAST-1", "s3"])
async def test_header_signed_for_another_region(region: str) -> None:
    store = Store(Credential(AK, SECRET, "AUTH_test"))
    with pytest.raises(AuthorizationHeaderMalformed) as info:
        await run(*signed("v4", region=region), store=store)
    assert info.value.detail == (f"The authorization header is malformed; the region "
                                 f"'{region}' is wrong; expecting 'us-east-1'")
    assert info.value.fields == {"Region": "us-east-1"}
    assert store.lookups == 0


async def test_presigned_for_another_region() -> None:
    with pytest.raises(AuthorizationQueryParametersError) as info:
        await run(*signed("v4-query", region="us-west-2"))
    assert info.value.detail == ("Error parsing the X-Amz-Credential parameter; the region "
                                 "'us-west-2' is wrong; expecting 'us-east-1'")
    assert info.value.fields == {"Region": "us-east-1"}


@pytest.mark.parametrize("signer", ["v4", "v4-query"])
async def test_configured_region_is_the_one_accepted(signer: str) -> None:
    settings = AuthSettings(region="eu-central-1")
    result = await run(*signed(signer, region="eu-central-1"), settings=settings)
    assert result is not None and result.scope is not None
    assert "/eu-central-1/s3/" in result.scope
    with pytest.raises((AuthorizationHeaderMalformed, AuthorizationQueryParametersError)):
        await run(*signed(signer), settings=settings)


@pytest.mark.parametrize("signer", ["v2", "v2-query"])
async def test_sigv2_has_no_region(signer: str) -> None:
    assert await run(*signed(signer), settings=AuthSettings(region="eu-central-1")) is not None
