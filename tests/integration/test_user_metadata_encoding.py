"""Non-ASCII user metadata as S3 returns it: RFC 2047 (``=?UTF-8?B?...?=``) for values
that are not US-ASCII, byte for byte for values the client sent encoded; never the
UTF-8 bytes read as Latin-1 (mojibake)."""

from __future__ import annotations

import base64
import hashlib
from email.header import decode_header
from typing import Any

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration import rawhttp
from tests.integration.conftest import GatewayEnv
from tests.integration.s3_support import one_part_upload

TEXT = "Zürich 日本"
ENCODED = "=?UTF-8?B?" + base64.b64encode(TEXT.encode()).decode() + "?="


def put_with_utf8_header(env: GatewayEnv, path: str, name: str, value: str) -> bytes:
    """A PUT whose header value goes on the wire as UTF-8 (as curl or a browser sends
    it), signed over the same UTF-8 by botocore; http.client would send Latin-1."""
    request = AWSRequest(method="PUT", url=env.endpoint + path, data=b"x",
                         headers={name: value,
                                  "x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()})
    S3SigV4Auth(Credentials(env.access_key, env.secret_key), "s3", env.region).add_auth(request)
    headers = dict(request.headers.items())
    headers.update({"Host": f"127.0.0.1:{env.port}", "Content-Length": "1",
                    "Connection": "close"})
    lines = [f"PUT {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    with rawhttp.open_socket(env) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + b"x")
        return rawhttp.read_response_head(sock)


def test_utf8_value_comes_back_rfc2047_encoded(gateway_env: GatewayEnv, s3_client: Any,
                                               bucket: str) -> None:
    response = put_with_utf8_header(gateway_env, f"/{bucket}/utf8", "x-amz-meta-city", TEXT)
    assert response.startswith(b"HTTP/1.1 200 "), response
    for read in (s3_client.head_object, s3_client.get_object):
        got = read(Bucket=bucket, Key="utf8")
        assert got["Metadata"] == {"city": ENCODED}
    [(raw, charset)] = decode_header(ENCODED)
    assert raw.decode(charset) == TEXT
    # The bytes on the wire are ASCII, whatever the client's header decoding.
    head = rawhttp.send(gateway_env, "HEAD", f"/{bucket}/utf8")
    assert head.headers["x-amz-meta-city"] == ENCODED


def test_encoded_values_come_back_byte_for_byte(s3_client: Any, bucket: str) -> None:
    sent = {"b": ENCODED, "q": "=?utf-8?q?caf=C3=A9?=", "plain": "ascii stays ascii"}
    s3_client.put_object(Bucket=bucket, Key="enc", Body=b"x", Metadata=sent)
    assert s3_client.head_object(Bucket=bucket, Key="enc")["Metadata"] == sent
    assert s3_client.get_object(Bucket=bucket, Key="enc")["Metadata"] == sent
    s3_client.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "enc"})
    assert s3_client.head_object(Bucket=bucket, Key="copy")["Metadata"] == sent
    one_part_upload(s3_client, bucket, "mp", b"p", Metadata=sent)
    assert s3_client.head_object(Bucket=bucket, Key="mp")["Metadata"] == sent
