"""User metadata names S3 accepts are stored and returned exactly, on the real Swift.

Swift drops names with ``_`` and cannot hold many small entries; the gateway
packs such metadata into reserved entries (``gateway.handlers.user_metadata``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.conftest import GatewayEnv
from tests.integration.s3_support import error_of, one_part_upload

UNUSUAL = {"my_key": "underscore", "mixed_case_key": "lower-cased by S3",
           "dots.and~tildes": "x", "bang!hash#": "y", "pct%2c": "escape-like name",
           "vals": "commas, equals=signs, %25 and  two  spaces"}
# 200 entries of 10 bytes: within S3's 2 KB, far more than Swift's headers can hold.
MANY = {f"k{i:03d}": f"v{i:03d}-x" for i in range(200)}


def head_headers(env: GatewayEnv, path: str) -> list[tuple[str, str]]:
    """A HEAD's response headers read off the socket (http.client stops at 100)."""
    headers = rawhttp.sign_v4("HEAD", env.endpoint + path, env.access_key, env.secret_key,
                              env.region)
    headers["Host"] = f"127.0.0.1:{env.port}"
    with rawhttp.open_socket(env) as sock:
        sock.sendall(rawhttp.raw_head("HEAD", path, headers))
        head = rawhttp.read_response_head(sock).split(b"\r\n\r\n", 1)[0].decode("utf-8")
    status, *lines = head.split("\r\n")
    assert status.startswith("HTTP/1.1 200"), head
    return [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines)]


def user_metadata_of(env: GatewayEnv, bucket: str, key: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for name, value in head_headers(env, f"/{bucket}/{key}"):
        if name.lower().startswith("x-amz-meta-"):
            assert name[len("x-amz-meta-"):] not in meta
            meta[name[len("x-amz-meta-"):]] = value
    return meta


def test_unusual_names_round_trip(s3_client: Any, bucket: str) -> None:
    sent = {"My_Key" if k == "my_key" else k: v for k, v in UNUSUAL.items()}
    sent["Mixed_Case_Key"] = sent.pop("mixed_case_key")
    s3_client.put_object(Bucket=bucket, Key="obj", Body=b"x", Metadata=sent)
    assert s3_client.head_object(Bucket=bucket, Key="obj")["Metadata"] == UNUSUAL
    assert s3_client.get_object(Bucket=bucket, Key="obj")["Metadata"] == UNUSUAL


def test_underscore_and_dash_names_do_not_collide(s3_client: Any, bucket: str) -> None:
    meta = {"a_b": "underscore", "a-b": "dash"}
    s3_client.put_object(Bucket=bucket, Key="obj", Body=b"x", Metadata=meta)
    assert s3_client.head_object(Bucket=bucket, Key="obj")["Metadata"] == meta


def test_plain_names_stay_visible_to_swift(s3_client: Any, bucket: str,
                                           swift_conn: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="obj", Body=b"x", Metadata={"color": "blue"})
    assert swift_conn.head_object(bucket, "obj")["x-object-meta-color"] == "blue"


def test_two_hundred_entries_within_2kb(gateway_env: GatewayEnv, s3_client: Any,
                                        bucket: str) -> None:
    assert sum(len(k) + len(v) for k, v in MANY.items()) <= 2048
    s3_client.put_object(Bucket=bucket, Key="many", Body=b"x", Metadata=MANY)
    assert user_metadata_of(gateway_env, bucket, "many") == MANY


def test_packed_metadata_survives_copy_and_multipart(gateway_env: GatewayEnv, s3_client: Any,
                                                     bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="src", Body=b"x", Metadata=MANY)
    s3_client.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/src")
    assert user_metadata_of(gateway_env, bucket, "copy") == MANY
    # REPLACE takes the request's metadata only: none of the source's packed entries.
    s3_client.copy_object(Bucket=bucket, Key="replaced", CopySource=f"{bucket}/src",
                          MetadataDirective="REPLACE", Metadata={"my_key": "new"})
    assert s3_client.head_object(Bucket=bucket, Key="replaced")["Metadata"] == {"my_key": "new"}
    s3_client.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src",
                          MetadataDirective="REPLACE", Metadata=UNUSUAL)
    assert s3_client.head_object(Bucket=bucket, Key="src")["Metadata"] == UNUSUAL

    one_part_upload(s3_client, bucket, "mpu", b"part", Metadata=MANY)
    assert user_metadata_of(gateway_env, bucket, "mpu") == MANY


def test_full_2kb_in_a_multipart_upload(s3_client: Any, bucket: str) -> None:
    meta = {"a": "v" * 2047}
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key="mpu", Metadata=meta,
                                               ChecksumAlgorithm="SHA256")
    part = s3_client.upload_part(Bucket=bucket, Key="mpu", UploadId=upload["UploadId"],
                                 PartNumber=1, Body=b"part", ChecksumAlgorithm="SHA256")
    s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mpu", UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"],
                                    "ChecksumSHA256": part["ChecksumSHA256"]}]})
    assert s3_client.head_object(Bucket=bucket, Key="mpu")["Metadata"] == meta


def test_reserved_names_cannot_be_forged(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc_info:
        s3_client.put_object(Bucket=bucket, Key="obj", Body=b"x",
                             Metadata={"s3gw-meta-0": "[forged=1]"})
    assert error_of(exc_info) == ("InvalidArgument", 400)


def test_over_2kb_in_many_entries_is_metadata_too_large(s3_client: Any, bucket: str) -> None:
    meta = {f"k_{i:03d}": "v" * 6 for i in range(250)}  # 2750 bytes
    with pytest.raises(ClientError) as exc_info:
        s3_client.put_object(Bucket=bucket, Key=f"big-{uuid.uuid4().hex}", Body=b"x",
                             Metadata=meta)
    assert error_of(exc_info) == ("MetadataTooLarge", 400)


class _Latin1Signer(S3SigV4Auth):
    """botocore's SigV4 for a client that sends (and signs) its headers in Latin-1."""

    def string_to_sign(self, request: AWSRequest, canonical_request: str) -> str:
        digest = hashlib.sha256(canonical_request.encode("latin-1"))
        return "\n".join(["AWS4-HMAC-SHA256", request.context["timestamp"],
                          self.credential_scope(request), digest.hexdigest()])


def test_metadata_that_is_not_utf8_is_refused(gateway_env: GatewayEnv, bucket: str,
                                              swift_conn: Any) -> None:
    """Swift holds only UTF-8 metadata: a value in Latin-1 is refused, not a 500."""
    path = f"/{bucket}/latin1"
    request = AWSRequest(method="PUT", url=gateway_env.endpoint + path, data=b"x",
                         headers={"x-amz-meta-name": "caf\u00e9",
                                  "x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()})
    _Latin1Signer(Credentials(gateway_env.access_key, gateway_env.secret_key), "s3",
                  gateway_env.region).add_auth(request)
    headers = dict(request.headers.items())
    headers.update({"Host": f"127.0.0.1:{gateway_env.port}", "Content-Length": "1"})
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, headers) + b"x")
        response = rawhttp.read_response_head(sock)
    assert response.startswith(b"HTTP/1.1 400 "), response
    assert b"<Code>InvalidArgument</Code>" in response
    assert [item["name"] for item in swift_conn.get_container(bucket)[1]] == []
