"""CopyObject and UploadPartCopy through boto3, against the real Swift copy middleware."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from gateway.swift import multipart_layout
from tests.integration import rawhttp
from tests.integration.s3_support import error_of, eventually, segments

BODY = b"0123456789abcdefghijklmnopqrstuvwxyz"
MD5 = f'"{hashlib.md5(BODY).hexdigest()}"'
PAST = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
FUTURE = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
UPLOAD_ID_META = multipart_layout.UPLOAD_ID_META.lower()
CHECKSUM_META = "x-object-meta-s3gw-checksum-crc32"
CHECKSUM_TYPE_META = "x-object-meta-s3gw-checksum-type"


@pytest.fixture
def source(s3_client: Any, bucket: str) -> str:
    s3_client.put_object(
        Bucket=bucket, Key="src", Body=BODY, ContentType="text/plain",
        Metadata={"color": "blue"}, CacheControl="max-age=60",
        ContentDisposition="inline", ContentLanguage="fr")
    return "src"


def test_copy_keeps_data_and_metadata_by_default(s3_client: Any, bucket: str,
                                                 source: str) -> None:
    result = s3_client.copy_object(Bucket=bucket, Key="dst",
                                   CopySource={"Bucket": bucket, "Key": source})
    assert result["CopyObjectResult"]["ETag"] == MD5
    modified = result["CopyObjectResult"]["LastModified"]
    assert isinstance(modified, datetime.datetime)
    got = s3_client.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == BODY
    assert got["ETag"] == MD5
    assert got["LastModified"] == modified
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "blue"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "inline"
    assert got["ContentLanguage"] == "fr"


def test_copy_ignores_request_metadata_with_copy_directive(s3_client: Any, bucket: str,
                                                           source: str) -> None:
    s3_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/{source}",
                          MetadataDirective="COPY", Metadata={"other": "x"},
                          ContentType="image/png")
    head = s3_client.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"color": "blue"}
    assert head["ContentType"] == "text/plain"


def test_replace_takes_metadata_from_request(s3_client: Any, bucket: str, source: str) -> None:
    s3_client.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": source},
                          MetadataDirective="REPLACE", Metadata={"shape": "round"})
    head = s3_client.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"shape": "round"}
    assert head["ContentType"] == "binary/octet-stream"
    assert "CacheControl" not in head and "ContentDisposition" not in head
    assert head["ETag"] == MD5

    s3_client.copy_object(Bucket=bucket, Key="dst2", CopySource=f"/{bucket}/{source}",
                          MetadataDirective="REPLACE", ContentType="application/json",
                          ContentEncoding="identity", Expires=FUTURE)
    head = s3_client.head_object(Bucket=bucket, Key="dst2")
    assert head["Metadata"] == {}
    assert head["ContentType"] == "application/json"
    assert head["ContentEncoding"] == "identity"
    assert head["ExpiresString"] == "Fri, 01 Jan 2100 00:00:00 GMT"


def test_reserved_metadata_is_copied_by_rule(s3_client: Any, bucket: str,
                                             swift_conn: Any) -> None:
    """Checksums of the same bytes stay valid; the multipart upload id does not."""
    swift_conn.put_object(bucket, "src", BODY, headers={
        UPLOAD_ID_META: "some-upload", CHECKSUM_META: "abcd", "X-Object-Meta-Color": "red"})
    for directive in ("COPY", "REPLACE"):
        s3_client.copy_object(Bucket=bucket, Key=f"dst-{directive}", MetadataDirective=directive,
                              CopySource={"Bucket": bucket, "Key": "src"})
        headers = swift_conn.head_object(bucket, f"dst-{directive}")
        assert headers[CHECKSUM_META] == "abcd"
        assert UPLOAD_ID_META not in headers
    assert s3_client.head_object(Bucket=bucket, Key="dst-COPY")["Metadata"] == {"color": "red"}
    assert s3_client.head_object(Bucket=bucket, Key="dst-REPLACE")["Metadata"] == {}
    # COPY ignores the request's metadata; REPLACE refuses the gateway's reserved names.
    s3_client.copy_object(Bucket=bucket, Key="dst-ignored", MetadataDirective="COPY",
                          CopySource={"Bucket": bucket, "Key": "src"},
                          Metadata={"s3gw-checksum-crc32": "forged"})
    assert swift_conn.head_object(bucket, "dst-ignored")[CHECKSUM_META] == "abcd"
    with pytest.raises(ClientError) as info:
        s3_client.copy_object(Bucket=bucket, Key="dst-forged", MetadataDirective="REPLACE",
                              CopySource={"Bucket": bucket, "Key": "src"},
                              Metadata={"s3gw-checksum-crc32": "forged"})
    assert error_of(info) == ("InvalidArgument", 400)


def test_copy_across_buckets(s3_client: Any, bucket: str, other_bucket: str,
                             source: str) -> None:
    result = s3_client.copy_object(Bucket=other_bucket, Key="copied",
                                   CopySource={"Bucket": bucket, "Key": source})
    assert result["CopyObjectResult"]["ETag"] == MD5
    got = s3_client.get_object(Bucket=other_bucket, Key="copied")
    assert got["Body"].read() == BODY
    assert got["Metadata"] == {"color": "blue"}
    # The source is untouched.
    assert s3_client.get_object(Bucket=bucket, Key=source)["Body"].read() == BODY


def test_copy_to_itself(s3_client: Any, bucket: str, source: str) -> None:
    for extra in ({}, {"MetadataDirective": "COPY"}):
        with pytest.raises(ClientError) as info:
            s3_client.copy_object(Bucket=bucket, Key=source,
                                  CopySource={"Bucket": bucket, "Key": source}, **extra)
        assert error_of(info) == ("InvalidRequest", 400)
        assert info.value.response["Error"]["Message"] == (
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect "
            "location or encryption attributes.")
    s3_client.copy_object(Bucket=bucket, Key=source, CopySource={"Bucket": bucket, "Key": source},
                          MetadataDirective="REPLACE", Metadata={"color": "green"},
                          ContentType="text/csv")
    got = s3_client.get_object(Bucket=bucket, Key=source)
    assert got["Body"].read() == BODY
    assert got["Metadata"] == {"color": "green"}
    assert got["ContentType"] == "text/csv"


@pytest.mark.parametrize("key", ["a b+c/日本?x", "x/../y", "/lead//double", "100%", "a&b=c#d",
                                 "sp ace+plus"])
def test_awkward_keys(s3_client: Any, bucket: str, key: str) -> None:
    s3_client.put_object(Bucket=bucket, Key=key, Body=BODY)
    s3_client.copy_object(Bucket=bucket, Key=key + ".copy",
                          CopySource={"Bucket": bucket, "Key": key})
    assert s3_client.get_object(Bucket=bucket, Key=key + ".copy")["Body"].read() == BODY


def test_literal_plus_in_copy_source_header(gateway_env: Any, s3_client: Any,
                                            bucket: str) -> None:
    """A raw '+' in x-amz-copy-source is a plus, as in a URL path, not a space."""
    s3_client.put_object(Bucket=bucket, Key="a+b", Body=BODY)
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst",
                        headers={"x-amz-copy-source": f"{bucket}/a+b"})
    assert resp.status_code == 200, resp.text
    assert "<CopyObjectResult" in resp.text and hashlib.md5(BODY).hexdigest() in resp.text
    assert s3_client.get_object(Bucket=bucket, Key="dst")["Body"].read() == BODY


def test_missing_source_and_buckets(s3_client: Any, bucket: str, source: str) -> None:
    cases = [
        ({"Bucket": bucket, "Key": "nope"}, bucket, ("NoSuchKey", 404)),
        ({"Bucket": f"missing-{uuid.uuid4().hex[:12]}", "Key": "k"}, bucket,
         ("NoSuchBucket", 404)),
        ({"Bucket": bucket, "Key": source}, f"missing-{uuid.uuid4().hex[:12]}",
         ("NoSuchBucket", 404)),
    ]
    for copy_source, destination, expected in cases:
        with pytest.raises(ClientError) as info:
            s3_client.copy_object(Bucket=destination, Key="dst", CopySource=copy_source)
        assert error_of(info) == expected, copy_source


def test_source_in_another_account_is_not_visible(s3_client: Any, gateway_env: Any,
                                                  bucket: str, make_credential: Any) -> None:
    """Another tenant's private bucket is there (one namespace) and not readable."""
    access_key, secret_key, _ = make_credential()
    other = boto3.client("s3", endpoint_url=gateway_env.endpoint, aws_access_key_id=access_key,
                         aws_secret_access_key=secret_key, region_name=gateway_env.region)
    name = f"it-{uuid.uuid4().hex[:20]}"
    other.create_bucket(Bucket=name)
    other.put_object(Bucket=name, Key="secret", Body=BODY)
    try:
        with pytest.raises(ClientError) as info:
            s3_client.copy_object(Bucket=bucket, Key="stolen",
                                  CopySource={"Bucket": name, "Key": "secret"})
        assert error_of(info) == ("AccessDenied", 403)
    finally:
        other.delete_object(Bucket=name, Key="secret")
        other.delete_bucket(Bucket=name)


