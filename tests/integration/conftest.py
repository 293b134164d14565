"""Integration fixtures: a real ``s3swift dev`` (embedded Swift + gateway) per session.

The gateway runs as a subprocess exactly as a developer starts it, so the
tests exercise the real command line, the real Swift and real sockets. A
module that needs other gateway settings gets a second gateway, ``s3swift
serve``, on the session's Swift (``gateway_with_settings``): one Swift per
session, except in the tests about starting ``dev`` itself.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import swiftclient.client
from botocore.config import Config

from tests.integration.awscli_support import run_aws
from tests.integration.bucket_pool import BucketPool
from tests.integration.listing_support import fill_listing_bucket

STARTUP_TIMEOUT = 90.0  # generous: CI machines may be busy
SHUTDOWN_TIMEOUT = 30.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration so ``-m "not integration"`` skips them."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class GatewayEnv:
    """Where a running ``s3swift dev`` listens, parsed from its endpoints.json."""

    data_dir: Path
    endpoint: str
    port: int
    access_key: str
    secret_key: str
    region: str
    account: str
    swift_auth_url: str
    swift_user: str
    swift_key: str
    swift_account: str
    swift_admin_user: str
    swift_admin_key: str
    swift_proxy_url: str
    swift_pids: tuple[int, ...]
    pid: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_document(cls, data_dir: Path, doc: dict[str, Any]) -> GatewayEnv:
        s3, swift = doc["s3"], doc["swift"]
        return cls(
            data_dir=data_dir, endpoint=s3["endpoint"], port=int(s3["port"]),
            access_key=s3["access_key"], secret_key=s3["secret_key"], region=s3["region"],
            account=s3.get("account", swift["account"]),
            swift_auth_url=swift["auth_url"], swift_user=swift["user"],
            swift_key=swift["key"], swift_account=swift["account"],
            swift_admin_user=swift["admin_user"], swift_admin_key=swift["admin_key"],
            swift_proxy_url=swift["proxy_url"], swift_pids=tuple(swift.get("pids", ())),
            pid=int(doc["pid"]), raw=doc)


@dataclass
class DevProcess:
    """A running ``s3swift dev`` (or ``serve``: ``start_serve``) subprocess and its files."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    env: GatewayEnv
    command: str = "dev"  # its output is in <command>.stdout and <command>.stderr

    def output(self) -> str:
        return read_output(self.data_dir, self.command)

    def stderr(self) -> str:
        """Everything the process wrote to its standard error so far (its log)."""
        return (self.data_dir / f"{self.command}.stderr").read_text(errors="replace")

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT) -> int:
        """SIGTERM and wait; SIGKILL (and fail) if it does not exit in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            pytest.fail(f"s3swift {self.command} did not exit within {timeout}s of SIGTERM\n"
                        f"{self.output()}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3swift_command(*args: str) -> list[str]:
    """The ``s3swift`` command of the interpreter running the tests."""
    return [sys.executable, "-m", "gateway.cli", *args]


def read_output(data_dir: Path, command: str = "dev") -> str:
    """The tail of what ``s3swift <command>`` wrote in ``data_dir``."""
    parts = []
    for name in (f"{command}.stdout", f"{command}.stderr"):
        path = data_dir / name
        text = path.read_text(errors="replace") if path.exists() else ""
        parts.append(f"--- {name} ---\n{text[-8000:]}")
    return "\n".join(parts)


def start_dev(data_dir: Path, port: int | None, *extra: str,
              timeout: float = STARTUP_TIMEOUT) -> DevProcess:
    """Start ``s3swift dev`` and wait for its endpoints.json; fail with its output.

    ``port=None`` passes no ``--port``: the environment or the default decides."""
    data_dir.mkdir(parents=True, exist_ok=True)
    endpoints = data_dir / "endpoints.json"
    port_option = ("--port", str(port)) if port is not None else ()
    # Throwaway Swift: no fsync (a sixth of the suite's time), hourly account stats (an eighth).
    command = s3swift_command("dev", *port_option, "--data-dir", str(data_dir), "--no-disk-sync",
                              "--container-updater-interval", "3600", *extra)
    with open(data_dir / "dev.stdout", "wb") as out, open(data_dir / "dev.stderr", "wb") as err:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    deadline = time.monotonic() + timeout
    while True:
        if endpoints.exists():
            doc = json.loads(endpoints.read_text())
            if doc.get("pid") == process.pid:
                return DevProcess(process, data_dir, GatewayEnv.from_document(data_dir, doc))
        code = process.poll()
        if code is not None:
            pytest.fail(f"s3swift dev exited early with code {code}\n{read_output(data_dir)}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait(10)
            pytest.fail(f"s3swift dev wrote no endpoints.json within {timeout}s\n"
                        f"{read_output(data_dir)}")
        time.sleep(0.1)


def start_dev_on_free_port(data_dir: Path, *extra: str) -> DevProcess:
    """``start_dev`` on a free port, again on another one if that port got taken.

    A port found free can be claimed (by the embedded Swift itself, say) before
    the gateway binds it; that start fails with "address already in use".
    """
    for attempt in range(3):
        port = free_port()
        try:
            return start_dev(data_dir, port, *extra)
        except pytest.fail.Exception as exc:
            if "address already in use" not in str(exc) or attempt == 2:
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def dev_with_settings(tmp_path_factory: pytest.TempPathFactory, label: str,
                      settings: Mapping[str, str]) -> Iterator[DevProcess]:
    """An ``s3swift dev`` started with ``S3SWIFT_*`` environment ``settings``, for a
    module whose tests need other settings; asserts a clean exit on SIGTERM at the end."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in settings.items():
            env.setenv(name, value)
        dev = start_dev_on_free_port(tmp_path_factory.mktemp(label))
    yield dev
    code = dev.stop()
    assert code == 0, f"s3swift dev exited with {code}\n{dev.output()}"


