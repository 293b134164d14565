"""S3's default checksum: uploads sent without one get a FULL_OBJECT CRC64NVME.

The gateway does so with ``default_checksum = "CRC64NVME"`` (off by default):
these tests run against their own ``s3swift dev`` with that setting, and check
the session gateway (default settings) adds nothing. The client sends no
checksum (``request_checksum_calculation="when_required"``); expected values
are computed locally with awscrt and checked in Swift where they are stored.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import swiftclient.client

from tests.integration import rawhttp
from tests.integration.checksum_support import crc32, crc64
from tests.integration.conftest import (
    DevProcess, GatewayEnv, plain_s3_client_of, s3_client_of,
    swift_conn_of)
from tests.integration.s3_support import bucket_heads, wait_for_swift_request
from tests.integration.serve_support import gateway_with_settings

MIB = 1024 * 1024
PART = 5 * MIB
SMALL = os.urandom(1000)  # read before the PUT: the checksum goes in its headers
LARGE = os.urandom(3 * MIB + 17)  # streamed: the checksum is stored after the PUT
MULTI = os.urandom(2 * PART + 4321)  # two full parts and a short last one
META = "x-object-meta-s3gw-checksum-crc64nvme"


@pytest.fixture(scope="module")
def dev(gateway_env: GatewayEnv,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProcess]:
    """A gateway with S3's default checksum turned on."""
    with gateway_with_settings(gateway_env, tmp_path_factory, "s3swift-default-checksum",
                               {"S3SWIFT_SERVER_DEFAULT_CHECKSUM": "crc64nvme"}) as process:
        yield process


@pytest.fixture(scope="module")
def plain_client(dev: DevProcess) -> Any:
    return plain_s3_client_of(dev.env)


@pytest.fixture(scope="module")
def s3_client(dev: DevProcess) -> Any:
    """boto3 with default settings (it sends CRC32s of its own), on that gateway."""
    return s3_client_of(dev.env)


@pytest.fixture(scope="module")
def swift_conn(dev: DevProcess) -> swiftclient.client.Connection:
    return swift_conn_of(dev.env)


@pytest.fixture
def bucket(plain_client: Any) -> str:
    name = f"it-{uuid.uuid4().hex[:20]}"
    plain_client.create_bucket(Bucket=name)
    return name


def assert_crc64_on_reads(client: Any, bucket: str, key: str, data: bytes) -> None:
    """HEAD and GET return it with checksum mode only (boto3 also checks the GET body)."""
    head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == crc64(data) and head["ChecksumType"] == "FULL_OBJECT"
    got = client.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got["ChecksumCRC64NVME"] == crc64(data) and got["ChecksumType"] == "FULL_OBJECT"
    assert got["Body"].read() == data
    plain = client.head_object(Bucket=bucket, Key=key)
    assert "ChecksumCRC64NVME" not in plain and "ChecksumType" not in plain


@pytest.mark.parametrize("data", [SMALL, LARGE, b""], ids=["small", "large", "empty"])
def test_put_object_without_checksum_gets_crc64nvme(plain_client: Any, bucket: str,
                                                     swift_conn: Any, data: bytes) -> None:
    put = plain_client.put_object(Bucket=bucket, Key="k", Body=data)
    headers = put["ResponseMetadata"]["HTTPHeaders"]
    assert not any(h.startswith("x-amz-checksum-") and h != "x-amz-checksum-crc64nvme"
                   and h != "x-amz-checksum-type" for h in headers)
    assert put["ChecksumCRC64NVME"] == crc64(data) and put["ChecksumType"] == "FULL_OBJECT"
    assert_crc64_on_reads(plain_client, bucket, "k", data)
    stored, body = swift_conn.get_object(bucket, "k")
    assert body == data and stored[META] == crc64(data)


def test_client_checksum_is_kept_without_a_second_one(s3_client: Any, bucket: str,
                                                      swift_conn: Any) -> None:
    """A client that sends its own CRC32 (boto3's default) gets CRC32 only."""
    put = s3_client.put_object(Bucket=bucket, Key="c", Body=SMALL, ChecksumAlgorithm="CRC32")
    assert put["ChecksumCRC32"] == crc32(SMALL) and "ChecksumCRC64NVME" not in put
    head = s3_client.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32(SMALL) and "ChecksumCRC64NVME" not in head
    stored = swift_conn.head_object(bucket, "c")
    assert META not in stored and stored["x-object-meta-s3gw-checksum-crc32"] == crc32(SMALL)


