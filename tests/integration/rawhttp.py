"""Raw S3 requests signed by botocore's own signers, for what boto3 will not send.

Malformed bodies, wrong payload hashes, missing headers and hand-made framing
are the point of several tests; the signature itself still comes from botocore,
an implementation independent of the gateway's.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import socket
from collections.abc import Mapping
from unittest import mock
from urllib.parse import urlsplit

import requests
from botocore.auth import HmacV1Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UNSIGNED = "UNSIGNED-PAYLOAD"


class _ClaimedPayloadSigner(S3SigV4Auth):
    """botocore's SigV4 signer, but signing the payload hash the test claims."""

    def __init__(self, credentials: Credentials, region: str, payload_hash: str) -> None:
        super().__init__(credentials, "s3", region)
        self._claimed = payload_hash

    def payload(self, request: AWSRequest) -> str:
        return self._claimed


def sign_v4(method: str, url: str, access_key: str, secret_key: str, region: str, *,
            headers: Mapping[str, str] | None = None, body: bytes = b"",
            payload_hash: str | None = None,
            when: datetime.datetime | None = None) -> dict[str, str]:
    """The headers of a SigV4-signed request (``payload_hash`` defaults to the body's)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = _ClaimedPayloadSigner(Credentials(access_key, secret_key), region,
                                   payload_hash or hashlib.sha256(body).hexdigest())
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    return dict(request.headers.items())


def sign_v2(method: str, url: str, access_key: str, secret_key: str, *,
            headers: Mapping[str, str] | None = None) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}))
    HmacV1Auth(Credentials(access_key, secret_key)).add_auth(request)
    return dict(request.headers.items())


def send(env, method: str, path: str, *, body: bytes = b"",  # noqa: ANN001 - GatewayEnv
         headers: Mapping[str, str] | None = None, payload_hash: str | None = None,
         secret_key: str | None = None,
         when: datetime.datetime | None = None) -> requests.Response:
    """Send a SigV4-signed request to the gateway at ``path`` (already URL-encoded)."""
    url = env.endpoint + path
    signed = sign_v4(method, url, env.access_key, secret_key or env.secret_key, env.region,
                     headers=headers, body=body, payload_hash=payload_hash, when=when)
    return requests.request(method, url, data=body, headers=signed, timeout=30)


def signed_request(env, method: str, path: str, query: str = "",  # noqa: ANN001 - GatewayEnv
                   body: bytes = b"", headers: dict[str, str] | None = None,
                   access_key: str | None = None,
                   secret_key: str | None = None) -> requests.Response:
    """Send a SigV4-signed request exactly as given: ``path`` must already be URL-encoded.

    Signed by botocore's ``S3SigV4Auth`` on an ``AWSRequest`` (its own URL handling,
    unlike ``send``)."""
    url = env.endpoint + path + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    credentials = Credentials(access_key or env.access_key, secret_key or env.secret_key)
    S3SigV4Auth(credentials, "s3", env.region).add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, headers=dict(prepared.headers),
                            data=body, timeout=30)


def open_socket(env) -> socket.socket:  # noqa: ANN001 - GatewayEnv
    parts = urlsplit(env.endpoint)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def raw_head(method: str, path: str, headers: Mapping[str, str]) -> bytes:
    """An HTTP/1.1 request head, for tests that write the body (or not) by hand."""
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def expect_put(env, path: str, body: bytes, secret: str | None = None,  # noqa: ANN001
               extra: Mapping[str, str] | None = None) -> tuple[bytes, socket.socket]:
    """Send the head of a signed PUT with ``Expect: 100-continue`` and no body yet:
    (what the gateway answered first, the socket to send the body on)."""
    headers = sign_v4("PUT", env.endpoint + path, env.access_key,
                      secret or env.secret_key, env.region, body=body, headers=extra)
    headers.update({"Content-Length": str(len(body)), "Expect": "100-continue",
                    "Host": f"127.0.0.1:{env.port}"})
    sock = open_socket(env)
    sock.sendall(raw_head("PUT", path, headers))
    return read_response_head(sock), sock


def final_response(first: bytes, sock: socket.socket) -> bytes:
    """After a ``100 Continue`` (``first``) and the body: the final response's head."""
    rest = first.split(b"\r\n\r\n", 1)[1]
    return rest if rest.startswith(b"HTTP/1.1") else read_response_head(sock)


def read_body(head: bytes, sock: socket.socket) -> bytes:
    """The body of a response whose head (with the body's first bytes) is ``head``."""
    fields, _, body = head.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", fields)
    while length is not None and len(body) < int(length.group(1)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return body


def headers_of(head: bytes) -> dict[str, str]:
    """A response head's fields, names lower-cased."""
    lines = head.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines)}