def s3_client_of(env: GatewayEnv, config: Config | None = None) -> Any:
    """A boto3 S3 client for a gateway (default settings unless ``config``)."""
    return boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=env.access_key,
                        aws_secret_access_key=env.secret_key, region_name=env.region,
                        config=config)


def plain_s3_client_of(env: GatewayEnv) -> Any:
    """A boto3 client that sends a checksum only when an operation requires one
    (``when_required``), so the gateway sees uploads without any checksum."""
    return s3_client_of(env, Config(request_checksum_calculation="when_required"))


def swift_conn_of(env: GatewayEnv) -> swiftclient.client.Connection:
    """python-swiftclient as a gateway's Swift test user."""
    return swiftclient.client.Connection(authurl=env.swift_auth_url, user=env.swift_user,
                                         key=env.swift_key, auth_version="1", retries=1)


@pytest.fixture(scope="session")
def dev_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProcess]:
    """The session's ``s3swift dev``."""
    with dev_with_settings(tmp_path_factory, "s3swift-dev", {}) as dev:
        yield dev


@pytest.fixture(scope="session")
def gateway_env(dev_process: DevProcess) -> GatewayEnv:
    return dev_process.env


@pytest.fixture
def launch_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., DevProcess]]:
    """Start extra ``s3swift dev`` instances (own port and data dir); stopped afterwards."""
    started: list[DevProcess] = []

    def launch(*extra: str, data_dir: Path | None = None) -> DevProcess:
        data_dir = data_dir or tmp_path_factory.mktemp("s3swift-dev-extra")
        dev = start_dev_on_free_port(data_dir, *extra)
        started.append(dev)
        return dev

    yield launch
    for dev in started:
        if dev.process.poll() is None:
            dev.stop()


@pytest.fixture(scope="session")
def s3_client(gateway_env: GatewayEnv) -> Any:
    """A boto3 S3 client with default settings (path-style for a host:port endpoint)."""
    return s3_client_of(gateway_env)


@pytest.fixture(scope="session")
def plain_client(gateway_env: GatewayEnv) -> Any:
    """``plain_s3_client_of`` the session's gateway."""
    return plain_s3_client_of(gateway_env)


@pytest.fixture(scope="session")
def _localhost_subdomains_resolve() -> Iterator[None]:
    """Resolve ``*.localhost`` to loopback in this process (RFC 6761).

    Many resolvers (glibc without systemd-resolved) do not, and virtual-hosted
    style puts the bucket in the host name: ``bucket.localhost``.
    """
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        elif isinstance(host, bytes) and host.endswith(b".localhost"):
            host = b"127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    yield
    socket.getaddrinfo = original  # type: ignore[assignment]


@pytest.fixture(scope="session")
def s3_client_vhost(gateway_env: GatewayEnv, _localhost_subdomains_resolve: None) -> Any:
    """A boto3 client using virtual-hosted style: http://<bucket>.localhost:<port>."""
    return boto3.client("s3", endpoint_url=f"http://localhost:{gateway_env.port}",
                        aws_access_key_id=gateway_env.access_key,
                        aws_secret_access_key=gateway_env.secret_key,
                        region_name=gateway_env.region,
                        config=Config(s3={"addressing_style": "virtual"}))


@pytest.fixture(scope="session")
def swift_conn(gateway_env: GatewayEnv) -> swiftclient.client.Connection:
    """python-swiftclient as the test user (``test:tester``, account AUTH_test)."""
    return swift_conn_of(gateway_env)


