"""UploadPartCopy into uploads created with a checksum algorithm: the part checksum is
computed as S3 does, listed, and used by CompleteMultipartUpload (COMPOSITE and FULL_OBJECT).

Expected values are computed here independently (zlib, awscrt, hashlib) over the data.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway.swift import multipart_layout
from tests.integration import rawhttp
from tests.integration.bucket_pool import BucketPool
from tests.integration.checksum_support import composite, full

MIB = 1024 * 1024
PART = 5 * MIB
PLAIN = os.urandom(PART + 3 * MIB + 17)
SEGMENTS = [os.urandom(PART), os.urandom(MIB + 5)]  # the multipart source's parts
MULTIPART = b"".join(SEGMENTS)

@pytest.fixture(scope="module")
def bucket(bucket_pool: BucketPool) -> str:
    """One bucket for the module: its tests only read the sources, each writes its own
    uploads (completed ones checked at once), and uploading the 14 MiB of sources cost
    more than most of the tests."""
    return bucket_pool.take()


@pytest.fixture(scope="module")
def sources(s3_client: Any, bucket: str) -> None:
    """A plain object (with a SHA256 checksum) and a multipart one (COMPOSITE CRC32)."""
    s3_client.put_object(Bucket=bucket, Key="plain", Body=PLAIN, ChecksumAlgorithm="SHA256")
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="multi",
                                                  ChecksumAlgorithm="CRC32")["UploadId"]
    parts = []
    for number, data in enumerate(SEGMENTS, 1):
        resp = s3_client.upload_part(Bucket=bucket, Key="multi", UploadId=upload_id,
                                     PartNumber=number, Body=data, ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": number, "ETag": resp["ETag"],
                      "ChecksumCRC32": resp["ChecksumCRC32"]})
    s3_client.complete_multipart_upload(Bucket=bucket, Key="multi", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})


def _copy(s3_client: Any, bucket: str, key: str, upload_id: str, number: int, source: str,
          span: tuple[int, int] | None = None) -> dict[str, Any]:
    extra = {"CopySourceRange": f"bytes={span[0]}-{span[1]}"} if span is not None else {}
    return s3_client.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id,
                                      PartNumber=number,
                                      CopySource={"Bucket": bucket, "Key": source},
                                      **extra)["CopyPartResult"]


def _stored_part(swift_conn: Any, bucket: str, key: str, upload_id: str,
                 number: int) -> dict[str, str]:
    return swift_conn.head_object(multipart_layout.segments_container(bucket),
                                  multipart_layout.part_name(key, upload_id, number))


def test_composite_crc32_from_ranges_and_other_checksums(s3_client: Any, bucket: str,
                                                         sources: None,
                                                         swift_conn: Any) -> None:
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="dst",
                                                  ChecksumAlgorithm="CRC32")["UploadId"]
    pieces = [
        ("plain", (1, PART)),  # a range of a plain object
        ("multi", (MIB, MIB + PART - 1)),  # a range across the multipart source's segments
        ("plain", None),  # a whole object whose checksum is SHA256: computed
        ("multi", None),  # a whole multipart object (COMPOSITE CRC32: not the part's)
    ]
    expected_data = []
    results = []
    for number, (source, span) in enumerate(pieces, 1):
        whole = PLAIN if source == "plain" else MULTIPART
        data = whole if span is None else whole[span[0]:span[1] + 1]
        expected_data.append(data)
        result = _copy(s3_client, bucket, "dst", upload_id, number, source, span)
        assert result["ChecksumCRC32"] == full("CRC32", data), number
        assert result["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        results.append(result)
        stored = _stored_part(swift_conn, bucket, "dst", upload_id, number)
        assert stored["x-object-meta-s3gw-checksum-crc32"] == full("CRC32", data)
        assert multipart_layout.part_checksum(stored["content-type"]).value == \
            full("CRC32", data)
    listed = s3_client.list_parts(Bucket=bucket, Key="dst", UploadId=upload_id)["Parts"]
    assert [p["ChecksumCRC32"] for p in listed] == [r["ChecksumCRC32"] for r in results]
    assert [p["Size"] for p in listed] == [len(d) for d in expected_data]
    # COMPOSITE: like uploaded parts, copied parts must be named with their checksum.
    bare = [{"PartNumber": n, "ETag": r["ETag"]} for n, r in enumerate(results, 1)]
    with pytest.raises(ClientError) as caught:
        s3_client.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id,
                                            MultipartUpload={"Parts": bare})
    assert caught.value.response["Error"]["Code"] == "InvalidRequest"
    named = [{**p, "ChecksumCRC32": r["ChecksumCRC32"]} for p, r in zip(bare, results)]
    done = s3_client.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id,
                                               MultipartUpload={"Parts": named})
    expected = composite("CRC32", expected_data)
    assert done["ChecksumCRC32"] == expected and done["ChecksumType"] == "COMPOSITE"
    head = s3_client.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected and head["ChecksumType"] == "COMPOSITE"
    body = s3_client.get_object(Bucket=bucket, Key="dst")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(b"".join(expected_data)).digest()
    part = s3_client.get_object(Bucket=bucket, Key="dst", PartNumber=2, ChecksumMode="ENABLED")
    assert part["ChecksumCRC32"] == full("CRC32", expected_data[1])


def test_full_object_crc32c(s3_client: Any, bucket: str, sources: None) -> None:
    upload_id = s3_client.create_multipart_upload(
        Bucket=bucket, Key="dst", ChecksumAlgorithm="CRC32C",
        ChecksumType="FULL_OBJECT")["UploadId"]
    first = _copy(s3_client, bucket, "dst", upload_id, 1, "multi", (3, PART + 2))
    second = _copy(s3_client, bucket, "dst", upload_id, 2, "plain", (PART, PART + 999))
    data = MULTIPART[3:PART + 3] + PLAIN[PART:PART + 1000]
    assert first["ChecksumCRC32C"] == full("CRC32C", MULTIPART[3:PART + 3])
    assert second["ChecksumCRC32C"] == full("CRC32C", PLAIN[PART:PART + 1000])
    listed = s3_client.list_parts(Bucket=bucket, Key="dst", UploadId=upload_id)
    assert [p["ChecksumCRC32C"] for p in listed["Parts"]] == [
        first["ChecksumCRC32C"], second["ChecksumCRC32C"]]
    # FULL_OBJECT parts need not be named; the whole-object CRC is combined from them.
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="dst", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": first["ETag"]},
            {"PartNumber": 2, "ETag": second["ETag"]}]})
    assert done["ChecksumCRC32C"] == full("CRC32C", data)
    assert done["ChecksumType"] == "FULL_OBJECT"
    head = s3_client.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32C"] == full("CRC32C", data)
    assert head["ChecksumType"] == "FULL_OBJECT"


@pytest.mark.parametrize("algorithm", ["CRC64NVME", "SHA1", "SHA256"])
def test_other_algorithms(s3_client: Any, bucket: str, sources: None,
                          algorithm: str) -> None:
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="dst",
                                                  ChecksumAlgorithm=algorithm)["UploadId"]
    result = _copy(s3_client, bucket, "dst", upload_id, 1, "multi", (PART - 10, PART + 10))
    assert result["Checksum" + algorithm] == full(algorithm, MULTIPART[PART - 10:PART + 11])


def test_whole_copy_keeps_a_full_object_source_checksum(s3_client: Any, bucket: str,
                                                        sources: None) -> None:
    """A SHA256 upload copying the whole SHA256 source takes its checksum as it is."""
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="dst",
                                                  ChecksumAlgorithm="SHA256")["UploadId"]
    result = _copy(s3_client, bucket, "dst", upload_id, 1, "plain")
    assert result["ChecksumSHA256"] == full("SHA256", PLAIN)


def test_copy_part_result_document(s3_client: Any, bucket: str, sources: None,
                                   gateway_env: Any, swift_conn: Any) -> None:
    """CopyPartResult has no ChecksumType (unlike CopyObjectResult); an upload without
    an algorithm gets a part without a checksum, as before."""
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="dst",
                                                  ChecksumAlgorithm="CRC32")["UploadId"]
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst?partNumber=1&uploadId={upload_id}",
                        headers={"x-amz-copy-source": f"/{bucket}/plain",
                                 "x-amz-copy-source-range": "bytes=0-99"})
    assert resp.status_code == 200
    tags = re.findall(r"<(\w+)[ >]", resp.text)
    assert tags == ["CopyPartResult", "ETag", "LastModified", "ChecksumCRC32"]
    assert f"<ChecksumCRC32>{full('CRC32', PLAIN[:100])}</ChecksumCRC32>" in resp.text
    plain_upload = s3_client.create_multipart_upload(Bucket=bucket, Key="bare")["UploadId"]
    result = _copy(s3_client, bucket, "bare", plain_upload, 1, "plain", (0, 99))
    assert not any(name.startswith("Checksum") for name in result)
    stored = _stored_part(swift_conn, bucket, "bare", plain_upload, 1)
    assert stored["content-type"] == "application/octet-stream"
    assert not any(name.startswith("x-object-meta-s3gw-") for name in stored)
    listed = s3_client.list_parts(Bucket=bucket, Key="bare", UploadId=plain_upload)["Parts"]
    assert not any(name.startswith("Checksum") for name in listed[0])


def test_source_conditions_still_apply(s3_client: Any, bucket: str,
                                       sources: None) -> None:
    """The hashing read is pinned like the copy: a failed condition stores nothing."""
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="dst",
                                                  ChecksumAlgorithm="CRC32")["UploadId"]
    with pytest.raises(ClientError) as caught:
        s3_client.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                   CopySource={"Bucket": bucket, "Key": "plain"},
                                   CopySourceRange="bytes=0-9", CopySourceIfMatch='"other"')
    assert caught.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ClientError) as caught:
        s3_client.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                   CopySource={"Bucket": bucket, "Key": "absent"},
                                   CopySourceRange="bytes=0-9")
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    assert s3_client.list_parts(Bucket=bucket, Key="dst", UploadId=upload_id).get(
        "Parts", []) == []


def test_racing_writers_never_mislabel_a_part(s3_client: Any, bucket: str,
                                              swift_conn: Any) -> None:
    """Copies of a source being overwritten, racing UploadParts of the same number: every
    copy result describes one real version of the source, and the part left in Swift
    carries the checksum of its own bytes."""
    versions = [os.urandom(MIB), os.urandom(MIB)]
    s3_client.put_object(Bucket=bucket, Key="flip", Body=versions[0])
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="dst",
                                                  ChecksumAlgorithm="CRC32")["UploadId"]
    rounds = 6

    def overwrite() -> None:
        for i in range(rounds):
            s3_client.put_object(Bucket=bucket, Key="flip", Body=versions[(i + 1) % 2])

    def copy() -> list[str]:
        seen = []
        for _ in range(rounds):
            try:
                seen.append(_copy(s3_client, bucket, "dst", upload_id, 1, "flip",
                                  (0, MIB - 1))["ChecksumCRC32"])
            except ClientError as exc:  # the source changed under both attempts
                assert exc.response["Error"]["Code"] == "PreconditionFailed"
        return seen

    def upload() -> None:
        for _ in range(rounds):
            data = os.urandom(MIB)
            s3_client.upload_part(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                  Body=data, ChecksumAlgorithm="CRC32")

    with ThreadPoolExecutor(max_workers=3) as pool:
        copies = pool.submit(copy)
        for done in [pool.submit(overwrite), pool.submit(upload)]:
            done.result()
        seen = copies.result()
    assert set(seen) <= {full("CRC32", v) for v in versions}
    headers, data = swift_conn.get_object(multipart_layout.segments_container(bucket),
                                          multipart_layout.part_name("dst", upload_id, 1))
    listed = s3_client.list_parts(Bucket=bucket, Key="dst", UploadId=upload_id)["Parts"]
    assert listed[0]["ChecksumCRC32"] == full("CRC32", data)
    assert headers["x-object-meta-s3gw-checksum-crc32"] == full("CRC32", data)
