"""GetObjectAttributes through boto3 on real Swift: a plain object, a multipart
object with CRC32 parts (its part list paged), and S3's errors."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway.swift.multipart_layout import segments_container
from gateway.swift.store import SwiftStore
from tests.integration.checksum_support import composite, crc32
from tests.integration.conftest import GatewayEnv
from tests.integration.s3_support import error_message_of, error_of, mp_etag, split
from tests.integration.store_support import CountingClient, sent, swift_store_of

MIB = 1024 * 1024
PART = 5 * MIB
DATA = os.urandom(2 * PART + 1234)  # two full parts and a short last one
ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


@pytest.fixture
async def swift_store(gateway_env: GatewayEnv) -> AsyncIterator[SwiftStore]:
    async with swift_store_of(gateway_env, CountingClient) as backend:
        yield backend


def upload_with_crc32_parts(s3_client: Any, bucket: str, key: str) -> list[bytes]:
    """``DATA`` as a multipart object with CRC32 part checksums; its parts."""
    chunks = split(DATA, PART)
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key=key,
                                               ChecksumAlgorithm="CRC32")
    parts = []
    for number, chunk in enumerate(chunks, 1):
        resp = s3_client.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                     PartNumber=number, Body=chunk, ChecksumCRC32=crc32(chunk))
        parts.append({"PartNumber": number, "ETag": resp["ETag"],
                      "ChecksumCRC32": resp["ChecksumCRC32"]})
    s3_client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                        MultipartUpload={"Parts": parts})
    return chunks


def test_plain_object(s3_client: Any, bucket: str) -> None:
    body = b"attributes of a plain object"
    s3_client.put_object(Bucket=bucket, Key="plain", Body=body, ChecksumAlgorithm="CRC32")
    head = s3_client.head_object(Bucket=bucket, Key="plain")
    got = s3_client.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=ALL)
    assert got["ETag"] == hashlib.md5(body).hexdigest()  # unquoted, as S3 answers it
    assert got["Checksum"] == {"ChecksumCRC32": crc32(body), "ChecksumType": "FULL_OBJECT"}
    assert got["StorageClass"] == "STANDARD" and got["ObjectSize"] == len(body)
    assert "ObjectParts" not in got
    assert got["LastModified"] == head["LastModified"]
    only = s3_client.get_object_attributes(Bucket=bucket, Key="plain",
                                           ObjectAttributes=["ObjectSize"])
    assert "ETag" not in only and only["ObjectSize"] == len(body)
    same = s3_client.get_object_attributes(Bucket=bucket, Key="plain", VersionId="null",
                                           ObjectAttributes=["ETag"])
    assert same["ETag"] == got["ETag"]


def test_multipart_object_parts_are_paged(s3_client: Any, bucket: str) -> None:
    chunks = upload_with_crc32_parts(s3_client, bucket, "mp")
    got = s3_client.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=ALL,
                                          MaxParts=2)
    assert got["ETag"] == mp_etag(chunks).strip('"')
    head = s3_client.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == composite("CRC32", chunks)
    # S3 drops the "-3" here (clients append TotalPartsCount themselves).
    assert got["Checksum"] == {"ChecksumCRC32": composite("CRC32", chunks).removesuffix("-3"),
                               "ChecksumType": "COMPOSITE"}
    assert got["ObjectSize"] == len(DATA)
    first = got["ObjectParts"]
    assert (first["TotalPartsCount"], first["MaxParts"], first["IsTruncated"]) == (3, 2, True)
    assert (first["PartNumberMarker"], first["NextPartNumberMarker"]) == (0, 2)
    assert first["Parts"] == [
        {"PartNumber": n, "Size": len(c), "ChecksumCRC32": crc32(c)}
        for n, c in ((1, chunks[0]), (2, chunks[1]))]

    rest = s3_client.get_object_attributes(Bucket=bucket, Key="mp", MaxParts=2,
                                           PartNumberMarker=2,
                                           ObjectAttributes=["ObjectParts"])["ObjectParts"]
    assert (rest["IsTruncated"], rest["PartNumberMarker"], rest["NextPartNumberMarker"]) == (
        False, 2, 3)
    assert rest["Parts"] == [{"PartNumber": 3, "Size": 1234, "ChecksumCRC32": crc32(chunks[2])}]


def test_multipart_object_without_checksum_shows_its_parts_count(plain_client: Any,
                                                                 bucket: str) -> None:
    """As on S3: no ``Part`` entries without a checksum (Swift: no listing either)."""
    chunks = split(DATA, PART)
    upload = plain_client.create_multipart_upload(Bucket=bucket, Key="mp")
    parts = [{"PartNumber": n, "ETag": plain_client.upload_part(
        Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=n, Body=c)["ETag"]}
        for n, c in enumerate(chunks, 1)]
    plain_client.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                           MultipartUpload={"Parts": parts})
    got = plain_client.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=ALL)
    assert got["ObjectParts"] == {"TotalPartsCount": 3}
    assert "Checksum" not in got
    assert (got["ETag"], got["ObjectSize"]) == (mp_etag(chunks).strip('"'), len(DATA))


async def test_swift_requests_are_one_head_and_one_listing_page(
        swift_store: SwiftStore, s3_client: Any, bucket: str, gateway_env: GatewayEnv) -> None:
    """What the handler asks of the store costs one HEAD, plus one listing page of
    the object's segments for its parts (the extra entry tells truncation)."""
    account = gateway_env.account
    upload_with_crc32_parts(s3_client, bucket, "mp")
    info = await swift_store.head_object(account, bucket, "mp")
    assert sent(swift_store) == [("HEAD", bucket, "mp")]
    page = await swift_store.list_object_parts(account, bucket, info, 1, 1)
    assert sent(swift_store) == [("GET", segments_container(bucket), None)]
    assert ([p.number for p in page.parts], page.truncated, page.next_marker) == ([2], True, 2)
    s3_client.put_object(Bucket=bucket, Key="plain", Body=b"x")
    plain = await swift_store.head_object(account, bucket, "plain")
    sent(swift_store)
    assert (await swift_store.list_object_parts(account, bucket, plain, 0, 1000)).parts == []
    assert sent(swift_store) == []


def test_missing_key_and_bucket(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3_client.get_object_attributes(Bucket=bucket, Key="absent", ObjectAttributes=["ETag"])
    assert error_of(exc) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as exc:
        s3_client.get_object_attributes(Bucket=f"{bucket}-absent", Key="k",
                                        ObjectAttributes=["ETag"])
    assert error_of(exc) == ("NoSuchBucket", 404)


def test_unknown_attribute_and_version(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3_client.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ETags"])
    assert error_message_of(exc) == ("InvalidArgument", "Invalid attribute name specified.")
    with pytest.raises(ClientError) as exc:
        s3_client.get_object_attributes(Bucket=bucket, Key="k", VersionId="v1",
                                        ObjectAttributes=["ETag"])
    assert error_of(exc) == ("InvalidArgument", 400)