def test_expect_continue_reads_ahead_after_a_bucket_head(
        dev: DevProcess, gateway_env: GatewayEnv, bucket: str, swift_conn: Any) -> None:
    """With ``Expect: 100-continue`` a small body is still read before the PUT (its
    CRC64NVME goes in the PUT's headers), so the gateway checks the bucket with a
    HEAD first, then sends 100 as it reads: 100, then 200 and the stored checksum."""
    heads = bucket_heads(gateway_env, bucket)
    first, sock = rawhttp.expect_put(dev.env, f"/{bucket}/cont", SMALL)
    with sock:
        assert first.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(SMALL)
        final = rawhttp.final_response(first, sock)
    assert final.startswith(b"HTTP/1.1 200")
    assert rawhttp.headers_of(final)["x-amz-checksum-crc64nvme"] == crc64(SMALL)
    stored, body = swift_conn.get_object(bucket, "cont")
    assert body == SMALL and stored[META] == crc64(SMALL)
    wait_for_swift_request(gateway_env, "PUT", bucket, "cont")
    assert bucket_heads(gateway_env, bucket) == heads + 1


@pytest.mark.parametrize("case", ["never-created", "container-gone"])
def test_expect_continue_missing_bucket_refused_before_body(
        dev: DevProcess, bucket: str, swift_conn: Any, case: str) -> None:
    """NoSuchBucket before the client sends a byte (no 100): the bucket HEAD before
    the read-ahead refuses a name never created, and a bucket whose container went
    away behind the gateway's back (still in the name registry)."""
    if case == "container-gone":
        swift_conn.delete_container(bucket)
    path = f"/{bucket}-nope/k" if case == "never-created" else f"/{bucket}/k"
    head, sock = rawhttp.expect_put(dev.env, path, SMALL)
    with sock:
        assert head.startswith(b"HTTP/1.1 404")
        assert b"connection: close" in head.lower()
        assert b"<Code>NoSuchBucket</Code>" in rawhttp.read_body(head, sock)


def upload_without_checksums(client: Any, bucket: str, key: str) -> tuple[str, list[dict], list]:
    """Create without an algorithm, upload MULTI's parts; (upload id, parts, responses)."""
    upload = client.create_multipart_upload(Bucket=bucket, Key=key)
    assert "ChecksumAlgorithm" not in upload and "ChecksumType" not in upload
    parts, responses = [], []
    for number, start in enumerate(range(0, len(MULTI), PART), 1):
        resp = client.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                  PartNumber=number, Body=MULTI[start:start + PART])
        parts.append({"PartNumber": number, "ETag": resp["ETag"]})
        responses.append(resp)
    return upload["UploadId"], parts, responses


def test_multipart_without_algorithm_gets_full_object_crc64nvme(
        plain_client: Any, bucket: str, swift_conn: Any) -> None:
    chunks = [MULTI[i:i + PART] for i in range(0, len(MULTI), PART)]
    upload_id, parts, responses = upload_without_checksums(plain_client, bucket, "mp")
    assert [r["ChecksumCRC64NVME"] for r in responses] == [crc64(c) for c in chunks]
    listed = plain_client.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)
    assert [p["ChecksumCRC64NVME"] for p in listed["Parts"]] == [crc64(c) for c in chunks]
    done = plain_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC64NVME"] == crc64(MULTI) and done["ChecksumType"] == "FULL_OBJECT"
    assert done["ETag"].endswith('-3"')
    assert_crc64_on_reads(plain_client, bucket, "mp", MULTI)
    assert swift_conn.head_object(bucket, "mp")[META] == crc64(MULTI)


def test_part_with_its_own_checksum_is_accepted(s3_client: Any, bucket: str) -> None:
    """S3 takes a part checksum in an upload created without an algorithm (the CRC32
    SDKs add by default); the gateway verifies and returns it, adding no CRC64NVME."""
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="own")["UploadId"]
    resp = s3_client.upload_part(Bucket=bucket, Key="own", UploadId=upload_id, PartNumber=1,
                                 Body=SMALL, ChecksumAlgorithm="CRC32")
    assert resp["ChecksumCRC32"] == crc32(SMALL) and "ChecksumCRC64NVME" not in resp
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="own", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": resp["ETag"]}]})
    assert s3_client.get_object(Bucket=bucket, Key="own")["Body"].read() == SMALL
    assert done["ETag"].endswith('-1"')


def test_default_settings_add_no_checksum(gateway_env: Any) -> None:
    """The session gateway runs with default settings: ``default_checksum = ""``."""
    client = plain_s3_client_of(gateway_env)
    bucket = f"it-{uuid.uuid4().hex[:20]}"
    client.create_bucket(Bucket=bucket)
    for key, data in (("small", SMALL), ("large", LARGE)):
        put = client.put_object(Bucket=bucket, Key=key, Body=data)
        assert "ChecksumCRC64NVME" not in put and "ChecksumType" not in put
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert "ChecksumCRC64NVME" not in head and "ChecksumType" not in head
    upload_id, parts, responses = upload_without_checksums(client, bucket, "mp")
    assert not any("ChecksumCRC64NVME" in r for r in responses)
    done = client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert "ChecksumCRC64NVME" not in done and "ChecksumType" not in done
    head = client.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert "ChecksumCRC64NVME" not in head
    assert client.get_object(Bucket=bucket, Key="mp")["Body"].read() == MULTI
    for key in ("small", "large", "mp"):
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)
