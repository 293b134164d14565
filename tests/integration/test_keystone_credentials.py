"""Keystone as the credential source, against a real Keystone and the session's Swift.

Keys are EC2 credentials made through Keystone's own API by their users; the
gateway (``s3swift serve`` with ``[credentials] backend = "keystone"``) reads
secrets with its service identity (system ``reader`` + ``service``), caches
them ``cache_seconds`` (0.5 s here, so expiry is quick to observe) and acts on
the Swift account ``AUTH_<project_id>`` as the reseller admin.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import swiftclient.client
from botocore.config import Config
from botocore.exceptions import ClientError

from gateway.config import KeystoneConfig, SwiftConfig
from gateway.keystone.client import KeystoneClient
from gateway.swift.auth import TokenProvider
from tests.integration.conftest import (
    DevProcess, GatewayEnv, free_port, run_aws, s3_client_of)
from tests.integration.keystone_support import (
    Ec2Key, KeystoneServer, password_token, start_keystone)
from tests.integration.s3_support import error_of, eventually
from tests.integration.serve_support import start_serves, stop_serves

CACHE_SECONDS = 0.5  # the tests wait for it to pass
EXPIRY_DEADLINE = 30.0  # generous on a loaded machine; the loop ends as soon as it expires
PASSWORD = "user-password"


@pytest.fixture(scope="session")
def keystone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeystoneServer]:
    """One Keystone per session, from the template state (started only when needed)."""
    server = start_keystone(tmp_path_factory.mktemp("keystone"), free_port())
    yield server
    server.stop()


@dataclasses.dataclass(frozen=True)
class World:
    project_id: str
    member: Ec2Key
    reader_only: Ec2Key
    service_name: str
    service_password: str


@pytest.fixture(scope="module")
def world(keystone_server: KeystoneServer) -> World:
    """A project, a member user and a reader-only user with EC2 keys, the gateway's user."""
    admin = keystone_server.admin()
    suffix = uuid.uuid4().hex[:8]
    project_id = admin.project(f"s3-{suffix}")
    member = admin.user(f"member-{suffix}", PASSWORD)
    admin.grant(member, project_id, "member")
    reader = admin.user(f"reader-{suffix}", PASSWORD)
    admin.grant(reader, project_id, "reader")
    _, service_name = admin.service_user("service-password")
    return World(project_id, admin.ec2_key(member, PASSWORD, project_id),
                 admin.issued_ec2_key(reader, project_id), service_name, "service-password")


@pytest.fixture(scope="module")
def ks_metrics_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def ks_gateways(gateway_env: GatewayEnv, keystone_server: KeystoneServer, world: World,
                tmp_path_factory: pytest.TempPathFactory, ks_metrics_port: int,
                ec2_api_listen_port: int) -> Iterator[dict[str, DevProcess]]:
    """The module's three gateways, started at once (their start-ups overlap):

    ``keystone``: ``backend = "keystone"``, its user reads secrets (cache 1 s);
    ``s3tokens``: its Keystone user has only ``service``: it cannot read secrets, so
    Keystone's /v3/s3tokens checks each signature;
    ``ec2_api``: its own SQLite store, whose OS-EC2 API takes Keystone tokens
    (``[keystone]`` configured, ``backend`` left at ``sqlite``).
    """
    _, s3tokens_user = keystone_server.admin().service_user("service-password",
                                                            roles=("service",))
    service = {"S3SWIFT_KEYSTONE_AUTH_URL": keystone_server.url,
               "S3SWIFT_KEYSTONE_USER": world.service_name,
               "S3SWIFT_KEYSTONE_PASSWORD": world.service_password}
    settings = {
        "keystone": {**service, "S3SWIFT_SERVER_METRICS_PORT": str(ks_metrics_port),
                     "S3SWIFT_CREDENTIALS_BACKEND": "keystone",
                     "S3SWIFT_KEYSTONE_CACHE_SECONDS": str(CACHE_SECONDS),
                     "S3SWIFT_KEYSTONE_NEGATIVE_CACHE_SECONDS": str(CACHE_SECONDS)},
        "s3tokens": {"S3SWIFT_CREDENTIALS_BACKEND": "keystone",
                     "S3SWIFT_KEYSTONE_AUTH_URL": keystone_server.url,
                     "S3SWIFT_KEYSTONE_USER": s3tokens_user,
                     "S3SWIFT_KEYSTONE_PASSWORD": "service-password"},
        "ec2_api": {**service, "S3SWIFT_IDENTITY_API_ENABLED": "true",
                    "S3SWIFT_IDENTITY_API_PORT": str(ec2_api_listen_port)},
    }
    gateways = start_serves(gateway_env, [(tmp_path_factory.mktemp(f"{name}-gw"), each)
                                          for name, each in settings.items()])
    try:
        yield dict(zip(settings, gateways, strict=True))
    finally:
        stop_serves(gateways)


