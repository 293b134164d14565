"""What aiohttp's protocol layer used to answer by itself, in S3's form.

Requests it cannot parse get S3 XML errors with a request id, and a connection
must deliver its request head in time (``request_header_timeout_seconds``),
while slow bodies and idle keep-alive connections are left alone.
"""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import DevProcess, GatewayEnv, s3_client_of
from tests.integration.rawhttp import UNSIGNED, open_socket, raw_head, sign_v4
from tests.integration.serve_support import gateway_with_settings

# The tests wait about 4.5 times this in all, so it is short; a head sent in one
# piece is parsed as it arrives, long before it.
HEAD_TIMEOUT = 1.0


def _read_all(sock: socket.socket, deadline: float) -> bytes:
    """Everything until the server closes the connection (or the deadline passes)."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def _response(raw: bytes) -> tuple[int, dict[str, str], str]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body.decode("utf-8")


def _assert_s3_error(raw: bytes, code: str) -> None:
    status, headers, body = _response(raw)
    assert status == 400, raw
    assert headers["content-type"].startswith("application/xml"), raw
    assert f"<Code>{code}</Code>" in body, body
    request_id = re.search(r"<RequestId>([^<]+)</RequestId>", body)
    assert request_id and headers["x-amz-request-id"] == request_id.group(1), raw
    assert headers.get("x-amz-id-2"), raw


def _exchange(env: Any, request: bytes) -> bytes:
    """The answer to ``request`` (its Content-Length says when it is complete)."""
    with open_socket(env) as sock:
        sock.sendall(request)
        return _read_all_head(sock)


@pytest.mark.parametrize("request_bytes, code", [
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
     "RequestHeaderSectionTooLarge"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(700))
     + b"\r\n", "RequestHeaderSectionTooLarge"),
    # Few enough headers and short enough lines for aiohttp, but over 32 KiB in all.
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 200)
                                                   for i in range(200))
     + b"\r\n", "RequestHeaderSectionTooLarge"),
    (b"GET /" + b"k" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "RequestHeaderSectionTooLarge"),
    (b"THIS IS NOT HTTP\r\n\r\n", "BadRequest"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\n\r\n", "BadRequest"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
     "BadRequest"),
])
def test_unparsable_requests_get_s3_errors(dev_process: DevProcess, request_bytes: bytes,
                                           code: str) -> None:
    _assert_s3_error(_exchange(dev_process.env, request_bytes), code)
    assert "Error handling request" not in dev_process.output()  # aiohttp's traceback


@pytest.fixture(scope="module")
def short_head_timeout(gateway_env: GatewayEnv,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProcess]:
    settings = {"S3SWIFT_SERVER_REQUEST_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT)}
    with gateway_with_settings(gateway_env, tmp_path_factory, "s3swift-head-timeout",
                               settings) as dev:
        yield dev


def test_a_dribbled_request_head_is_cut_off(short_head_timeout: DevProcess) -> None:
    with open_socket(short_head_timeout.env) as sock:
        started = time.monotonic()
        deadline = started + HEAD_TIMEOUT + 20
        sock.sendall(b"GET / HTTP/1.1\r\n")
        answer = b""
        # One header byte at a time, each after waiting up to 0.2 s for the answer.
        for byte in b"X-Slow: " + b"s" * 1000:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            answer = _read_all(sock, min(deadline, time.monotonic() + 0.2))
            if answer or time.monotonic() > deadline:
                break
        answer += _read_all(sock, deadline)
        elapsed = time.monotonic() - started
    assert HEAD_TIMEOUT - 0.5 <= elapsed < HEAD_TIMEOUT + 20, elapsed  # not cut off early
    _assert_s3_error(answer, "RequestTimeout")


def test_slow_bodies_and_idle_keep_alive_are_not_cut_off(short_head_timeout: DevProcess) -> None:
    env = short_head_timeout.env
    bucket = f"slow-{uuid.uuid4().hex[:12]}"
    s3_client_of(env).create_bucket(Bucket=bucket)
    body = b"0123456789" * 4
    url = f"{env.endpoint}/{bucket}/slow"
    headers = sign_v4("PUT", url, env.access_key, env.secret_key, env.region,
                      headers={"Content-Length": str(len(body))}, payload_hash=UNSIGNED)
    headers["Host"] = f"127.0.0.1:{env.port}"
    with open_socket(env) as sock:
        sock.sendall(raw_head("PUT", f"/{bucket}/slow", headers))
        # The body takes about twice the head timeout: 4 pieces, each after waiting
        # (for an answer that must not come) about HEAD_TIMEOUT / 2.
        for piece in range(4):
            assert _read_all(sock, time.monotonic() + HEAD_TIMEOUT / 2) == b""
            sock.sendall(body[piece * 10:(piece + 1) * 10])
        head = _read_all_head(sock)
        assert head.startswith(b"HTTP/1.1 200"), head
        # Idle longer than the head timeout, then another request on the connection.
        assert _read_all(sock, time.monotonic() + HEAD_TIMEOUT * 1.5) == b""
        get_url = f"{env.endpoint}/{bucket}/slow"
        get_headers = sign_v4("GET", get_url, env.access_key, env.secret_key, env.region)
        get_headers["Host"] = f"127.0.0.1:{env.port}"
        sock.sendall(raw_head("GET", f"/{bucket}/slow", get_headers))
        answer = _read_all_head(sock)
        assert answer.startswith(b"HTTP/1.1 200"), answer
    assert s3_client_of(env).get_object(Bucket=bucket, Key="slow")["Body"].read() == body


def _read_all_head(sock: socket.socket) -> bytes:
    """One response (head and a Content-Length body) on a kept-alive connection."""
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(_response(head + b"\r\n\r\n")[1].get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest
