"""A checksum stored by a POST after the body never describes other bytes.

For a body over 1 MiB whose checksum is only known at its end (an aws-chunked
trailer, or one the gateway computes), the gateway stores the checksum with a
Swift POST after the PUT. Swift's POST cannot be made conditional, so a late
POST of writer A may land after writer B's PUT of the same name and label B's
bytes with A's checksum. These tests make that interleaving by hand in Swift
(overwrite the data, then POST the first writer's metadata back, exactly what
the late POST sends) and check that S3 clients then see no checksum, never a
wrong one: boto3, which validates GET checksums, reads the object fine.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import pytest

from tests.integration.checksum_support import crc32
from tests.integration.test_streaming_uploads import UNSIGNED_TRAILER, streaming_put

CHUNK = 64 * 1024
FIRST = [bytes([65 + i % 26]) * CHUNK for i in range(20)]  # 1.25 MiB: over the read-ahead
DATA = b"".join(FIRST)
NEWER = b"n" * len(DATA)  # the other writer's bytes, same length
META = "x-object-meta-s3gw-checksum-"
DEADLINE = 10.0


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def trailer_put(env: Any, bucket: str, path: str, **extra: str) -> Any:
    resp = streaming_put(env, bucket, path, UNSIGNED_TRAILER, FIRST,
                         trailer=("x-amz-checksum-crc32", crc32(DATA)), extra=extra)
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-amz-checksum-crc32"] == crc32(DATA)
    return resp


def late_post(swift_conn: Any, container: str, name: str, newer: bytes) -> dict[str, str]:
    """Writer B replaces the data; writer A's POST (its metadata, as stored) lands after."""
    before = swift_conn.head_object(container, name)
    swift_conn.put_object(container, name, newer, content_type="application/octet-stream")
    posted = {k: v for k, v in before.items()
              if k.startswith("x-object-meta-") or k == "content-type"}
    swift_conn.post_object(container, name, headers=posted)
    after = swift_conn.head_object(container, name)
    assert after["etag"] == md5(newer)
    assert after[META + "crc32"] == crc32(DATA)  # the stale value is there, bound to A's bytes
    return after


def assert_bound(headers: dict[str, str], data: bytes) -> None:
    assert headers["etag"] == md5(data)
    assert headers[META + "crc32"] == crc32(data) and headers[META + "etag"] == md5(data)


# --- PutObject ------------------------------------------------------------------------

def test_late_post_on_newer_object_shows_no_checksum(gateway_env: Any, s3_client: Any,
                                                     swift_conn: Any, bucket: str) -> None:
    trailer_put(gateway_env, bucket, "raced", **{"x-amz-meta-color": "blue"})
    assert_bound(swift_conn.head_object(bucket, "raced"), DATA)
    head = s3_client.head_object(Bucket=bucket, Key="raced", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32(DATA)
    assert head["Metadata"] == {"color": "blue"}  # the binding is never user metadata

    late_post(swift_conn, bucket, "raced", NEWER)
    head = s3_client.head_object(Bucket=bucket, Key="raced", ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in head and "ChecksumType" not in head
    got = s3_client.get_object(Bucket=bucket, Key="raced", ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in got and got["Body"].read() == NEWER  # boto3 validates
    part = s3_client.head_object(Bucket=bucket, Key="raced", PartNumber=1,
                                 ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in part


def test_conditional_put_keeps_its_trailer_checksum(gateway_env: Any, s3_client: Any,
                                                    swift_conn: Any, bucket: str) -> None:
    """The POST repeats the object's headers, not the PUT's condition (If-None-Match)."""
    trailer_put(gateway_env, bucket, "new", **{"If-None-Match": "*",
                                               "Content-Type": "text/plain",
                                               "Cache-Control": "no-cache"})
    stored = swift_conn.head_object(bucket, "new")
    assert_bound(stored, DATA)
    assert stored["content-type"] == "text/plain" and stored["cache-control"] == "no-cache"
    head = s3_client.head_object(Bucket=bucket, Key="new", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32(DATA)


# --- CopyObject -----------------------------------------------------------------------

def test_copy_keeps_a_valid_binding_and_drops_a_failed_one(gateway_env: Any, s3_client: Any,
                                                           swift_conn: Any,
                                                           bucket: str) -> None:
    trailer_put(gateway_env, bucket, "src")
    done = s3_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src")
    assert done["CopyObjectResult"]["ChecksumCRC32"] == crc32(DATA)
    assert_bound(swift_conn.head_object(bucket, "dst"), DATA)  # same bytes, same MD5
    head = s3_client.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32(DATA)

    late_post(swift_conn, bucket, "src", NEWER)
    done = s3_client.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src")
    assert "ChecksumCRC32" not in done["CopyObjectResult"]
    stored = swift_conn.head_object(bucket, "dst2")
    assert not any(name.startswith(META) for name in stored)  # nothing stale carried
    got = s3_client.get_object(Bucket=bucket, Key="dst2", ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in got and got["Body"].read() == NEWER


# --- UploadPart -----------------------------------------------------------------------

def _listed_hash(swift_conn: Any, bucket: str, name: str, expected: str) -> None:
    """Wait until the segments listing shows the part's current data (its update)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        _, entries = swift_conn.get_container(f"{bucket}+segments", prefix=name)
        if [e["hash"] for e in entries] == [expected]:
            return
        assert time.monotonic() < deadline, entries
        time.sleep(0.05)


@pytest.mark.parametrize("kind", ["COMPOSITE", "FULL_OBJECT"])
def test_late_post_on_newer_part_shows_no_checksum(kind: str, gateway_env: Any,
                                                   s3_client: Any, plain_client: Any,
                                                   swift_conn: Any, bucket: str) -> None:
    """COMPOSITE: a trailer checksum; FULL_OBJECT: one the gateway computes for a part
    sent without any. Either way the part then lists without a checksum, and Complete,
    as for any part without a stored checksum (multipart_checksums), gives the object
    none: Complete is not refused, since the part's claimed checksum cannot be checked
    against a missing one, and the object's bytes are not what it described."""
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32", ChecksumType=kind)["UploadId"]
    if kind == "COMPOSITE":
        trailer_put(gateway_env, bucket, f"mp?partNumber=1&uploadId={upload_id}")
    else:
        done = plain_client.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id,
                                        PartNumber=1, Body=DATA)
        assert done["ChecksumCRC32"] == crc32(DATA)
    segment = f"mp/{upload_id}/00001"
    stored = swift_conn.head_object(f"{bucket}+segments", segment)
    assert_bound(stored, DATA)
    digest = base64.b64decode(crc32(DATA)).hex()
    assert stored["content-type"].endswith(f";s3gw_checksum=crc32.{digest}.{md5(DATA)}")
    listed = s3_client.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert listed[0]["ChecksumCRC32"] == crc32(DATA)

    late_post(swift_conn, f"{bucket}+segments", segment, NEWER)
    _listed_hash(swift_conn, bucket, segment, md5(NEWER))
    listed = s3_client.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert listed[0]["ETag"] == f'"{md5(NEWER)}"' and "ChecksumCRC32" not in listed[0]
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": md5(NEWER), "ChecksumCRC32": crc32(DATA)}]})
    assert "ChecksumCRC32" not in done and "ChecksumType" not in done
    head = s3_client.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in head
    got = s3_client.get_object(Bucket=bucket, Key="mp", PartNumber=1, ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in got and got["Body"].read() == NEWER