@pytest.fixture(scope="module")
def ks_gateway(ks_gateways: dict[str, DevProcess]) -> DevProcess:
    return ks_gateways["keystone"]


@pytest.fixture(scope="module")
def s3tokens_gateway(ks_gateways: dict[str, DevProcess]) -> DevProcess:
    return ks_gateways["s3tokens"]


def env_for(gateway: DevProcess, key: Ec2Key) -> GatewayEnv:
    return dataclasses.replace(gateway.env, access_key=key.access, secret_key=key.secret,
                               account=f"AUTH_{key.project_id}")


def client_for(gateway: DevProcess, key: Ec2Key) -> Any:
    return s3_client_of(env_for(gateway, key))


def test_boto3_everyday_operations_land_in_the_projects_account(
        ks_gateway: DevProcess, world: World,
        swift_admin_conn: swiftclient.client.Connection) -> None:
    s3 = client_for(ks_gateway, world.member)
    bucket = f"ks-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello keystone")
    assert s3.get_object(Bucket=bucket, Key="a/b.txt")["Body"].read() == b"hello keystone"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["a/b.txt"]
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    # The bucket is a container of the key's project's account, as keystoneauth maps it.
    url, token = swift_admin_conn.get_auth()
    account_url = url.rsplit("/", 1)[0] + f"/AUTH_{world.project_id}"
    _, objects = swiftclient.client.get_container(account_url, token, bucket)
    assert [o["name"] for o in objects] == ["a/b.txt"]
    s3.delete_object(Bucket=bucket, Key="a/b.txt")
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=bucket)
    assert error_of(exc)[1] == 404


def test_credential_cache_hits_and_misses_are_exported(
        ks_gateway: DevProcess, world: World, ks_metrics_port: int) -> None:
    def lookups() -> dict[str, float]:
        url = f"http://127.0.0.1:{ks_metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=30) as resp:
            text = resp.read().decode()
        return {result: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                for result in ("hit", "miss")
                if line.startswith(f's3swift_credential_cache_lookups_total{{result="{result}"}}')}

    before = lookups()
    s3 = client_for(ks_gateway, world.member)
    for _ in range(3):
        s3.list_buckets()
    # Counted after the last byte is sent: wait for the third request's count.
    after = eventually(lookups, lambda now: sum(now.values()) >= sum(before.values()) + 3)
    assert sum(after.values()) == sum(before.values()) + 3  # one lookup per request
    assert set(after) == {"hit", "miss"}  # hit or miss: tests/unit/test_keystone_store.py


def test_aws_cli_everyday_operations(ks_gateway: DevProcess, world: World,
                                     tmp_path: Path) -> None:
    env = env_for(ks_gateway, world.member)
    s3 = client_for(ks_gateway, world.member)
    bucket = f"ks-cli-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    source = tmp_path / "up.txt"
    source.write_bytes(b"from the cli")
    run_aws(env, tmp_path, "s3", "cp", str(source), f"s3://{bucket}/up.txt")
    assert "up.txt" in run_aws(env, tmp_path, "s3", "ls", f"s3://{bucket}").stdout
    run_aws(env, tmp_path, "s3", "cp", f"s3://{bucket}/up.txt", str(tmp_path / "down.txt"))
    assert (tmp_path / "down.txt").read_bytes() == b"from the cli"
    s3.delete_object(Bucket=bucket, Key="up.txt")
    s3.delete_bucket(Bucket=bucket)


