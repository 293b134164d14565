"""`s3swift serve` from a TOML file (with env overrides and workers), and Swift outages.

Swift is real; a TCP forwarder in front of its proxy lets the test cut and
restore the network path, as an outage would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration.conftest import free_port, s3swift_command


class Forwarder:
    """Forwards 127.0.0.1:<port> to a target while ``up``; drops everything when down."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.port = free_port()
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    def up(self) -> None:
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def down(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)


@dataclass(frozen=True)
class Served:
    """The module's ``s3swift serve`` (2 workers) behind its forwarder, and its log."""

    client: Any
    forwarder: Forwarder
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
def served(gateway_env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``serve`` for the module (starting two workers costs more than the tests):
    the outage test leaves the forwarder up again, the worker test runs last and
    ends with the master's SIGTERM itself."""
    tmp_path = tmp_path_factory.mktemp("served")
    proxy = urlsplit(gateway_env.swift_proxy_url)
    forwarder = Forwarder(proxy.hostname or "127.0.0.1", proxy.port or 80)
    forwarder.up()
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(f"""
[server]
host = "127.0.0.1"
port = 1
workers = 2
region = "{gateway_env.region}"

[swift]
auth_type = "tempauth"
auth_url = "http://127.0.0.1:{forwarder.port}/auth/v1.0"
user = "{gateway_env.swift_admin_user}"
key = "{gateway_env.swift_admin_key}"
endpoint = "http://127.0.0.1:{forwarder.port}/v1"
timeout_seconds = 5
connect_timeout_seconds = 2

[credentials]
backend = "static"
""")
    env = dict(os.environ,
               S3SWIFT_SERVER_PORT=str(port),  # the environment overrides the file
               S3SWIFT_CREDENTIALS_ACCESS_KEY="serve-key",
               S3SWIFT_CREDENTIALS_SECRET_KEY="serve-secret",
               S3SWIFT_CREDENTIALS_ACCOUNT=gateway_env.account)
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen(s3swift_command("serve", "--config", str(config)), env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    client = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="serve-key",
        aws_secret_access_key="serve-secret", region_name=gateway_env.region,
        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                      connect_timeout=5, read_timeout=30))
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "serve.log").read_text())
            time.sleep(0.2)
    yield Served(client, forwarder, process, tmp_path / "serve.log")
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, (tmp_path / "serve.log").read_text()
    log.close()
    forwarder.down()


def test_serve_with_workers_uses_the_same_swift(served: Served, s3_client: Any,
                                                bucket: str) -> None:
    client, process = served.client, served.process
    s3_client.put_object(Bucket=bucket, Key="shared", Body=b"seen by both gateways")
    assert client.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"seen by both gateways"
    workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    assert len(workers.stdout.split()) == 2


def test_swift_outage_is_503_and_the_gateway_recovers(served: Served, s3_client: Any,
                                                      bucket: str) -> None:
    client, forwarder = served.client, served.forwarder
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"before the outage")
    forwarder.down()
    for call in (lambda: client.get_object(Bucket=bucket, Key="k"),
                 lambda: client.list_buckets(),
                 lambda: client.put_object(Bucket=bucket, Key="k2", Body=b"x")):
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        # The log says why, once, on the request's line, without a traceback (the
        # access log's JSON line for the request aside).
        request_id = exc.value.response["ResponseMetadata"]["RequestId"]
        all_lines = [line for line in served.log.read_text().splitlines()
                     if request_id in line]
        lines = [line for line in all_lines if not line.startswith("{")]
        assert len(lines) == 1, all_lines
        assert "ServiceUnavailable" in lines[0] and "Cannot connect to host" in lines[0], lines
    assert "Traceback" not in served.log.read_text()
    forwarder.up()
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"before the outage"
    client.put_object(Bucket=bucket, Key="k2", Body=b"after")
    assert s3_client.get_object(Bucket=bucket, Key="k2")["Body"].read() == b"after"


def _workers_of(process: subprocess.Popen) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def test_a_killed_worker_is_logged_and_replaced(served: Served, gateway_env: Any) -> None:
    """Last in the module: it stops the module's ``serve``."""
    served_client, process = served.client, served.process
    workers = _workers_of(process)
    assert len(workers) == 2
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while len(_workers_of(process) - workers) < 1 or victim in _workers_of(process):
        assert time.monotonic() < deadline, served.log.read_text()
        time.sleep(0.1)
    current = _workers_of(process)
    assert len(current) == 2 and victim not in current
    # A new client (fresh connections): every request is served.
    client = boto3.client(
        "s3", endpoint_url=served_client.meta.endpoint_url,
        aws_access_key_id="serve-key", aws_secret_access_key="serve-secret",
        region_name=gateway_env.region, config=Config(retries={"max_attempts": 1}))
    for _ in range(20):
        assert client.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    log = served.log.read_text()
    assert f"worker {victim} was killed by signal SIGKILL; starting a replacement" in log, log
    replacement = (current - workers).pop()
    assert f"worker {replacement} started" in log, log
    # SIGTERM to the master still stops everything, with status 0.
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, log
    assert not any(Path(f"/proc/{pid}").exists() for pid in current)
