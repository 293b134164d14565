"""Presigned URLs at the edge of their life: X-Amz-Expires=0 and SigV2 Expires past."""

from __future__ import annotations

import time
from typing import Any

import requests
from botocore.auth import HmacV1QueryAuth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def presigned_v4(env: Any, path: str, expires: int) -> str:
    """botocore's pure-Python SigV4 query signer (its CRT signer refuses 0 seconds)."""
    request = AWSRequest(method="GET", url=env.endpoint + path)
    S3SigV4QueryAuth(Credentials(env.access_key, env.secret_key), "s3", env.region,
                     expires=expires).add_auth(request)
    return request.prepare().url


class _ExpiresAt(HmacV1QueryAuth):
    """botocore's SigV2 query signer with an absolute ``Expires`` (epoch seconds)."""

    def __init__(self, credentials: Credentials, expires_at: int) -> None:
        super().__init__(credentials)
        self._expires_at = expires_at

    def _get_date(self) -> str:
        return str(self._expires_at)


def presigned_v2(env: Any, path: str, expires_at: int) -> str:
    request = AWSRequest(method="GET", url=env.endpoint + path)
    _ExpiresAt(Credentials(env.access_key, env.secret_key), expires_at).add_auth(request)
    return request.prepare().url


def test_sigv4_expires_zero_is_valid_and_already_expired(gateway_env: Any, s3_client: Any,
                                                          bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"k")
    url = presigned_v4(gateway_env, f"/{bucket}/k", 0)
    assert "X-Amz-Expires=0" in url
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 403
    assert "<Code>AccessDenied</Code>" in resp.text
    assert "<Message>Request has expired</Message>" in resp.text
    assert "<X-Amz-Expires>0</X-Amz-Expires>" in resp.text
    # The same URL with a lifetime works: the refusal is the expiry, not the signature.
    assert requests.get(presigned_v4(gateway_env, f"/{bucket}/k", 60), timeout=30).content == b"k"


def test_sigv2_expires_in_the_past_is_expired(gateway_env: Any, s3_client: Any,
                                              bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"k")
    for past in (int(time.time()) - 60, 0):
        url = presigned_v2(gateway_env, f"/{bucket}/k", past)
        assert f"Expires={past}" in url
        resp = requests.get(url, timeout=30)
        assert resp.status_code == 403
        assert "<Code>AccessDenied</Code>" in resp.text
        assert "<Message>Request has expired</Message>" in resp.text
    future = presigned_v2(gateway_env, f"/{bucket}/k", int(time.time()) + 60)
    assert requests.get(future, timeout=30).content == b"k"