def test_user_without_an_operator_role_is_refused(ks_gateway: DevProcess, world: World) -> None:
    s3 = client_for(ks_gateway, world.reader_only)
    with pytest.raises(ClientError) as exc:
        s3.list_buckets()
    assert error_of(exc) == ("AccessDenied", 403)


def test_unknown_key_and_wrong_secret(ks_gateway: DevProcess, world: World) -> None:
    unknown = dataclasses.replace(world.member, access=uuid.uuid4().hex)
    with pytest.raises(ClientError) as exc:
        client_for(ks_gateway, unknown).list_buckets()
    assert error_of(exc) == ("InvalidAccessKeyId", 403)
    wrong = dataclasses.replace(world.member, secret=uuid.uuid4().hex)
    with pytest.raises(ClientError) as exc:
        client_for(ks_gateway, wrong).list_buckets()
    assert error_of(exc) == ("SignatureDoesNotMatch", 403)


def test_without_reader_role_s3tokens_checks_v4_v2_and_presigned(
        s3tokens_gateway: DevProcess, world: World) -> None:
    s3 = client_for(s3tokens_gateway, world.member)
    bucket = f"ks-s3t-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"checked by keystone")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.read() == b"checked by keystone"
    v2 = s3_client_of(env_for(s3tokens_gateway, world.member), Config(signature_version="s3"))
    assert v2.get_object(Bucket=bucket, Key="k")["Body"].read() == b"checked by keystone"
    wrong = dataclasses.replace(world.member, secret=uuid.uuid4().hex)
    with pytest.raises(ClientError) as exc:
        client_for(s3tokens_gateway, wrong).list_buckets()
    assert error_of(exc) == ("SignatureDoesNotMatch", 403)
    unknown = dataclasses.replace(world.member, access=uuid.uuid4().hex)
    with pytest.raises(ClientError) as exc:
        client_for(s3tokens_gateway, unknown).list_buckets()
    assert error_of(exc) == ("InvalidAccessKeyId", 403)
    with pytest.raises(ClientError) as exc:
        client_for(s3tokens_gateway, world.reader_only).list_buckets()
    assert error_of(exc) == ("AccessDenied", 403)
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


async def test_one_keystone_client_serves_lookups_token_checks_and_the_swift_identity(
        keystone_server: KeystoneServer, world: World) -> None:
    """The application's one Keystone client: the credential lookup and the OS-EC2
    listener's ``validate_token`` (system-scoped service token), and the Swift
    service identity's project-scoped token, all over its one session."""
    client = KeystoneClient(KeystoneConfig(
        auth_url=keystone_server.url, user=world.service_name,
        password=world.service_password))
    admin = keystone_server.admin()
    suffix = uuid.uuid4().hex[:8]
    swift_project = admin.project(f"swift-service-{suffix}")
    swift_user = admin.user(f"swift-gw-{suffix}", PASSWORD)
    admin.grant(swift_user, swift_project, "admin")
    swift_config = SwiftConfig(
        auth_type="keystone", auth_url=keystone_server.url, user=f"swift-gw-{suffix}",
        key=PASSWORD, project_name=f"swift-service-{suffix}", endpoint="http://swift:8080/v1")
    unused = aiohttp.ClientSession()
    await unused.close()  # the Swift session: Keystone must not be reached over it
    try:
        token = password_token(keystone_server.url, world.member.user_id, PASSWORD,
                               {"project": {"id": world.project_id}})
        info = await client.validate_token(token)
        assert info is not None
        assert (info.user_id, info.project_id) == (world.member.user_id, world.project_id)
        assert "member" in info.roles and not info.system
        assert await client.validate_token("not-a-token") is None
        found = await client.ec2_credential(world.member.access)
        assert found is not None and found.project_id == world.project_id
        swift_token = await TokenProvider(unused, swift_config, keystone=client).get()
        assert swift_token.endpoint == "http://swift:8080/v1"
        swift_info = await client.validate_token(swift_token.value)
        assert swift_info is not None and swift_info.project_id == swift_project
    finally:
        await client.close()


