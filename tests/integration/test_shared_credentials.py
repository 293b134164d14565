"""``backend = "swift"``: two ``s3swift serve`` replicas on one Swift share their keys.

A key made through one replica's OS-EC2 API, or with ``s3swift credentials``,
works on the other within ``cache_seconds``; deleted, it stops working on both.
Every wait is a poll with a deadline.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
import swiftclient.client
from botocore.exceptions import ClientError

from gateway.cli import build_parser
from gateway.credentials import cli as credentials_cli
from tests.integration.conftest import (
    DevProcess,
    GatewayEnv,
    free_port,
)
from tests.integration.serve_support import start_serves, stop_serves

CACHE_SECONDS = 0.5  # the tests wait for it to pass, several times
DEADLINE = CACHE_SECONDS + 20.0  # generous on a loaded machine


def _settings() -> dict[str, str]:
    return {"S3SWIFT_CREDENTIALS_BACKEND": "swift",
            "S3SWIFT_CREDENTIALS_CACHE_SECONDS": str(CACHE_SECONDS),
            "S3SWIFT_IDENTITY_API_ENABLED": "true",
            "S3SWIFT_IDENTITY_API_PORT": str(free_port())}


@pytest.fixture(scope="module")
def replicas(gateway_env: GatewayEnv, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[tuple[DevProcess, str], tuple[DevProcess, str]]]:
    """Two serve processes with the Swift credential store, each with its API URL,
    started at once."""
    settings = [_settings() for _ in range(2)]
    gateways = start_serves(gateway_env, [(tmp_path_factory.mktemp(f"replica-{label}"), each)
                                          for label, each in zip("ab", settings, strict=True)])
    try:
        yield tuple((gateway, f"http://127.0.0.1:{each['S3SWIFT_IDENTITY_API_PORT']}")
                    for gateway, each in zip(gateways, settings, strict=True))  # type: ignore[misc]
    finally:
        stop_serves(gateways)


def _s3(gateway: DevProcess, access: str, secret: str) -> Any:
    return boto3.client("s3", endpoint_url=gateway.env.endpoint, aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name=gateway.env.region)


def _accepted(s3: Any) -> bool:
    try:
        s3.list_buckets()
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvalidAccessKeyId"
        return False
    return True


def _wait_until(condition: Callable[[], bool], what: str) -> float:
    """Poll ``condition``; the seconds it took, or fail after the deadline."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > DEADLINE:
            pytest.fail(f"{what} not within {DEADLINE}s")
        time.sleep(0.2)
    return time.monotonic() - start


def test_a_key_made_on_one_replica_works_on_both_until_deleted(
        gateway_env: GatewayEnv, replicas: Any) -> None:
    (a, a_api), (b, b_api) = replicas
    _, token = swiftclient.client.get_auth(gateway_env.swift_auth_url, gateway_env.swift_user,
                                           gateway_env.swift_key)
    headers = {"X-Auth-Token": token}
    path = f"/v3/users/{gateway_env.swift_user}/credentials/OS-EC2"
    created = requests.post(a_api + path, json={"tenant_id": "test"}, headers=headers,
                            timeout=30)
    assert created.status_code == 201, created.text
    cred = created.json()["credential"]
    access, secret = cred["access"], cred["secret"]

    on_a, on_b = _s3(a, access, secret), _s3(b, access, secret)
    assert _accepted(on_a)  # the replica that wrote it knows it at once
    _wait_until(lambda: _accepted(on_b), "the key usable on replica B")
    listed = requests.get(b_api + path, headers=headers, timeout=30).json()["credentials"]
    # The other replica's API reads the same records (``links.self`` names the
    # listener that answered, so it differs between replicas).
    def without_links(record: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in record.items() if name != "links"}

    assert without_links(cred) in [without_links(item) for item in listed]

    deleted = requests.delete(f"{b_api}{path}/{access}", headers=headers, timeout=30)
    assert deleted.status_code == 204
    assert not _accepted(on_b)
    took = _wait_until(lambda: not _accepted(on_a), "the key refused on replica A")
    assert took <= CACHE_SECONDS + 10  # the cache time, plus a loaded machine's requests


def _cli(config: str, *args: str) -> tuple[int, str, str]:
    """``s3swift credentials --config CONFIG ARGS`` in this process (no interpreter start)."""
    out, err = io.StringIO(), io.StringIO()
    parsed = build_parser().parse_args(["credentials", "--config", config, *args])
    code = credentials_cli.main(parsed, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_manages_the_swift_store(replicas: Any) -> None:
    (a, _), (b, _) = replicas
    config = str(a.data_dir / "gateway.toml")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("S3SWIFT_CREDENTIALS_BACKEND", "swift")
        code, _, err = _cli(config, "create", "--access-key", "SHAREDCLIKEY", "--secret-key",
                            "shared-cli-secret", "--account", "test")
        assert code == 0, err
        code, listed, _ = _cli(config, "list")
        assert code == 0 and "SHAREDCLIKEY  AUTH_test" in listed
        assert "shared-cli-secret" not in listed
        clients = [_s3(replica, "SHAREDCLIKEY", "shared-cli-secret") for replica in (a, b)]
        for s3 in clients:
            _wait_until(lambda s3=s3: _accepted(s3), "the CLI's key usable")
        code, _, err = _cli(config, "delete", "--access-key", "SHAREDCLIKEY")
        assert code == 0, err
        assert _cli(config, "delete", "--access-key", "SHAREDCLIKEY")[0] == 1
    for s3 in clients:
        _wait_until(lambda s3=s3: not _accepted(s3), "the deleted CLI key refused")


def test_the_reserved_account_is_no_keys_account(gateway_env: GatewayEnv,
                                                 replicas: Any) -> None:
    """The records' account is never an S3 key's: neither made nor looked up."""
    _, (_, b_api) = replicas
    _, admin_token = swiftclient.client.get_auth(
        gateway_env.swift_auth_url, gateway_env.swift_admin_user, gateway_env.swift_admin_key)
    # Even the reseller admin's token, which reaches every account, cannot make one.
    path = f"/v3/users/{gateway_env.swift_admin_user}/credentials/OS-EC2"
    made = requests.post(b_api + path, json={"tenant_id": "s3swift-credentials"},
                         headers={"X-Auth-Token": admin_token}, timeout=30)
    assert made.status_code == 404, made.text
    assert made.json()["error"]["message"] == "Could not find project: s3swift-credentials."
