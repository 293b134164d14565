"""Large unchecked upload bodies go client socket -> Swift socket by the kernel
(``gateway.body.splice_source``, ``gateway.swift.spliced_upload``).

Only a body with nothing to check in transit takes that way (UNSIGNED-PAYLOAD
or a presigned URL, a Content-Length, no checksum); what a client sees must not
change: the exact bytes stored, keep-alive framing that lets the next request on
the connection work (with or without ``Expect``, body sent with the head or
after it), the byte counts, Content-MD5 still checked, and nothing stored when
the client stops half way.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.conftest import DevProcess, GatewayEnv, s3_client_of
from tests.integration.ops_support import moved, scrape, scrape_until
from tests.integration.s3_support import eventually
from tests.integration.serve_support import gateway_with_settings

SIZE = (3 << 20) + 12345  # over the 1 MiB splice threshold, not a round number
UNSIGNED = "UNSIGNED-PAYLOAD"


def _put_on(sock: socket.socket, env: Any, path: str, body: bytes, *,
            expect: bool = False, with_head: int = 0, stop_after_head: bool = False,
            headers: dict[str, str] | None = None) -> bytes:
    """One unsigned-payload PUT on an open connection; the final response's head
    and body. ``with_head``: body bytes sent in the same write as the head (and,
    with ``stop_after_head``, the only ones sent)."""
    fields = {"Host": f"127.0.0.1:{env.port}", "Content-Length": str(len(body)),
              **(headers or {})}
    if expect:
        fields["Expect"] = "100-continue"
    signed = rawhttp.sign_v4("PUT", env.endpoint + path, env.access_key, env.secret_key,
                             env.region, headers=fields, payload_hash=UNSIGNED)
    head = rawhttp.raw_head("PUT", path, {**fields, **signed})
    if expect:
        sock.sendall(head)
        answer = rawhttp.read_response_head(sock)
        if answer.startswith(b"HTTP/1.1 100"):
            sock.sendall(body)
            answer = rawhttp.final_response(answer, sock)
    else:
        sock.sendall(head + body[:with_head])
        if not stop_after_head:
            sock.sendall(body[with_head:])
        answer = rawhttp.read_response_head(sock)
    return answer.partition(b"\r\n\r\n")[0] + b"\r\n\r\n" + rawhttp.read_body(answer, sock)


def _get_small_on(sock: socket.socket, env: Any, path: str) -> bytes:
    signed = rawhttp.sign_v4("GET", env.endpoint + path, env.access_key, env.secret_key,
                             env.region)
    sock.sendall(rawhttp.raw_head("GET", path, {"Host": f"127.0.0.1:{env.port}", **signed}))
    head = rawhttp.read_response_head(sock)
    return head.partition(b"\r\n")[0] + b" " + rawhttp.read_body(head, sock)


def _access_entry(log: Path, bucket: str, key: str) -> dict[str, Any] | None:
    """The access line of the (one) request for ``bucket/key``, once written."""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and f'"key":"{key}"' in line:
            entry = json.loads(line)
            if entry["bucket"] == bucket and entry["key"] == key:
                return entry
    return None


def test_unchecked_bodies_are_stored_whole_and_the_connection_goes_on(
        gateway_env: Any, dev_process: Any, s3_client: Any, bucket: str) -> None:
    data = os.urandom(SIZE)
    s3_client.put_object(Bucket=bucket, Key="small", Body=b"after")
    before = scrape(gateway_env.raw["admin"]["metrics_url"])
    with rawhttp.open_socket(gateway_env) as sock:
        answers = [
            _put_on(sock, gateway_env, f"/{bucket}/plain", data),
            _put_on(sock, gateway_env, f"/{bucket}/expect", data, expect=True),
            _put_on(sock, gateway_env, f"/{bucket}/with-head", data, with_head=200_000),
            _put_on(sock, gateway_env, f"/{bucket}/expect-again", data, expect=True),
        ]
        assert _get_small_on(sock, gateway_env, f"/{bucket}/small") == b"HTTP/1.1 200 OK after"
    etag = f'"{hashlib.md5(data).hexdigest()}"'.encode()  # noqa: S324 - S3's ETag
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
        assert rawhttp.headers_of(answer)["etag"].encode() == etag
    for key in ("plain", "expect", "with-head", "expect-again"):
        assert s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() == data
    after = scrape_until(gateway_env.raw["admin"]["metrics_url"], before, {
        's3swift_requests_total{operation="PutObject",status_class="2xx"}': 4})
    delta = moved(before, after)
    # Each body but what the gateway had read before the handover (at most about one
    # socket read beyond aiohttp's buffer) went by the kernel; all of it counts in.
    spliced = delta['s3swift_spliced_body_bytes_total{operation="PutObject"}']
    assert 4 * (SIZE - (512 << 10)) < spliced < 4 * SIZE
    assert delta['s3swift_request_body_bytes_total{operation="PutObject"}'] == 4 * SIZE


def test_a_request_pipelined_after_the_body_is_answered_in_turn(
        gateway_env: Any, s3_client: Any, bucket: str) -> None:
    """The next request's bytes follow the body in one write: the splice stops at
    the body's end, and the connection's fresh parser reads the request."""
    data = os.urandom(SIZE)
    s3_client.put_object(Bucket=bucket, Key="next", Body=b"second")
    put_path, get_path = f"/{bucket}/pipelined", f"/{bucket}/next"
    fields = {"Host": f"127.0.0.1:{gateway_env.port}", "Content-Length": str(SIZE)}
    put_signed = rawhttp.sign_v4("PUT", gateway_env.endpoint + put_path, gateway_env.access_key,
                                 gateway_env.secret_key, gateway_env.region, headers=fields,
                                 payload_hash=UNSIGNED)
    get_signed = rawhttp.sign_v4("GET", gateway_env.endpoint + get_path, gateway_env.access_key,
                                 gateway_env.secret_key, gateway_env.region)
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", put_path, {**fields, **put_signed}) + data
                     + rawhttp.raw_head("GET", get_path, {"Host": fields["Host"], **get_signed}))
        first = rawhttp.read_response_head(sock)
        fields_part, _, rest = first.partition(b"\r\n\r\n")
        assert fields_part.startswith(b"HTTP/1.1 200"), first[:300]
        second = rest  # the second answer may have come with the first
        while b"\r\n\r\n" not in second:
            chunk = sock.recv(65536)
            assert chunk, "the connection closed before the second answer"
            second += chunk
        assert second.startswith(b"HTTP/1.1 200")
        assert rawhttp.read_body(second, sock) == b"second"
    assert s3_client.get_object(Bucket=bucket, Key="pipelined")["Body"].read() == data


def test_a_presigned_put_and_upload_parts_take_the_same_way(
        gateway_env: Any, s3_client: Any, bucket: str) -> None:
    data = os.urandom(SIZE)
    url = s3_client.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "presigned"}, ExpiresIn=300)
    answer = requests.put(url, data=data, timeout=60)
    assert answer.status_code == 200, answer.text
    assert s3_client.get_object(Bucket=bucket, Key="presigned")["Body"].read() == data

    first, second = os.urandom(5 << 20), os.urandom((1 << 20) + 7)
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etags = []
    with rawhttp.open_socket(gateway_env) as sock:
        for number, part in enumerate((first, second), 1):
            path = f"/{bucket}/mp?partNumber={number}&uploadId={upload_id}"
            answer_head = _put_on(sock, gateway_env, path, part, expect=number == 2)
            assert answer_head.startswith(b"HTTP/1.1 200"), answer_head[:300]
            etags.append(rawhttp.headers_of(answer_head)["etag"])
    s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    assert s3_client.get_object(Bucket=bucket, Key="mp")["Body"].read() == first + second


def test_content_md5_is_still_checked(gateway_env: Any, s3_client: Any, bucket: str) -> None:
    data = os.urandom(SIZE)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()  # noqa: S324
    with rawhttp.open_socket(gateway_env) as sock:
        answer = _put_on(sock, gateway_env, f"/{bucket}/md5", data,
                         headers={"Content-MD5": wrong})
    assert answer.startswith(b"HTTP/1.1 400") and b"<Code>BadDigest</Code>" in answer
    with pytest.raises(ClientError):
        s3_client.head_object(Bucket=bucket, Key="md5")


def test_a_client_stopping_half_way_stores_nothing(
        gateway_env: Any, dev_process: Any, s3_client: Any, bucket: str) -> None:
    data = os.urandom(SIZE)
    fields = {"Host": f"127.0.0.1:{gateway_env.port}", "Content-Length": str(SIZE)}
    path = f"/{bucket}/cut"
    log = dev_process.data_dir / "dev.stderr"
    logged_before = log.stat().st_size  # the gateway is shared: read what follows
    signed = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                             gateway_env.secret_key, gateway_env.region, headers=fields,
                             payload_hash=UNSIGNED)
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, {**fields, **signed}))
        sock.sendall(data[:SIZE // 2])
    entry = eventually(lambda: _access_entry(log, bucket, "cut"), lambda found: found is not None)
    assert entry is not None
    assert entry["status"] == 400 and entry["error_code"] == "IncompleteBody"
    assert "Traceback" not in log.read_bytes()[logged_before:].decode(errors="replace")
    with pytest.raises(ClientError) as missing:
        s3_client.head_object(Bucket=bucket, Key="cut")
    assert missing.value.response["Error"]["Code"] == "404"
    s3_client.put_object(Bucket=bucket, Key="after-cut", Body=b"fine")  # still serving
    assert s3_client.get_object(Bucket=bucket, Key="after-cut")["Body"].read() == b"fine"


def test_a_missing_bucket_is_said(gateway_env: Any) -> None:
    data = os.urandom(SIZE)
    with rawhttp.open_socket(gateway_env) as sock:
        answer = _put_on(sock, gateway_env, "/no-such-bucket-for-splice/k", data)
        assert answer.startswith(b"HTTP/1.1 404") and b"<Code>NoSuchBucket</Code>" in answer


def _closed(sock: socket.socket) -> bool:
    """The peer closed: an orderly end, or a reset (bytes it never read were
    still queued on its side, as after a cut-off upload)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


@pytest.fixture(scope="module")
def short_timeout(gateway_env: GatewayEnv,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProcess]:
    """A gateway that waits 1 s for silent peers (``[swift] timeout_seconds``)."""
    with gateway_with_settings(gateway_env, tmp_path_factory, "s3swift-splice-timeout",
                               {"S3SWIFT_SWIFT_TIMEOUT_SECONDS": "1"}) as dev:
        yield dev


def test_a_client_falling_silent_half_way_is_a_request_timeout(short_timeout: DevProcess) -> None:
    env = short_timeout.env
    client = s3_client_of(env)
    bucket = f"silent-{os.urandom(6).hex()}"
    client.create_bucket(Bucket=bucket)
    with rawhttp.open_socket(env) as sock:
        started = time.monotonic()
        answer = _put_on(sock, env, f"/{bucket}/k", os.urandom(SIZE), with_head=SIZE // 2,
                         stop_after_head=True)
        waited = time.monotonic() - started
        assert _closed(sock)  # after the answer
    assert answer.startswith(b"HTTP/1.1 400") and b"<Code>RequestTimeout</Code>" in answer
    assert waited >= 1
    with pytest.raises(ClientError):
        client.head_object(Bucket=bucket, Key="k")
