"""Nothing partial is ever stored: digests, payload hashes, disconnects, 100-continue."""

from __future__ import annotations

import base64
import gzip
import hashlib
import time
from typing import Any

import pytest
import swiftclient.exceptions
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.s3_support import bucket_heads, wait_for_swift_request


def assert_not_in_swift(swift_conn: Any, bucket: str, key: str) -> None:
    with pytest.raises(swiftclient.exceptions.ClientException) as exc:
        swift_conn.head_object(bucket, key)
    assert exc.value.http_status == 404
    assert key not in [o["name"] for o in swift_conn.get_container(bucket)[1]]


def test_content_md5_mismatch_stores_nothing(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other bytes").digest()).decode()
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="md5", Body=b"the real bytes", ContentMD5=wrong)
    assert exc.value.response["Error"]["Code"] == "BadDigest"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert_not_in_swift(swift_conn, bucket, "md5")


def test_content_md5_match_and_invalid(s3_client: Any, bucket: str) -> None:
    body = b"checked bytes"
    right = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3_client.put_object(Bucket=bucket, Key="ok", Body=body, ContentMD5=right)
    assert s3_client.get_object(Bucket=bucket, Key="ok")["Body"].read() == body
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="bad", Body=body, ContentMD5="not-base64!")
    assert exc.value.response["Error"]["Code"] == "InvalidDigest"


def test_sha256_mismatch_stores_nothing(gateway_env: Any, bucket: str, swift_conn: Any) -> None:
    body = b"x" * 300_000
    claimed = hashlib.sha256(b"y" * 300_000).hexdigest()
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/sha", body=body, payload_hash=claimed)
    assert resp.status_code == 400
    assert "<Code>XAmzContentSHA256Mismatch</Code>" in resp.text
    assert resp.headers["x-amz-request-id"] in resp.text
    assert_not_in_swift(swift_conn, bucket, "sha")


def test_sha256_match_is_stored(gateway_env: Any, bucket: str, swift_conn: Any) -> None:
    body = b"z" * 300_000
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/sha-ok", body=body)
    assert resp.status_code == 200, resp.text
    assert swift_conn.get_object(bucket, "sha-ok")[1] == body


def test_client_disconnect_mid_put_stores_nothing(gateway_env: Any, bucket: str,
                                                  swift_conn: Any) -> None:
    path = f"/{bucket}/dropped"
    headers = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                              gateway_env.secret_key, gateway_env.region,
                              payload_hash=rawhttp.UNSIGNED)
    headers.update({"Content-Length": str(8 * 1024 * 1024), "Host": f"127.0.0.1:{gateway_env.port}"})
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, headers))
        sock.sendall(b"a" * (2 * 1024 * 1024))
        time.sleep(0.5)  # let the gateway start streaming to Swift before the drop
    # Swift ends the aborted upload (499) without committing it.
    assert " 201 " not in wait_for_swift_request(gateway_env, "PUT", bucket, "dropped")
    assert_not_in_swift(swift_conn, bucket, "dropped")


def test_gzip_body_stored_byte_for_byte(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    compressed = gzip.compress(b"hello gzip " * 1000)
    s3_client.put_object(Bucket=bucket, Key="g.gz", Body=compressed, ContentEncoding="gzip",
                         ContentType="text/plain")
    got = s3_client.get_object(Bucket=bucket, Key="g.gz")
    assert got["ContentEncoding"] == "gzip"
    assert got["Body"].read() == compressed
    headers, swift_body = swift_conn.get_object(bucket, "g.gz")
    assert swift_body == compressed
    assert headers["content-encoding"] == "gzip"


def test_expect_continue_after_checks(gateway_env: Any, bucket: str, swift_conn: Any) -> None:
    body = b"continued body"
    heads = bucket_heads(gateway_env, bucket)
    first, sock = rawhttp.expect_put(gateway_env, f"/{bucket}/cont", body)
    with sock:
        assert first.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        rest = first.split(b"\r\n\r\n", 1)[1]
        final = rest if rest.startswith(b"HTTP/1.1") else rawhttp.read_response_head(sock)
    assert final.startswith(b"HTTP/1.1 200")
    assert swift_conn.get_object(bucket, "cont")[1] == body
    # Swift's proxy checked the bucket before its own 100: no HEAD of it first.
    wait_for_swift_request(gateway_env, "PUT", bucket, "cont")
    assert bucket_heads(gateway_env, bucket) == heads


def test_expect_continue_if_none_match_refused_before_body(
        gateway_env: Any, bucket: str, s3_client: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="taken", Body=b"first")
    head, sock = rawhttp.expect_put(gateway_env, f"/{bucket}/taken", b"never sent",
                             extra={"If-None-Match": "*"})
    with sock:
        assert head.startswith(b"HTTP/1.1 412")
        assert b"connection: close" in head.lower()
    assert s3_client.get_object(Bucket=bucket, Key="taken")["Body"].read() == b"first"


@pytest.mark.parametrize("case", ["missing-bucket", "bad-signature"])
def test_expect_continue_refused_without_continue(gateway_env: Any, bucket: str, case: str) -> None:
    path = f"/{bucket}-nope/k" if case == "missing-bucket" else f"/{bucket}/k"
    secret = "wrong-secret" if case == "bad-signature" else None
    head, sock = rawhttp.expect_put(gateway_env, path, b"never sent", secret)
    with sock:
        assert not head.startswith(b"HTTP/1.1 100")
        status = b"404" if case == "missing-bucket" else b"403"
        assert head.startswith(b"HTTP/1.1 " + status)
        # The body was never asked for, so the connection cannot be reused.
        assert b"Connection: close" in head or b"connection: close" in head.lower()