def test_versions_and_bad_sources(s3_client: Any, gateway_env: Any, bucket: str,
                                  source: str) -> None:
    s3_client.copy_object(Bucket=bucket, Key="dst",
                          CopySource={"Bucket": bucket, "Key": source, "VersionId": "null"})
    with pytest.raises(ClientError) as info:
        s3_client.copy_object(Bucket=bucket, Key="dst",
                              CopySource={"Bucket": bucket, "Key": source, "VersionId": "v1"})
    assert error_of(info) == ("InvalidArgument", 400)
    for bad in (bucket, f"{bucket}/", "/"):
        resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst",
                            headers={"x-amz-copy-source": bad})
        assert resp.status_code == 400 and "<Code>InvalidArgument</Code>" in resp.text, bad
        assert "sourcebucket/sourcekey" in resp.text
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst", headers={
        "x-amz-copy-source": f"{bucket}/{source}", "x-amz-metadata-directive": "MOVE"})
    assert resp.status_code == 400 and "Unknown metadata directive." in resp.text


def test_copy_source_conditions(s3_client: Any, bucket: str, source: str) -> None:
    def copy(**conditions: Any) -> None:
        s3_client.copy_object(Bucket=bucket, Key="dst",
                              CopySource={"Bucket": bucket, "Key": source}, **conditions)

    proceed = [
        {"CopySourceIfMatch": MD5},
        {"CopySourceIfNoneMatch": '"other"'},
        {"CopySourceIfModifiedSince": PAST},
        {"CopySourceIfUnmodifiedSince": FUTURE},
        # if-match true + if-unmodified-since false → the copy proceeds (S3's rule).
        {"CopySourceIfMatch": MD5, "CopySourceIfUnmodifiedSince": PAST},
    ]
    fail = [
        {"CopySourceIfMatch": '"other"'},
        {"CopySourceIfNoneMatch": MD5},
        {"CopySourceIfModifiedSince": FUTURE},
        {"CopySourceIfUnmodifiedSince": PAST},
        # if-none-match false + if-modified-since true → 412 (S3's rule).
        {"CopySourceIfNoneMatch": MD5, "CopySourceIfModifiedSince": PAST},
    ]
    for conditions in proceed:
        copy(**conditions)
    for conditions in fail:
        with pytest.raises(ClientError) as info:
            copy(**conditions)
        assert error_of(info) == ("PreconditionFailed", 412), conditions


