"""The gateway's own Swift token refused (tempauth lost it): never AccessDenied.

Swift's tempauth keeps its tokens in memcached only; flushing the embedded
memcached makes Swift answer 401 to the token the gateway holds, exactly as
when tempauth cannot reach memcached under load. A request whose body can be
sent again is retried with a renewed token; a streamed upload cannot be, and
gets ``503 ServiceUnavailable`` (which SDKs retry) with nothing stored.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import requests
import swiftclient.exceptions

from tests.integration import rawhttp
from tests.integration.conftest import GatewayEnv


def forget_swift_tokens(env: GatewayEnv) -> None:
    """``flush_all`` on the embedded memcached: every tempauth token is gone."""
    host, _, port = env.raw["swift"]["memcached"].rpartition(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"flush_all\r\n")
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = sock.recv(64)
            assert chunk, "memcached closed the connection"
            reply += chunk
    assert reply == b"OK\r\n"


def _error_code(resp: requests.Response) -> str:
    return resp.text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in resp.text else ""


def test_read_after_token_loss_renews_and_succeeds(gateway_env: GatewayEnv, bucket: str,
                                                   s3_client: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"kept")
    forget_swift_tokens(gateway_env)
    resp = rawhttp.send(gateway_env, "GET", f"/{bucket}/k")  # no client-side retry
    assert (resp.status_code, resp.content) == (200, b"kept")


def test_replayable_write_after_token_loss_succeeds(gateway_env: GatewayEnv,
                                                    bucket: str, s3_client: Any) -> None:
    s3_client.head_bucket(Bucket=bucket)  # the bucket's owner is cached: no lookup first
    forget_swift_tokens(gateway_env)
    # CreateMultipartUpload's marker PUT has a body the gateway can send again.
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}/mp?uploads")
    assert resp.status_code == 200, resp.text
    uploads = s3_client.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [u["Key"] for u in uploads] == ["mp"]


def test_streamed_upload_after_token_loss_is_503_and_stores_nothing(
        gateway_env: GatewayEnv, bucket: str, swift_conn: Any, s3_client: Any) -> None:
    path = f"/{bucket}/streamed"
    headers = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                              gateway_env.secret_key, gateway_env.region,
                              payload_hash=rawhttp.UNSIGNED)

    def body() -> Iterator[bytes]:
        yield b"s" * 200_000
        yield b"t" * 1000

    # The bucket's owner is cached (``gateway.authz.cache``): the upload itself is the
    # first Swift request after the tokens are gone, not a lookup that renews them.
    s3_client.head_bucket(Bucket=bucket)
    forget_swift_tokens(gateway_env)
    resp = requests.put(gateway_env.endpoint + path, data=body(), headers=headers, timeout=30)
    assert (resp.status_code, _error_code(resp)) == (503, "ServiceUnavailable"), resp.text
    assert "<RequestId>" in resp.text
    try:
        swift_conn.head_object(bucket, "streamed")
        raise AssertionError("a refused streamed upload stored an object")
    except swiftclient.exceptions.ClientException as exc:
        assert exc.http_status == 404
    # The token was renewed: the next streamed upload goes through.
    again = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                            gateway_env.secret_key, gateway_env.region,
                            payload_hash=rawhttp.UNSIGNED)
    resp = requests.put(gateway_env.endpoint + path, data=body(), headers=again, timeout=30)
    assert resp.status_code == 200, resp.text
    assert s3_client.get_object(Bucket=bucket, Key="streamed")["ContentLength"] == 201_000


def test_sdk_upload_after_token_loss_succeeds(gateway_env: GatewayEnv, bucket: str,
                                              s3_client: Any) -> None:
    """boto3 retries the 503 of a refused first attempt on its own."""
    s3_client.head_bucket(Bucket=bucket)  # the bucket's owner is cached: no lookup first
    forget_swift_tokens(gateway_env)
    s3_client.put_object(Bucket=bucket, Key="sdk", Body=b"b" * 10_000)
    assert s3_client.get_object(Bucket=bucket, Key="sdk")["Body"].read() == b"b" * 10_000
