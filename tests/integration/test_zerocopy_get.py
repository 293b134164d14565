"""Large GetObject bodies go Swift socket -> client socket by the kernel (``gateway.relay``).

What a client sees must not change: the exact bytes and ranges, keep-alive
framing that lets the next request on the connection work, the access log's
byte count, and a cut connection (not a wrong body) when Swift stops half way.
"""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlsplit

import psutil

from tests.integration import rawhttp
from tests.integration.ops_support import access_lines, moved, scrape, scrape_until
from tests.integration.s3_support import segments

SIZE = (3 << 20) + 12345  # over the 1 MiB splice threshold, not a round number


def _get_on(sock: socket.socket, env: Any, path: str,
            headers: dict[str, str] | None = None) -> tuple[bytes, bytes]:
    """One signed GET on an open connection: (response head, exactly its body)."""
    signed = rawhttp.sign_v4("GET", env.endpoint + path, env.access_key, env.secret_key,
                             env.region, headers=headers)
    sock.sendall(rawhttp.raw_head("GET", path, {"Host": f"127.0.0.1:{env.port}",
                                                **(headers or {}), **signed}))
    data = rawhttp.read_response_head(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        body += chunk
    return head, body


def test_large_bodies_and_ranges_arrive_whole_and_the_connection_stays_usable(
        gateway_env: Any, dev_process: Any, s3_client: Any, bucket: str) -> None:
    data = os.urandom(SIZE)
    s3_client.put_object(Bucket=bucket, Key="big", Body=data)
    s3_client.put_object(Bucket=bucket, Key="small", Body=b"after")
    before = scrape(gateway_env.raw["admin"]["metrics_url"])
    with rawhttp.open_socket(gateway_env) as sock:
        head, body = _get_on(sock, gateway_env, f"/{bucket}/big")
        assert head.startswith(b"HTTP/1.1 200") and body == data
        head, body = _get_on(sock, gateway_env, f"/{bucket}/big",
                             {"Range": "bytes=1000-2100999"})
        assert head.startswith(b"HTTP/1.1 206") and body == data[1000:2101000]
        assert b"Content-Range: bytes 1000-2100999/" + str(SIZE).encode() in head
        head, body = _get_on(sock, gateway_env, f"/{bucket}/small")  # same connection
        assert head.startswith(b"HTTP/1.1 200") and body == b"after"
    got = s3_client.get_object(Bucket=bucket, Key="big")
    assert got["Body"].read() == data
    request_id = got["ResponseMetadata"]["RequestId"]
    line = access_lines(dev_process.data_dir / "dev.stderr", {request_id})[request_id]
    assert line["bytes_out"] >= SIZE  # counted though the bytes never passed Python
    after = scrape_until(gateway_env.raw["admin"]["metrics_url"], before, {
        's3swift_requests_total{operation="GetObject",status_class="2xx"}': 4})
    spliced = moved(before, after)['s3swift_spliced_body_bytes_total{operation="GetObject"}']
    # The three large bodies but what the gateway had read before the handover.
    assert 2 * SIZE + 2_100_000 - 3 * (512 << 10) < spliced < 2 * SIZE + 2_100_000


def _swift_connections(env: Any) -> set[int]:
    """The local ports of the gateway's open connections to Swift's proxy."""
    proxy_port = urlsplit(env.swift_proxy_url).port
    return {conn.laddr.port for conn in psutil.Process(env.pid).net_connections(kind="tcp")
            if conn.raddr and conn.raddr.port == proxy_port
            and conn.status == psutil.CONN_ESTABLISHED}


def test_swift_connections_go_back_to_the_pool_after_a_splice(
        gateway_env: Any, s3_client: Any, bucket: str) -> None:
    data = os.urandom(SIZE)
    s3_client.put_object(Bucket=bucket, Key="pooled", Body=data)
    with rawhttp.open_socket(gateway_env) as sock:
        assert _get_on(sock, gateway_env, f"/{bucket}/pooled")[1] == data
        pooled = _swift_connections(gateway_env)
        for _ in range(4):  # one after the other: each can take a pooled connection
            assert _get_on(sock, gateway_env, f"/{bucket}/pooled")[1] == data
        # No connection was closed after its splice, none had to be opened.
        assert pooled and _swift_connections(gateway_env) == pooled


def test_swift_stopping_half_way_cuts_the_client_connection(
        gateway_env: Any, s3_client: Any, swift_conn: Any, bucket: str) -> None:
    first, second = os.urandom(5 << 20), os.urandom(2 << 20)
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [s3_client.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id,
                                   PartNumber=number, Body=chunk)
             for number, chunk in enumerate((first, second), 1)]
    s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": p["ETag"]}
                                   for n, p in enumerate(parts, 1)]})
    names = segments(swift_conn, bucket)
    assert len(names) == 2
    swift_conn.delete_object(bucket + "+segments", sorted(names)[-1])  # behind the gateway

    with rawhttp.open_socket(gateway_env) as sock:
        head, body = _get_on(sock, gateway_env, f"/{bucket}/mp")
        assert head.startswith(b"HTTP/1.1 200")
        assert f"Content-Length: {len(first) + len(second)}".encode() in head
        assert len(body) < len(first) + len(second)  # short: the connection was cut
        assert body == (first + second)[:len(body)]  # and never a wrong byte
        assert sock.recv(1) == b""
    assert s3_client.head_object(Bucket=bucket, Key="mp")["ContentLength"] == \
        len(first) + len(second)  # the gateway serves on


def test_bytes_aiohttp_held_back_while_the_gateway_waited_are_sent_first(
        s3_client: Any, bucket: str) -> None:
    """A part read with checksum mode asks Swift for the part listing after the
    GET's head: meanwhile the body keeps arriving, and aiohttp's reader stops at
    its high-water mark with the rest of a socket read unparsed. All of it must
    go out before the spliced rest."""
    first, second = os.urandom(5 << 20), os.urandom(1 << 20)
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="mp-sum", ChecksumAlgorithm="CRC32")["UploadId"]
    parts = [s3_client.upload_part(Bucket=bucket, Key="mp-sum", UploadId=upload_id,
                                   PartNumber=number, Body=chunk, ChecksumAlgorithm="CRC32")
             for number, chunk in enumerate((first, second), 1)]
    s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mp-sum", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": p["ETag"],
                                    "ChecksumCRC32": p["ChecksumCRC32"]}
                                   for n, p in enumerate(parts, 1)]})
    for _ in range(3):
        got = s3_client.get_object(Bucket=bucket, Key="mp-sum", PartNumber=1,
                                   ChecksumMode="ENABLED")
        assert got["ChecksumCRC32"] == parts[0]["ChecksumCRC32"]
        assert got["Body"].read() == first
