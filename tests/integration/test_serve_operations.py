"""One ``serve --workers 2`` on the session's Swift: TLS terminated by the gateway
(boto3 over HTTPS, where every upload is aws-chunked with a trailer), trusted proxies,
metrics summed over both workers, and, last (it stops the gateway), the SIGTERM drain:
readiness turns false, the port stops accepting, an upload in flight completes."""

from __future__ import annotations

import dataclasses
import http.client
import signal
import socket
import ssl
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.integration import rawhttp
from tests.integration.conftest import DevProcess, free_port
from tests.integration.ops_support import access_lines, get, moved, scrape, scrape_until
from tests.integration.serve_support import gateway_with_settings
from tests.integration.tls_support import self_signed_certificate


@pytest.fixture(scope="module")
def tls_gateway(gateway_env: Any, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[DevProcess, Path, str]]:
    """(the serve process, its certificate, its metrics URL)."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    metrics_port = free_port()
    with gateway_with_settings(gateway_env, tmp_path_factory, "serve-tls", {
            "S3SWIFT_SERVER_TLS_CERT": str(cert), "S3SWIFT_SERVER_TLS_KEY": str(key),
            "S3SWIFT_SERVER_TRUSTED_PROXIES": "127.0.0.1",
            "S3SWIFT_SERVER_METRICS_PORT": str(metrics_port),
            "S3SWIFT_SERVER_WORKERS": "2",
            # Every Complete answers at once and keeps the connection alive with spaces.
            "S3SWIFT_SERVER_COMPLETE_KEEPALIVE_SECONDS": "0"}) as gateway:
        yield gateway, cert, f"http://127.0.0.1:{metrics_port}/metrics"


def _https_client(gateway: DevProcess, cert: Path) -> Any:
    env = dataclasses.replace(gateway.env, endpoint=f"https://127.0.0.1:{gateway.env.port}")
    return boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=env.access_key,
                        aws_secret_access_key=env.secret_key, region_name=env.region,
                        verify=str(cert), config=Config(retries={"max_attempts": 1}))


def test_boto3_over_https_sends_aws_chunked_trailers_and_they_work(
        tls_gateway: tuple[DevProcess, Path, str], s3_client: Any, bucket: str) -> None:
    gateway, cert, metrics_url = tls_gateway
    client = _https_client(gateway, cert)
    before = scrape(metrics_url)
    payload_hashes: list[str] = []

    def keep(request: Any, **_: Any) -> None:
        value = request.headers.get("x-amz-content-sha256", b"")
        payload_hashes.append(value.decode() if isinstance(value, bytes) else value)

    client.meta.events.register("before-send.s3", keep)
    body = b"over tls " * 1000
    put = client.put_object(Bucket=bucket, Key="tls", Body=body)
    upload_id = client.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [client.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=number,
                                Body=chunk)
             for number, chunk in enumerate((b"1" * (5 << 20), b"2" * 1000), 1)]
    client.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                     MultipartUpload={"Parts": [
                                         {"PartNumber": n, "ETag": p["ETag"]}
                                         for n, p in enumerate(parts, 1)]})
    assert payload_hashes.count("STREAMING-UNSIGNED-PAYLOAD-TRAILER") == 3  # PUT, 2 parts
    delta = moved(before, scrape_until(metrics_url, before, {
        "s3swift_complete_keepalive_responses_total": 1,
        's3swift_requests_total{operation="UploadPart",status_class="2xx"}': 2}))
    assert delta["s3swift_complete_keepalive_responses_total"] == 1
    assert delta['s3swift_requests_total{operation="UploadPart",status_class="2xx"}'] == 2
    assert delta['s3swift_request_body_bytes_total{operation="UploadPart"}'] > (5 << 20) + 1000
    assert s3_client.get_object(Bucket=bucket, Key="tls")["Body"].read() == body
    assert s3_client.get_object(Bucket=bucket, Key="mp")["Body"].read() == \
        b"1" * (5 << 20) + b"2" * 1000
    # Over TLS the large body cannot be spliced: it goes through Python, whole.
    assert client.get_object(Bucket=bucket, Key="mp")["Body"].read() == \
        b"1" * (5 << 20) + b"2" * 1000
    line = access_lines(gateway.data_dir / "serve.stderr",
                        {put["ResponseMetadata"]["RequestId"]})
    assert [(e["secure"], e["remote_addr"], e["operation"]) for e in line.values()] == [
        (True, "127.0.0.1", "PutObject")]


def test_forwarded_headers_are_believed_from_a_trusted_proxy(
        tls_gateway: tuple[DevProcess, Path, str], bucket: str) -> None:
    gateway, cert, _ = tls_gateway
    client = _https_client(gateway, cert)

    def forwarded(request: Any, **_: Any) -> None:
        request.headers["X-Forwarded-For"] = "198.51.100.1, 203.0.113.7"
        request.headers["X-Forwarded-Proto"] = "http"

    client.meta.events.register("before-sign.s3.HeadBucket", forwarded)
    head = client.head_bucket(Bucket=bucket)
    line = access_lines(gateway.data_dir / "serve.stderr",
                        {head["ResponseMetadata"]["RequestId"]})
    assert [(e["remote_addr"], e["secure"]) for e in line.values()] == [("203.0.113.7", False)]


def test_plain_http_on_the_tls_port_gets_no_answer(tls_gateway: tuple[DevProcess, Path, str],
                                                  gateway_env: Any) -> None:
    gateway, _, _ = tls_gateway
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{gateway.env.port}",
                          aws_access_key_id=gateway_env.access_key,
                          aws_secret_access_key=gateway_env.secret_key,
                          region_name=gateway_env.region,
                          config=Config(retries={"max_attempts": 1}))
    with pytest.raises(Exception) as exc:
        client.list_buckets()
    assert "ConnectionClosed" in type(exc.value).__name__ or "Connection" in str(exc.value)


def test_metrics_of_two_workers_are_summed(tls_gateway: tuple[DevProcess, Path, str]) -> None:
    """Each request on its own connection (a new client): the kernel spreads them over
    both workers, and one scrape, answered by either, counts them all."""
    gateway, cert, metrics_url = tls_gateway
    before = scrape(metrics_url)
    for _ in range(8):
        _https_client(gateway, cert).list_buckets()
    listed = 's3swift_requests_total{operation="ListBuckets",status_class="2xx"}'
    delta = moved(before, scrape_until(metrics_url, before, {listed: 8}))
    assert delta[listed] == 8
    assert scrape(metrics_url)["s3swift_requests_in_flight"] == 0


def _not_ready(readyz_url: str) -> bool:
    """503, or no answer: with 2 workers the probe may reach one whose drain had
    nothing to wait for and whose admin listener is closing (to a probe, both
    say "not ready")."""
    try:
        return get(readyz_url)[0] == 503
    except (ConnectionError, http.client.HTTPException, urllib.error.URLError):
        return True


def _poll(condition: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _signed_head(env: Any, method: str, path: str, body: bytes) -> bytes:
    headers = rawhttp.sign_v4(method, f"https://127.0.0.1:{env.port}{path}", env.access_key,
                              env.secret_key, env.region,
                              headers={"Content-Length": str(len(body))},
                              payload_hash=rawhttp.UNSIGNED)
    return rawhttp.raw_head(method, path, {"Host": f"127.0.0.1:{env.port}", **headers})


def _rest_of(sock: ssl.SSLSocket) -> bytes:
    """Everything the server sends until it closes (a draining gateway closes)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_sigterm_lets_an_upload_in_flight_finish_and_refuses_new_connections(
        tls_gateway: tuple[DevProcess, Path, str], s3_client: Any, bucket: str) -> None:
    """The module's last test: the gateway drains and exits 0 (its fixture checks).
    In flight at SIGTERM: a PutObject and a CompleteMultipartUpload (whose answer
    is the keep-alive kind), each with half its body sent."""
    gateway, cert, metrics_url = tls_gateway
    admin = metrics_url.rsplit("/", 1)[0]
    env = gateway.env
    body = b"d" * (2 << 20)
    path = f"/{bucket}/in-flight"
    part = b"p" * 1024
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="completed")["UploadId"]
    etag = s3_client.upload_part(Bucket=bucket, Key="completed", UploadId=upload_id,
                                 PartNumber=1, Body=part)["ETag"]
    complete = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}"
                f"</ETag></Part></CompleteMultipartUpload>").encode()
    complete_path = f"/{bucket}/completed?uploadId={upload_id}"
    context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", env.port), timeout=60)
    raw_complete = socket.create_connection(("127.0.0.1", env.port), timeout=60)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock, \
            context.wrap_socket(raw_complete, server_hostname="127.0.0.1") as completing:
        sock.sendall(_signed_head(env, "PUT", path, body) + body[:len(body) // 2])
        completing.sendall(_signed_head(env, "POST", complete_path, complete)
                           + complete[:len(complete) // 2])
        _poll(lambda: scrape(metrics_url)["s3swift_requests_in_flight"] == 2,
              "the upload and the Complete in flight")
        gateway.process.send_signal(signal.SIGTERM)
        _poll(lambda: _not_ready(f"{admin}/readyz"), "readiness to turn false")
        _poll(lambda: _refused(env.port), "new connections to be refused")
        assert gateway.process.poll() is None  # still draining the two requests
        sock.sendall(body[len(body) // 2:])
        assert rawhttp.read_response_head(sock).startswith(b"HTTP/1.1 200")
        completing.sendall(complete[len(complete) // 2:])
        answer = _rest_of(completing)
        assert answer.startswith(b"HTTP/1.1 200") and b"<CompleteMultipartUploadResult" in answer
    assert gateway.process.wait(30) == 0, gateway.output()
    assert s3_client.get_object(Bucket=bucket, Key="in-flight")["Body"].read() == body
    assert s3_client.get_object(Bucket=bucket, Key="completed")["Body"].read() == part
    assert "Traceback" not in gateway.output()