def _put_slo(s3_client: Any, swift_conn: Any, bucket: str, key: str, parts: list[bytes],
             s3_etag: str = "feedface-2", checksum_type: str = "COMPOSITE") -> None:
    """A multipart object laid out as gateway.swift.multipart_layout describes, built in Swift.

    It starts (and aborts) an upload through the gateway first, as every real
    multipart object starts: that is how a gateway learns a bucket holds them.
    """
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key=key)
    s3_client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
    segments = multipart_layout.segments_container(bucket)
    swift_conn.put_container(segments)
    manifest = []
    for number, data in enumerate(parts, 1):
        name = multipart_layout.part_name(key, "up1", number)
        swift_conn.put_object(segments, name, data)
        manifest.append({"path": f"/{segments}/{name}"})
    swift_conn.put_object(
        bucket, key, json.dumps(manifest), query_string="multipart-manifest=put",
        headers={"Content-Type": multipart_layout.content_type_with_etag("text/plain", s3_etag),
                 UPLOAD_ID_META: "up1", CHECKSUM_META: "AAAAAA==-2",
                 CHECKSUM_TYPE_META: checksum_type, "X-Object-Meta-Color": "red"})


def test_copy_of_multipart_object(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    parts = [b"a" * 100, b"b" * 50]
    _put_slo(s3_client, swift_conn, bucket, "mp", parts)
    data = b"".join(parts)
    result = s3_client.copy_object(Bucket=bucket, Key="plain",
                                   CopySource={"Bucket": bucket, "Key": "mp"})
    # The data was copied into a plain object: its ETag is what Swift computed.
    etag = f'"{hashlib.md5(data).hexdigest()}"'
    assert result["CopyObjectResult"]["ETag"] == etag
    got = s3_client.get_object(Bucket=bucket, Key="plain")
    assert got["Body"].read() == data
    assert got["ETag"] == etag
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "red"}
    headers = swift_conn.head_object(bucket, "plain")
    assert "x-static-large-object" not in headers
    assert UPLOAD_ID_META not in headers and CHECKSUM_META not in headers
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="plain")["Contents"][0]
    assert listed["ETag"] == etag and listed["Size"] == len(data)
    # Conditional reads of the copy compare its own ETag.
    assert s3_client.head_object(Bucket=bucket, Key="plain", IfMatch=etag)["ETag"] == etag