@pytest.fixture(scope="session")
def swift_admin_conn(gateway_env: GatewayEnv) -> swiftclient.client.Connection:
    """python-swiftclient as the gateway's reseller admin (may use any AUTH_ account)."""
    return swiftclient.client.Connection(
        authurl=gateway_env.swift_auth_url, user=gateway_env.swift_admin_user,
        key=gateway_env.swift_admin_key, auth_version="1", retries=1)


@pytest.fixture(scope="session")
def listing_bucket(gateway_env: GatewayEnv, s3_client: Any,
                   swift_conn: swiftclient.client.Connection) -> str:
    """One bucket holding listing_support.ALL_KEYS, shared by every module that only
    lists it (building it costs more than all the listings): never write to it.

    Not deleted: nothing runs after it, and the session's Swift goes with the session
    (most of its keys are listing rows only: ``listing_support.merge_rows``)."""
    return fill_listing_bucket(gateway_env, s3_client, swift_conn)


def create_credential(gateway_env: GatewayEnv, access_key: str | None = None,
                      secret_key: str | None = None,
                      account: str | None = None) -> tuple[str, str, str]:
    """Create an S3 key through ``s3swift credentials create``; returns (access, secret, account).

    Defaults: a unique access key and secret, and a fresh unique account. The real
    command, run in this process (``gateway.cli.main``): a subprocess per key would
    spend most of its second on imports.
    """
    from gateway.cli import main as s3swift

    suffix = uuid.uuid4().hex[:12]
    access_key = access_key or f"AK{suffix.upper()}"
    secret_key = secret_key or f"secret-{uuid.uuid4().hex}"
    account = account or f"AUTH_it{suffix}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = s3swift(["credentials", "create", "--data-dir", str(gateway_env.data_dir),
                        "--access-key", access_key, "--secret-key", secret_key,
                        "--account", account])
    assert code == 0, f"credentials create failed:\n{out.getvalue()}{err.getvalue()}"
    return access_key, secret_key, account


@pytest.fixture
def make_credential(gateway_env: GatewayEnv) -> Callable[..., tuple[str, str, str]]:
    """``create_credential`` for this session's gateway."""
    return functools.partial(create_credential, gateway_env)


@pytest.fixture(scope="session")
def eu_gateway(gateway_env: GatewayEnv,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProcess]:
    """A second gateway set to eu-central-1 (S3's rules outside us-east-1), shared by
    the modules about regions: each start of one costs more than their tests."""
    from tests.integration.serve_support import gateway_with_settings
    with gateway_with_settings(gateway_env, tmp_path_factory, "s3swift-eu-central-1",
                               {"S3SWIFT_SERVER_REGION": "eu-central-1"}) as gateway:
        yield gateway


@pytest.fixture(scope="session")
def eager_gateway(gateway_env: GatewayEnv,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProcess]:
    """A second gateway whose Complete and DeleteObjects start their response at once
    (``complete_keepalive_seconds = 0``), shared by the modules that need it."""
    from tests.integration.serve_support import gateway_with_settings
    with gateway_with_settings(gateway_env, tmp_path_factory, "s3swift-keepalive",
                               {"S3SWIFT_SERVER_COMPLETE_KEEPALIVE_SECONDS": "0"}) as gateway:
        yield gateway


@pytest.fixture
def aws_cli(gateway_env: GatewayEnv, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``aws_cli(*args, check=True)``: run aws-cli against the session's gateway."""
    return functools.partial(run_aws, gateway_env, tmp_path)


@pytest.fixture(scope="session")
def bucket_pool(s3_client: Any) -> BucketPool:
    """Fresh buckets of the session's account, made in batches (``bucket_pool``)."""
    return BucketPool(s3_client)


@pytest.fixture
def bucket(bucket_pool: BucketPool) -> str:
    """A fresh, uniquely named bucket of its own; left for the session's Swift to take."""
    return bucket_pool.take()


@pytest.fixture
def other_bucket(bucket_pool: BucketPool) -> str:
    """A second fresh bucket, for tests between two buckets."""
    return bucket_pool.take()


@pytest.fixture(scope="session")
def _case_buckets() -> dict[str, str]:
    return {}


@pytest.fixture
def case_bucket(request: pytest.FixtureRequest, bucket_pool: BucketPool,
                _case_buckets: dict[str, str]) -> str:
    """One fresh bucket for all cases of a parametrized test, each of which asserts it
    left the bucket as it found it (refused requests): a bucket per case costs more."""
    test = request.node.nodeid.partition("[")[0]
    if test not in _case_buckets:
        _case_buckets[test] = bucket_pool.take()
    return _case_buckets[test]
