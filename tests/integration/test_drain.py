"""SIGTERM drains ``serve --workers 2``: readiness turns false, the port stops accepting,
an upload in flight completes, then the process exits 0."""

from __future__ import annotations

import signal
import socket
import time
from typing import Any

import pytest

from tests.integration import rawhttp
from tests.integration.conftest import free_port
from tests.integration.ops_support import get, scrape
from tests.integration.serve_support import start_serve

BODY = b"d" * (2 << 20)


def _poll(condition: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_lets_an_upload_in_flight_finish_and_refuses_new_connections(
        gateway_env: Any, tmp_path: Any, s3_client: Any, bucket: str) -> None:
    admin_port = free_port()
    gateway = start_serve(gateway_env, tmp_path / "drain", {
        "S3SWIFT_SERVER_WORKERS": "2", "S3SWIFT_SERVER_METRICS_PORT": str(admin_port),
        "S3SWIFT_SERVER_SHUTDOWN_GRACE_SECONDS": "60"})
    admin = f"http://127.0.0.1:{admin_port}"
    try:
        _poll(lambda: get(f"{admin}/readyz")[0] == 200, "readiness")
        env = gateway.env
        path = f"/{bucket}/in-flight"
        headers = rawhttp.sign_v4("PUT", env.endpoint + path, env.access_key, env.secret_key,
                                  env.region, headers={"Content-Length": str(len(BODY))},
                                  payload_hash=rawhttp.UNSIGNED)
        sock = socket.create_connection(("127.0.0.1", env.port), timeout=60)
        with sock:
            head = rawhttp.raw_head("PUT", path, {"Host": f"127.0.0.1:{env.port}", **headers})
            sock.sendall(head + BODY[:len(BODY) // 2])
            _poll(lambda: scrape(f"{admin}/metrics")["s3swift_requests_in_flight"] == 1,
                  "the upload in flight")
            gateway.process.send_signal(signal.SIGTERM)
            _poll(lambda: get(f"{admin}/readyz")[0] == 503, "readiness to turn false")
            _poll(lambda: _refused(env.port), "new connections to be refused")
            assert gateway.process.poll() is None  # still draining the upload
            sock.sendall(BODY[len(BODY) // 2:])
            assert rawhttp.read_response_head(sock).startswith(b"HTTP/1.1 200")
        assert gateway.process.wait(30) == 0, gateway.output()
    finally:
        if gateway.process.poll() is None:
            gateway.stop()
    assert s3_client.get_object(Bucket=bucket, Key="in-flight")["Body"].read() == BODY
    assert "Traceback" not in gateway.output()
