"""ListMultipartUploads shows each upload's checksum algorithm and type (read from the
``+uploads`` listing), and the completed object's content type is exactly the client's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway.swift import multipart_layout
from tests.integration import rawhttp

# key → (create_multipart_upload arguments, expected (ChecksumAlgorithm, ChecksumType))
UPLOADS: dict[str, tuple[dict[str, str], tuple[str, str] | None]] = {
    "crc32": ({"ChecksumAlgorithm": "CRC32"}, ("CRC32", "COMPOSITE")),
    "crc32c-full": ({"ChecksumAlgorithm": "CRC32C", "ChecksumType": "FULL_OBJECT"},
                    ("CRC32C", "FULL_OBJECT")),
    "crc64nvme": ({"ChecksumAlgorithm": "CRC64NVME"}, ("CRC64NVME", "FULL_OBJECT")),
    "sha256": ({"ChecksumAlgorithm": "SHA256", "ChecksumType": "COMPOSITE"},
               ("SHA256", "COMPOSITE")),
    "none": ({}, None),
}


def _create_all(s3_client: Any, bucket: str) -> dict[str, str]:
    return {key: s3_client.create_multipart_upload(Bucket=bucket, Key=key, **args)["UploadId"]
            for key, (args, _) in UPLOADS.items()}


def test_listed_checksum_settings(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    ids = _create_all(s3_client, bucket)
    listed = s3_client.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [u["Key"] for u in listed] == sorted(UPLOADS)
    for upload in listed:
        assert upload["UploadId"] == ids[upload["Key"]]
        expected = UPLOADS[upload["Key"]][1]
        got = (upload["ChecksumAlgorithm"], upload["ChecksumType"]) \
            if "ChecksumAlgorithm" in upload else None
        assert got == expected, upload["Key"]
        if expected is None:
            assert "ChecksumType" not in upload
    # Stored where the listing reads it: the markers' content type in Swift's listing.
    _, entries = swift_conn.get_container(multipart_layout.uploads_container(bucket))
    by_key = {multipart_layout.split_marker_name(e["name"])[0]: e for e in entries}
    assert by_key["crc32"]["content_type"] == \
        "binary/octet-stream;s3gw_upload_checksum=crc32.composite"
    assert by_key["none"]["content_type"] == "binary/octet-stream"


def test_listing_xml_order(s3_client: Any, bucket: str, gateway_env: Any) -> None:
    s3_client.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA1")
    body = rawhttp.send(gateway_env, "GET", f"/{bucket}?uploads").text
    upload = re.search(r"<Upload>(.*?)</Upload>", body, re.S)
    assert upload is not None
    tags = re.findall(r"<(\w+)>", upload.group(1))
    assert tags[-2:] == ["ChecksumAlgorithm", "ChecksumType"]
    assert "<ChecksumAlgorithm>SHA1</ChecksumAlgorithm><ChecksumType>COMPOSITE</ChecksumType>" \
        in upload.group(1)


def test_marker_from_before_the_parameter(s3_client: Any, bucket: str,
                                          swift_conn: Any) -> None:
    """A marker written by an older gateway (settings in metadata only) still lists,
    without checksum elements, and still completes with its checksum."""
    s3_client.create_multipart_upload(Bucket=bucket, Key="new", ChecksumAlgorithm="CRC32")
    upload_id = multipart_layout.new_upload_id()
    swift_conn.put_object(
        multipart_layout.uploads_container(bucket),
        multipart_layout.upload_marker_name("old", upload_id), b"",
        headers={"Content-Type": "text/plain",
                 multipart_layout.CHECKSUM_ALGORITHM_META: "CRC32",
                 multipart_layout.CHECKSUM_TYPE_META: "COMPOSITE"})
    listed = {u["Key"]: u for u in s3_client.list_multipart_uploads(Bucket=bucket)["Uploads"]}
    assert listed["old"]["UploadId"] == upload_id
    assert "ChecksumAlgorithm" not in listed["old"] and "ChecksumType" not in listed["old"]
    assert listed["new"]["ChecksumAlgorithm"] == "CRC32"
    parts = s3_client.list_parts(Bucket=bucket, Key="old", UploadId=upload_id)
    assert parts["ChecksumAlgorithm"] == "CRC32"
    data = b"old marker"
    part = s3_client.upload_part(Bucket=bucket, Key="old", UploadId=upload_id, PartNumber=1,
                                 Body=data, ChecksumAlgorithm="CRC32")
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="old", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32": part["ChecksumCRC32"]}]})
    assert done["ChecksumCRC32"].endswith("-1")
    assert s3_client.head_object(Bucket=bucket, Key="old")["ContentType"] == "text/plain"


@pytest.mark.parametrize("content_type", [None, "text/plain; charset=utf-8",
                                          "application/x-thing;a=1;b=\"two words\""])
def test_completed_content_type_is_the_clients(s3_client: Any, bucket: str, swift_conn: Any,
                                               content_type: str | None) -> None:
    for key, (args, settings) in UPLOADS.items():
        extra = {"ContentType": content_type} if content_type is not None else {}
        upload_id = s3_client.create_multipart_upload(
            Bucket=bucket, Key=key, **args, **extra)["UploadId"]
        data = key.encode() * 3
        part_args = {"ChecksumAlgorithm": settings[0]} if settings else {}
        part = s3_client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id,
                                     PartNumber=1, Body=data, **part_args)
        entry = {"PartNumber": 1, "ETag": part["ETag"]}
        if settings is not None:
            name = "Checksum" + settings[0]
            entry[name] = part[name]
        s3_client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                            MultipartUpload={"Parts": [entry]})
        expected = content_type or "binary/octet-stream"
        head = s3_client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert head["ContentType"] == expected, key
        got = s3_client.get_object(Bucket=bucket, Key=key)
        assert got["ContentType"] == expected and got["Body"].read() == data
        if settings is not None:  # the checksum is unaffected by the content type
            assert head["ChecksumType"] == settings[1]
            assert ("Checksum" + settings[0]) in head
        # In Swift: the client's content type, the S3 ETag, nothing else of the gateway's.
        stored = swift_conn.head_object(bucket, key)["content-type"]
        assert multipart_layout.split_etag_param(stored)[0] == expected
        assert "s3gw_upload_checksum" not in stored
    assert s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_reserved_content_type_parameter(s3_client: Any, bucket: str) -> None:
    for content_type in ("text/plain;s3gw_upload_checksum=crc32.composite",
                         "text/plain; S3GW_other=1", "text/plain;s3gw_etag=abc-1"):
        with pytest.raises(ClientError) as caught:
            s3_client.create_multipart_upload(Bucket=bucket, Key="k", ContentType=content_type,
                                              ChecksumAlgorithm="CRC32")
        assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    assert s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
