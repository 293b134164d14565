"""The OS-EC2 API of ``s3swift dev``, driven by python-keystoneclient with a real
tempauth token; the keys it makes work for S3 (boto3) until deleted.

Keystone's bodies and status codes in detail: tests/unit/test_identity_api.py.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
import swiftclient.client
from botocore.exceptions import ClientError
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session, token_endpoint
from keystoneclient.v3 import client as keystone_v3

from tests.integration.conftest import GatewayEnv


@pytest.fixture(scope="module")
def tester_token(gateway_env: GatewayEnv) -> str:
    """A tempauth token of ``test:tester``, who owns AUTH_test."""
    _, token = swiftclient.client.get_auth(gateway_env.swift_auth_url, gateway_env.swift_user,
                                           gateway_env.swift_key)
    return token


@pytest.fixture(scope="module")
def identity_url(gateway_env: GatewayEnv) -> str:
    url = gateway_env.raw["identity_api"]["url"]
    assert url and url.startswith("http://")
    return url


def keystone_client(identity_url: str, token: str) -> Any:
    auth = token_endpoint.Token(identity_url + "/v3", token)
    return keystone_v3.Client(session=session.Session(auth=auth))


def s3_with(env: GatewayEnv, access: str, secret: str) -> Any:
    return boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name=env.region)


def test_keystoneclient_ec2_manager_makes_keys_s3_accepts(
        gateway_env: GatewayEnv, identity_url: str, tester_token: str) -> None:
    user = gateway_env.swift_user  # test:tester
    keystone = keystone_client(identity_url, tester_token)
    cred = keystone.ec2.create(user, "test")
    assert (cred.user_id, cred.tenant_id, cred.trust_id) == (user, "test", None)
    assert cred.access in [c.access for c in keystone.ec2.list(user)]
    assert keystone.ec2.get(user, cred.access).secret == cred.secret

    s3 = s3_with(gateway_env, cred.access, cred.secret)
    s3.put_object(Bucket=_bucket(s3), Key="made-by-keystoneclient", Body=b"hi")

    keystone.ec2.delete(user, cred.access)
    with pytest.raises(ClientError) as refused:
        s3.list_buckets()  # one process, one store: refused at once
    assert refused.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    with pytest.raises(ks_exceptions.Unauthorized):
        keystone.ec2.get(user, cred.access)


def _bucket(s3: Any) -> str:
    s3.create_bucket(Bucket="identity-api-keys")
    return "identity-api-keys"


def test_tokens_swift_refuses_are_refused(gateway_env: GatewayEnv, identity_url: str,
                                          tester_token: str) -> None:
    user = gateway_env.swift_user
    with pytest.raises(ks_exceptions.Unauthorized):
        keystone_client(identity_url, "AUTH_tk-not-a-token").ec2.list(user)
    # A valid token, but for an account its user does not own.
    with pytest.raises(ks_exceptions.Forbidden):
        keystone_client(identity_url, tester_token).ec2.create(user, "someone-else")
    with pytest.raises(ks_exceptions.Forbidden):
        keystone_client(identity_url, tester_token).ec2.list("someone-else:user")


def test_v2_spelling(gateway_env: GatewayEnv, identity_url: str, tester_token: str) -> None:
    base = f"{identity_url}/identity/v2.0/users/{gateway_env.swift_user}/credentials/OS-EC2"
    headers = {"X-Auth-Token": tester_token}
    created = requests.post(base, json={"tenant_id": "test"}, headers=headers, timeout=30)
    assert created.status_code == 201
    assert "links" not in created.json()["credential"]  # Keystone's v2.0 bodies had none
    access = created.json()["credential"]["access"]
    shown = requests.get(f"{base}/{access}", headers=headers, timeout=30)
    assert shown.status_code == 200 and shown.json() == created.json()
    assert requests.delete(f"{base}/{access}", headers=headers, timeout=30).status_code == 204
    gone = requests.get(f"{base}/{access}", headers=headers, timeout=30)
    assert gone.status_code == 401 and gone.json()["error"]["message"] == "EC2 access key not found."