def test_full_object_checksum_survives_a_multipart_data_copy(s3_client: Any, bucket: str,
                                                             swift_conn: Any) -> None:
    _put_slo(s3_client, swift_conn, bucket, "mp", [b"a" * 100, b"b" * 50], checksum_type="FULL_OBJECT")
    s3_client.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": "mp"})
    headers = swift_conn.head_object(bucket, "plain")
    assert headers[CHECKSUM_META] == "AAAAAA==-2"
    assert headers[CHECKSUM_TYPE_META] == "FULL_OBJECT"


def test_checksum_is_copied_and_reported(s3_client: Any, bucket: str) -> None:
    put = s3_client.put_object(Bucket=bucket, Key="src", Body=BODY, ChecksumAlgorithm="CRC32")
    result = s3_client.copy_object(Bucket=bucket, Key="dst",
                                   CopySource={"Bucket": bucket, "Key": "src"})
    assert result["CopyObjectResult"]["ChecksumCRC32"] == put["ChecksumCRC32"]
    head = s3_client.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == put["ChecksumCRC32"]


def test_copy_over_a_multipart_object_removes_its_segments(s3_client: Any, bucket: str,
                                                           source: str, swift_conn: Any) -> None:
    _put_slo(s3_client, swift_conn, bucket, "mp", [b"a" * 100, b"b" * 50])
    s3_client.copy_object(Bucket=bucket, Key="mp", CopySource={"Bucket": bucket, "Key": source})
    assert s3_client.get_object(Bucket=bucket, Key="mp")["Body"].read() == BODY
    assert eventually(lambda: segments(swift_conn, bucket), [].__eq__) == []


def test_multipart_object_copied_onto_itself_stays_multipart(s3_client: Any, bucket: str,
                                                             swift_conn: Any) -> None:
    _put_slo(s3_client, swift_conn, bucket, "mp", [b"a" * 100, b"b" * 50])
    result = s3_client.copy_object(Bucket=bucket, Key="mp", MetadataDirective="REPLACE",
                                   CopySource={"Bucket": bucket, "Key": "mp"},
                                   Metadata={"color": "green"}, ContentType="text/csv")
    assert result["CopyObjectResult"]["ETag"] == '"feedface-2"'
    headers = swift_conn.head_object(bucket, "mp")
    assert headers["x-static-large-object"] == "True"
    assert headers["content-type"] == "text/csv;s3gw_etag=feedface-2"
    assert headers["x-object-meta-color"] == "green"
    assert headers[UPLOAD_ID_META] == "up1" and headers[CHECKSUM_META] == "AAAAAA==-2"
    _, body = swift_conn.get_object(bucket, "mp")
    assert body == b"a" * 100 + b"b" * 50
    # The segments are still there, referenced once.
    assert len(segments(swift_conn, bucket)) == 2


