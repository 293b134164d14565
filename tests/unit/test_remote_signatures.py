"""Signatures the credential store checks (Keystone's s3tokens) when it cannot
hand out the secret: the gateway must send exactly the string the client signed."""

from __future__ import annotations

import pytest

from gateway.auth import sigv2, sigv4
from gateway.credentials.base import (
    Credential, CredentialRefused, CredentialsUnavailable, RemoteVerdict, SecretUnavailable)
from gateway.errors import (
    AccessDenied, InvalidAccessKeyId, S3NotImplemented, ServiceUnavailable,
    SignatureDoesNotMatch)
from tests.unit.test_authenticate import AK, SECRET, run, signed


class SecretKeepingStore:
    """Checks signatures as Keystone's s3tokens does, never revealing the secret."""

    def __init__(self, failure: type[Exception] | None = None) -> None:
        self.failure = failure
        self.checked: list[str] = []

    async def lookup(self, access_key: str) -> Credential | None:
        raise SecretUnavailable(access_key)

    async def verify_signature(self, access_key: str, string_to_sign: str,
                               signature: str) -> RemoteVerdict:
        if self.failure is not None:
            raise self.failure(access_key)
        if access_key != AK:
            return RemoteVerdict(False, None)
        self.checked.append(string_to_sign)
        if string_to_sign.startswith(sigv4.ALGORITHM):
            date, region, service, _ = string_to_sign.split("\n")[2].split("/")
            expected = sigv4.sign(sigv4.signing_key(SECRET, date, region, service),
                                  string_to_sign)
        else:
            expected = sigv2.sign(SECRET, string_to_sign)
        if expected != signature:
            return RemoteVerdict(True, None)
        return RemoteVerdict(True, Credential(access_key, "", "AUTH_project"))

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("signer", ["v4", "v4-query", "v2", "v2-query"])
async def test_store_checked_signatures_pass(signer: str) -> None:
    store = SecretKeepingStore()
    result = await run(*signed(signer), store=store)  # type: ignore[arg-type]
    assert result is not None
    assert result.credential.account == "AUTH_project"
    assert result.signing_key is None
    assert len(store.checked) == 1  # the documented spelling matched first


@pytest.mark.parametrize("signer", ["v4", "v2"])
async def test_wrong_secret_and_unknown_key(signer: str) -> None:
    with pytest.raises(SignatureDoesNotMatch):
        await run(*signed(signer, secret="wrong"), store=SecretKeepingStore())  # type: ignore[arg-type]
    with pytest.raises(InvalidAccessKeyId):
        await run(*signed(signer, access_key="AKUNKNOWN0000"),
                  store=SecretKeepingStore())  # type: ignore[arg-type]


async def test_signed_chunks_need_the_secret() -> None:
    method, path, headers = signed("v4", "PUT")
    # Refused before any signature check, so the header need not be signed here.
    headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    store = SecretKeepingStore()
    with pytest.raises(S3NotImplemented):
        await run(method, path, headers, store=store)  # type: ignore[arg-type]
    assert store.checked == []


@pytest.mark.parametrize(("failure", "error"), [(CredentialsUnavailable, ServiceUnavailable),
                                                (CredentialRefused, AccessDenied)])
async def test_store_failures_are_s3_errors(failure: type[Exception],
                                            error: type[Exception]) -> None:
    with pytest.raises(error):
        await run(*signed("v4"), store=SecretKeepingStore(failure))  # type: ignore[arg-type]