def test_key_deleted_or_user_disabled_in_keystone_stops_working_within_the_cache_time(
        ks_gateway: DevProcess, keystone_server: KeystoneServer, world: World) -> None:
    admin = keystone_server.admin()
    deleted = admin.ec2_key(world.member.user_id, PASSWORD, world.project_id)
    other_user = admin.user(f"other-{uuid.uuid4().hex[:8]}", PASSWORD)
    admin.grant(other_user, world.project_id, "member")
    of_disabled_user = admin.ec2_key(other_user, PASSWORD, world.project_id)
    expected = {"deleted": "InvalidAccessKeyId", "disabled": "AccessDenied"}
    clients = {"deleted": client_for(ks_gateway, deleted),
               "disabled": client_for(ks_gateway, of_disabled_user)}
    for client in clients.values():
        client.list_buckets()  # cached now
    admin.delete_ec2_key(deleted)
    status, _ = admin.call("PATCH", f"/users/{other_user}", {"user": {"enabled": False}})
    assert status == 200
    changed_at = time.monotonic()
    while clients:
        for name, client in list(clients.items()):
            try:
                client.list_buckets()
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == expected[name]
                del clients[name]
        assert time.monotonic() - changed_at < EXPIRY_DEADLINE, f"still working: {clients}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def ec2_api_listen_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def ec2_api_port(ks_gateways: dict[str, DevProcess],
                 ec2_api_listen_port: int) -> tuple[DevProcess, int]:
    """The ``ec2_api`` gateway (``ks_gateways``) and its OS-EC2 API's port."""
    gateway = ks_gateways["ec2_api"]
    # The S3 port is bound before the worker's app (and with it the identity
    # listener) starts: its first answer means both are up.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(gateway.env.endpoint, timeout=60).close()
    return gateway, ec2_api_listen_port


def _ec2_create(port: int, user_id: str, tenant_id: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v3/users/{user_id}/credentials/OS-EC2", method="POST",
        data=json.dumps({"tenant_id": tenant_id}).encode(),
        headers={"X-Auth-Token": token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_os_ec2_api_takes_keystone_tokens_of_the_user_and_project(
        ec2_api_port: tuple[DevProcess, int], keystone_server: KeystoneServer,
        world: World) -> None:
    gateway, port = ec2_api_port
    member = world.member
    scoped = {"project": {"id": world.project_id}}
    token = password_token(keystone_server.url, member.user_id, PASSWORD, scoped)
    status, body = _ec2_create(port, member.user_id, world.project_id, token)
    assert status == 201, body
    made = body["credential"]
    assert (made["user_id"], made["tenant_id"]) == (member.user_id, world.project_id)
    key = Ec2Key(access=made["access"], secret=made["secret"], user_id=member.user_id,
                 project_id=world.project_id)
    s3 = client_for(gateway, key)  # the key acts on the project's account
    bucket = f"ec2api-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)
    # Another user's token, a key for another project, a token that is none: refused.
    reader = password_token(keystone_server.url, world.reader_only.user_id, PASSWORD, scoped)
    assert _ec2_create(port, member.user_id, world.project_id, reader)[0] == 403
    assert _ec2_create(port, world.reader_only.user_id, world.project_id, reader)[0] == 403
    assert _ec2_create(port, member.user_id, "another-project", token)[0] == 403
    assert _ec2_create(port, member.user_id, world.project_id, "not-a-token")[0] == 401


def test_keystone_down_cached_keys_work_uncached_get_503(
        ks_gateway: DevProcess, keystone_server: KeystoneServer, world: World) -> None:
    """Last in the module: stops the session's Keystone (a later user restarts it)."""
    admin = keystone_server.admin()
    uncached = admin.ec2_key(world.member.user_id, PASSWORD, world.project_id)
    cached = client_for(ks_gateway, world.member)
    cached.list_buckets()
    keystone_server.stop()
    stopped_at = time.monotonic()
    # Past the cache time too: while Keystone is unreachable a cached key keeps working.
    while time.monotonic() - stopped_at < 2 * CACHE_SECONDS + 0.5:
        cached.list_buckets()
        time.sleep(0.1)
    no_retries = s3_client_of(env_for(ks_gateway, uncached),
                              Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        no_retries.list_buckets()
    assert error_of(exc) == ("ServiceUnavailable", 503)
    message = exc.value.response["Error"]["Message"].lower()
    assert "keystone" not in message and "refused" not in message