@pytest.fixture
def huge_source(bucket: str, swift_conn: Any) -> str:
    """A 5.6 GiB multipart object from 8 MiB of real data: nested manifests repeat it."""
    segments = multipart_layout.segments_container(bucket)
    swift_conn.put_container(segments)
    swift_conn.put_object(segments, "chunk", b"z" * (8 * 1024 * 1024))
    inner = [{"path": f"/{segments}/chunk"}] * 100
    swift_conn.put_object(segments, "inner", json.dumps(inner),
                          query_string="multipart-manifest=put")
    outer = [{"path": f"/{segments}/inner"}] * 7
    swift_conn.put_object(bucket, "huge", json.dumps(outer), query_string="multipart-manifest=put")
    yield "huge"
    swift_conn.delete_object(bucket, "huge")
    swift_conn.delete_object(segments, "inner")
    swift_conn.delete_object(segments, "chunk")


def test_copy_source_larger_than_5_gib(s3_client: Any, bucket: str, huge_source: str) -> None:
    assert s3_client.head_object(Bucket=bucket, Key=huge_source)["ContentLength"] > 5 * 1024 ** 3
    with pytest.raises(ClientError) as info:
        s3_client.copy_object(Bucket=bucket, Key="dst",
                              CopySource={"Bucket": bucket, "Key": huge_source})
    assert error_of(info) == ("InvalidRequest", 400)
    assert info.value.response["Error"]["Message"] == (
        "The specified copy source is larger than the maximum allowable size for a copy "
        "source: 5368709120")


def test_copy_source_range_is_ignored_by_copy_object(gateway_env: Any, s3_client: Any,
                                                       bucket: str, source: str) -> None:
    """The range header belongs to UploadPartCopy; CopyObject copies the whole source."""
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst", headers={
        "x-amz-copy-source": f"{bucket}/{source}", "x-amz-copy-source-range": "bytes=0-1"})
    assert resp.status_code == 200, resp.text
    assert s3_client.get_object(Bucket=bucket, Key="dst")["Body"].read() == BODY


@pytest.fixture
def upload(s3_client: Any, bucket: str) -> Iterator[tuple[str, str]]:
    """An upload in progress: (key, upload id). Not aborted afterwards (an Abort waits
    a settle period): deleting ``bucket`` removes its uploads in progress."""
    key = "big/object"
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    yield key, upload_id


def _part(swift_conn: Any, bucket: str, key: str, upload_id: str, number: int) -> bytes:
    _, body = swift_conn.get_object(multipart_layout.segments_container(bucket),
                                    multipart_layout.part_name(key, upload_id, number))
    return body


def test_upload_part_copy_ranges(s3_client: Any, bucket: str, source: str,
                                 upload: tuple[str, str], swift_conn: Any) -> None:
    key, upload_id = upload
    whole = s3_client.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                                       CopySource={"Bucket": bucket, "Key": source})
    assert whole["CopyPartResult"]["ETag"] == MD5
    assert isinstance(whole["CopyPartResult"]["LastModified"], datetime.datetime)
    assert _part(swift_conn, bucket, key, upload_id, 1) == BODY
    for number, (first, last) in enumerate([(0, 0), (3, 9), (10, len(BODY) - 1)], 2):
        result = s3_client.upload_part_copy(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
            CopySource={"Bucket": bucket, "Key": source},
            CopySourceRange=f"bytes={first}-{last}")
        piece = BODY[first:last + 1]
        assert result["CopyPartResult"]["ETag"] == f'"{hashlib.md5(piece).hexdigest()}"'
        assert _part(swift_conn, bucket, key, upload_id, number) == piece
    # The part carries none of the source's metadata.
    headers = swift_conn.head_object(multipart_layout.segments_container(bucket),
                                     multipart_layout.part_name(key, upload_id, 2))
    assert not any(name.startswith("x-object-meta-") for name in headers)
    assert "content-disposition" not in headers


def test_upload_part_copy_from_multipart_source(s3_client: Any, bucket: str,
                                                upload: tuple[str, str],
                                                swift_conn: Any) -> None:
    _put_slo(s3_client, swift_conn, bucket, "mp", [b"a" * 100, b"b" * 50])
    key, upload_id = upload
    s3_client.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=7,
                               CopySource={"Bucket": bucket, "Key": "mp"},
                               CopySourceRange="bytes=95-104",
                               CopySourceIfMatch='"feedface-2"')
    assert _part(swift_conn, bucket, key, upload_id, 7) == b"a" * 5 + b"b" * 5


