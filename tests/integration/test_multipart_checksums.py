"""Multipart checksums, COMPOSITE and FULL_OBJECT, end to end through boto3 and real Swift.

Expected values are computed here independently (zlib, awscrt, hashlib) over the data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import swiftclient.exceptions
from awscrt import checksums as crt
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.integration.checksum_support import b64, composite, full
from tests.integration.s3_support import error_message_of as error_of  # (code, message)
from tests.integration.s3_support import split

MIB = 1024 * 1024
PART = 5 * MIB
DATA = os.urandom(2 * PART + 12_345)  # two full parts and a short last one
BIG = os.urandom(20 * MIB + 4321)


def upload_parts(s3: Any, bucket: str, key: str, upload_id: str, chunks: list[bytes],
                 algorithm: str, explicit: bool = True) -> list[dict]:
    """Upload ``chunks``; the Complete entries, with the part checksums S3 returned."""
    parts = []
    for number, chunk in enumerate(chunks, 1):
        extra = ({f"Checksum{algorithm}": full(algorithm, chunk)} if explicit
                 else {"ChecksumAlgorithm": algorithm})
        resp = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                              Body=chunk, **extra)
        assert resp[f"Checksum{algorithm}"] == full(algorithm, chunk)
        parts.append({"PartNumber": number, "ETag": resp["ETag"],
                      f"Checksum{algorithm}": resp[f"Checksum{algorithm}"]})
    return parts


def test_upload_file_defaults_give_composite_crc32(s3_client: Any, bucket: str,
                                                   tmp_path: Path) -> None:
    """boto3 upload_file: CreateMultipartUpload(ChecksumAlgorithm=CRC32), a CRC32 per part,
    the part CRC32s in Complete, no whole-object value: S3 answers a COMPOSITE CRC32."""
    source = tmp_path / "big.bin"
    source.write_bytes(BIG)
    config = TransferConfig(multipart_threshold=8 * MIB)  # default 8 MiB parts
    s3_client.upload_file(str(source), bucket, "big.bin", Config=config)
    expected = composite("CRC32", split(BIG, 8 * MIB))
    head = s3_client.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected and expected.endswith("-3")
    assert head["ChecksumType"] == "COMPOSITE"
    plain_head = s3_client.head_object(Bucket=bucket, Key="big.bin")
    assert "ChecksumCRC32" not in plain_head and "ChecksumType" not in plain_head
    got = s3_client.get_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == expected and got["Body"].read() == BIG
    target = tmp_path / "down.bin"
    s3_client.download_file(bucket, "big.bin", str(target), Config=config)
    assert target.read_bytes() == BIG


def test_full_object_crc32c(s3_client: Any, bucket: str) -> None:
    chunks = split(DATA, PART)
    created = s3_client.create_multipart_upload(
        Bucket=bucket, Key="full", ChecksumAlgorithm="CRC32C", ChecksumType="FULL_OBJECT")
    assert created["ChecksumAlgorithm"] == "CRC32C" and created["ChecksumType"] == "FULL_OBJECT"
    upload_id = created["UploadId"]
    parts = upload_parts(s3_client, bucket, "full", upload_id, chunks, "CRC32C")
    expected = full("CRC32C", DATA)
    assert expected == b64(crt.crc32c(DATA).to_bytes(4, "big"))
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="full", UploadId=upload_id, MultipartUpload={"Parts": parts},
        ChecksumCRC32C=expected, ChecksumType="FULL_OBJECT")
    assert done["ChecksumCRC32C"] == expected and done["ChecksumType"] == "FULL_OBJECT"
    head = s3_client.head_object(Bucket=bucket, Key="full", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32C"] == expected and head["ChecksumType"] == "FULL_OBJECT"
    # boto3 verifies a plain (not "-N") checksum against the body it receives.
    got = s3_client.get_object(Bucket=bucket, Key="full", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32C"] == expected and got["Body"].read() == DATA
    assert got["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "FULL_OBJECT"


def test_full_object_parts_without_checksums_are_computed(plain_client: Any,
                                                          bucket: str) -> None:
    """S3 computes the part checksum of a FULL_OBJECT upload when a part comes without."""
    chunks = split(DATA, PART)
    upload_id = plain_client.create_multipart_upload(
        Bucket=bucket, Key="computed", ChecksumAlgorithm="CRC64NVME")["UploadId"]
    parts = []
    for number, chunk in enumerate(chunks, 1):
        resp = plain_client.upload_part(Bucket=bucket, Key="computed", UploadId=upload_id,
                                        PartNumber=number, Body=chunk)
        assert resp["ChecksumCRC64NVME"] == full("CRC64NVME", chunk)
        parts.append({"PartNumber": number, "ETag": resp["ETag"]})
    listed = plain_client.list_parts(Bucket=bucket, Key="computed", UploadId=upload_id)
    assert [p["ChecksumCRC64NVME"] for p in listed["Parts"]] == \
        [full("CRC64NVME", c) for c in chunks]
    done = plain_client.complete_multipart_upload(
        Bucket=bucket, Key="computed", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC64NVME"] == full("CRC64NVME", DATA)
    assert done["ChecksumType"] == "FULL_OBJECT"


def test_composite_sha256_list_parts_and_part_reads(s3_client: Any, bucket: str) -> None:
    chunks = split(DATA, PART)
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="sha", ChecksumAlgorithm="SHA256")["UploadId"]
    parts = upload_parts(s3_client, bucket, "sha", upload_id, chunks, "SHA256", explicit=False)
    listed = s3_client.list_parts(Bucket=bucket, Key="sha", UploadId=upload_id)
    assert listed["ChecksumAlgorithm"] == "SHA256" and listed["ChecksumType"] == "COMPOSITE"
    assert [p["ChecksumSHA256"] for p in listed["Parts"]] == [full("SHA256", c) for c in chunks]
    expected = composite("SHA256", chunks)
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="sha", UploadId=upload_id, MultipartUpload={"Parts": parts},
        ChecksumSHA256=expected.partition("-")[0])  # S3 takes it with or without "-N"
    assert done["ChecksumSHA256"] == expected and done["ChecksumType"] == "COMPOSITE"
    head = s3_client.head_object(Bucket=bucket, Key="sha", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected and head["ChecksumType"] == "COMPOSITE"
    for number, chunk in enumerate(chunks, 1):
        got = s3_client.get_object(Bucket=bucket, Key="sha", PartNumber=number,
                                   ChecksumMode="ENABLED")
        assert got["ChecksumSHA256"] == full("SHA256", chunk) and got["Body"].read() == chunk
    part_head = s3_client.head_object(Bucket=bucket, Key="sha", PartNumber=2,
                                      ChecksumMode="ENABLED")
    assert part_head["ChecksumSHA256"] == full("SHA256", chunks[1])
    assert "ChecksumSHA256" not in s3_client.head_object(Bucket=bucket, Key="sha", PartNumber=2)


def test_part_read_of_full_object_crc(s3_client: Any, bucket: str) -> None:
    chunks = split(DATA, PART)
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="crc", ChecksumAlgorithm="CRC32",
        ChecksumType="FULL_OBJECT")["UploadId"]
    parts = upload_parts(s3_client, bucket, "crc", upload_id, chunks, "CRC32")
    s3_client.complete_multipart_upload(Bucket=bucket, Key="crc", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})
    got = s3_client.get_object(Bucket=bucket, Key="crc", PartNumber=2, ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == full("CRC32", chunks[1])  # boto3 checked the body too
    assert got["Body"].read() == chunks[1]


def test_complete_errors_leave_no_object(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    chunks = split(DATA, PART)
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="bad", ChecksumAlgorithm="CRC32C",
        ChecksumType="FULL_OBJECT")["UploadId"]
    parts = upload_parts(s3_client, bucket, "bad", upload_id, chunks, "CRC32C")

    def complete(entries: list[dict], **extra: Any) -> Any:
        return s3_client.complete_multipart_upload(
            Bucket=bucket, Key="bad", UploadId=upload_id,
            MultipartUpload={"Parts": entries}, **extra)

    wrong = [dict(p) for p in parts]
    wrong[1]["ChecksumCRC32C"] = full("CRC32C", b"something else")
    with pytest.raises(ClientError) as caught:
        complete(wrong)
    assert error_of(caught)[0] == "InvalidPart"
    with pytest.raises(ClientError) as caught:
        complete(parts, ChecksumCRC32C=full("CRC32C", DATA[:-1]))
    assert error_of(caught) == ("BadDigest", ("The crc32c you specified did not match the "
                                              "calculated checksum."))
    with pytest.raises(ClientError) as caught:
        complete(parts, ChecksumCRC32=full("CRC32", DATA))
    assert error_of(caught)[0] == "InvalidRequest"
    with pytest.raises(swiftclient.exceptions.ClientException) as missing:
        swift_conn.head_object(bucket, "bad")
    assert missing.value.http_status == 404
    # The upload is still open and completes with the right values.
    done = complete(parts, ChecksumCRC32C=full("CRC32C", DATA))
    assert done["ChecksumCRC32C"] == full("CRC32C", DATA)


def test_composite_requires_part_checksums(s3_client: Any, plain_client: Any,
                                           bucket: str) -> None:
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="comp", ChecksumAlgorithm="CRC32")["UploadId"]
    with pytest.raises(ClientError) as caught:  # a part without a checksum
        plain_client.upload_part(Bucket=bucket, Key="comp", UploadId=upload_id, PartNumber=1,
                                 Body=b"x")
    assert error_of(caught) == ("InvalidRequest", ("Checksum Type mismatch occurred, expected "
                                                   "checksum Type: crc32, actual checksum Type: "
                                                   "null"))
    with pytest.raises(ClientError) as caught:  # another algorithm
        s3_client.upload_part(Bucket=bucket, Key="comp", UploadId=upload_id, PartNumber=1,
                              Body=b"x", ChecksumAlgorithm="SHA1")
    assert error_of(caught)[1].endswith("expected checksum Type: crc32, actual checksum Type: sha1")
    parts = upload_parts(s3_client, bucket, "comp", upload_id, [b"x"], "CRC32")
    with pytest.raises(ClientError) as caught:  # Complete without the part checksum
        s3_client.complete_multipart_upload(
            Bucket=bucket, Key="comp", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": parts[0]["ETag"]}]})
    assert error_of(caught) == (
        "InvalidRequest", ("The upload was created using a crc32 checksum. The complete request "
                           "must include the checksum for each part. It was missing for part 1 "
                           "in the request."))


def test_create_refuses_impossible_types(s3_client: Any, bucket: str) -> None:
    for algorithm, kind in (("SHA1", "FULL_OBJECT"), ("CRC64NVME", "COMPOSITE")):
        with pytest.raises(ClientError) as caught:
            s3_client.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm,
                                              ChecksumType=kind)
        assert error_of(caught) == ("InvalidRequest", (f"The {kind} checksum type cannot be "
                                                       f"used with the {algorithm.lower()} "
                                                       "checksum algorithm."))


def test_upload_part_copy(s3_client: Any, bucket: str) -> None:
    """A whole-object copy keeps the source's checksum; a ranged copy's is computed
    (more cases in test_upload_part_copy_checksums.py)."""
    chunks = split(DATA, PART)
    s3_client.put_object(Bucket=bucket, Key="src", Body=chunks[0], ChecksumAlgorithm="CRC32C")
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="copied", ChecksumAlgorithm="CRC32C",
        ChecksumType="FULL_OBJECT")["UploadId"]
    copied = s3_client.upload_part_copy(Bucket=bucket, Key="copied", UploadId=upload_id,
                                        PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyPartResult"]["ChecksumCRC32C"] == full("CRC32C", chunks[0])
    parts = [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}]
    for number, chunk in enumerate(chunks[1:], 2):
        resp = s3_client.upload_part(Bucket=bucket, Key="copied", UploadId=upload_id,
                                     PartNumber=number, Body=chunk,
                                     ChecksumCRC32C=full("CRC32C", chunk))
        parts.append({"PartNumber": number, "ETag": resp["ETag"]})
    done = s3_client.complete_multipart_upload(Bucket=bucket, Key="copied", UploadId=upload_id,
                                               MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC32C"] == full("CRC32C", DATA)
    # A ranged copy: the part checksum is computed, and so is the object's.
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="ranged", ChecksumAlgorithm="CRC32C",
        ChecksumType="FULL_OBJECT")["UploadId"]
    copy = s3_client.upload_part_copy(Bucket=bucket, Key="ranged", UploadId=upload_id,
                                      PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"},
                                      CopySourceRange="bytes=0-99")
    assert copy["CopyPartResult"]["ChecksumCRC32C"] == full("CRC32C", chunks[0][:100])
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="ranged", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copy["CopyPartResult"]["ETag"]}]})
    assert done["ChecksumCRC32C"] == full("CRC32C", chunks[0][:100])
    head = s3_client.head_object(Bucket=bucket, Key="ranged", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32C"] == full("CRC32C", chunks[0][:100])
    assert head["ChecksumType"] == "FULL_OBJECT"