def test_upload_part_copy_errors(s3_client: Any, bucket: str, source: str,
                                 upload: tuple[str, str]) -> None:
    key, upload_id = upload
    base = {"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": 1,
            "CopySource": {"Bucket": bucket, "Key": source}}
    cases: list[tuple[dict[str, Any], tuple[str, int], str | None]] = [
        ({"UploadId": "not-an-upload"}, ("NoSuchUpload", 404), None),
        ({"UploadId": f"{upload_id}/00001"}, ("NoSuchUpload", 404), None),
        ({"Key": "other"}, ("NoSuchUpload", 404), None),
        ({"PartNumber": 0}, ("InvalidArgument", 400),
         "Part number must be an integer between 1 and 10000, inclusive"),
        ({"PartNumber": 10001}, ("InvalidArgument", 400), None),
        ({"CopySourceRange": "bytes=5-"}, ("InvalidArgument", 400),
         "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
         "and last are the zero-based offsets of the first and last bytes to copy"),
        ({"CopySourceRange": "bytes=9-3"}, ("InvalidArgument", 400), None),
        ({"CopySourceRange": f"bytes=0-{len(BODY)}"}, ("InvalidArgument", 400),
         f"Range specified is not valid for source object of size: {len(BODY)}"),
        ({"CopySource": {"Bucket": bucket, "Key": "absent"}}, ("NoSuchKey", 404), None),
        ({"CopySourceIfMatch": '"other"'}, ("PreconditionFailed", 412), None),
        ({"CopySourceIfNoneMatch": MD5}, ("PreconditionFailed", 412), None),
        ({"Bucket": f"missing-{uuid.uuid4().hex[:12]}"}, ("NoSuchBucket", 404), None),
    ]
    for change, expected, message in cases:
        with pytest.raises(ClientError) as info:
            s3_client.upload_part_copy(**{**base, **change})
        assert error_of(info) == expected, change
        if message is not None:
            assert info.value.response["Error"]["Message"] == message


def test_upload_part_copy_size_limit(s3_client: Any, bucket: str, huge_source: str,
                                     upload: tuple[str, str], swift_conn: Any) -> None:
    key, upload_id = upload
    base = {"Bucket": bucket, "Key": key, "UploadId": upload_id,
            "CopySource": {"Bucket": bucket, "Key": huge_source}}
    with pytest.raises(ClientError) as info:
        s3_client.upload_part_copy(PartNumber=1, **base)
    assert error_of(info) == ("InvalidRequest", 400)
    # A range of a huge source is fine: here the last bytes of the 5.6 GiB object.
    end = 7 * 100 * 8 * 1024 * 1024 - 1
    s3_client.upload_part_copy(PartNumber=2, CopySourceRange=f"bytes={end - 9}-{end}", **base)
    assert _part(swift_conn, bucket, key, upload_id, 2) == b"z" * 10


def test_multipart_upload_made_of_copies(s3_client: Any, bucket: str, other_bucket: str,
                                         upload: tuple[str, str]) -> None:
    """Create → UploadPartCopy ×2 (a range, then a whole object) → Complete → GET."""
    key, upload_id = upload
    big = bytes(range(256)) * (6 * 1024 * 1024 // 256)
    s3_client.put_object(Bucket=other_bucket, Key="big", Body=big)
    s3_client.put_object(Bucket=bucket, Key="tail", Body=BODY)
    first = s3_client.upload_part_copy(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
        CopySource={"Bucket": other_bucket, "Key": "big"},
        CopySourceRange=f"bytes=1-{5 * 1024 * 1024}")
    second = s3_client.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2,
                                        CopySource={"Bucket": bucket, "Key": "tail"})
    listed = s3_client.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [
        (1, first["CopyPartResult"]["ETag"], 5 * 1024 * 1024),
        (2, second["CopyPartResult"]["ETag"], len(BODY))]
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]})
    assert done["ETag"].endswith('-2"')
    expected = big[1:5 * 1024 * 1024 + 1] + BODY
    got = s3_client.get_object(Bucket=bucket, Key=key)
    assert got["ETag"] == done["ETag"]
    assert hashlib.md5(got["Body"].read()).digest() == hashlib.md5(expected).digest()
    # And the completed multipart object can itself be copied (its data, to a plain object).
    result = s3_client.copy_object(Bucket=other_bucket, Key="whole",
                                   CopySource={"Bucket": bucket, "Key": key})
    assert result["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(expected).hexdigest()}"'
