"""PutObject, GetObject, HeadObject and DeleteObject through boto3 on the real Swift."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.s3_support import error_of

BODY = b"0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def stored(s3_client: Any, bucket: str) -> tuple[str, str]:
    s3_client.put_object(Bucket=bucket, Key="obj", Body=BODY)
    return bucket, "obj"


def test_put_get_head_round_trip(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    put = s3_client.put_object(
        Bucket=bucket, Key="doc.txt", Body=BODY, Metadata={"Color": "blue", "x-y": "z"},
        CacheControl="max-age=60", ContentDisposition='attachment; filename="a.txt"',
        ContentLanguage="fr", Expires=datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc))
    etag = f'"{hashlib.md5(BODY).hexdigest()}"'
    assert put["ETag"] == etag
    got = s3_client.get_object(Bucket=bucket, Key="doc.txt")
    assert got["Body"].read() == BODY
    assert got["ETag"] == etag
    assert got["ContentLength"] == len(BODY)
    # S3's default, not Swift's guess from the ".txt" extension.
    assert got["ContentType"] == "binary/octet-stream"
    assert got["Metadata"] == {"color": "blue", "x-y": "z"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="a.txt"'
    assert got["ContentLanguage"] == "fr"
    assert got["ExpiresString"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert got["AcceptRanges"] == "bytes"
    headers = got["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amz-request-id"] and headers["x-amz-id-2"]
    assert "x-timestamp" not in headers and "x-trans-id" not in headers

    head = s3_client.head_object(Bucket=bucket, Key="doc.txt")
    assert head["ContentLength"] == len(BODY)
    assert head["ETag"] == etag
    assert head["Metadata"] == {"color": "blue", "x-y": "z"}
    assert head["LastModified"] == got["LastModified"]
    # The same bytes are in Swift under the same name.
    _, swift_body = swift_conn.get_object(bucket, "doc.txt")
    assert swift_body == BODY


def test_explicit_content_type_and_empty_object(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="page.bin", Body=b"<p/>", ContentType="text/html")
    assert s3_client.head_object(Bucket=bucket, Key="page.bin")["ContentType"] == "text/html"
    s3_client.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3_client.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ETag"] == f'"{hashlib.md5(b"").hexdigest()}"'


def test_overwrite_replaces_data_and_metadata(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"one", Metadata={"a": "1"})
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"two!")
    got = s3_client.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"two!"
    assert got["Metadata"] == {}


@pytest.mark.parametrize("byte_range, expected, content_range", [
    ("bytes=0-9", BODY[0:10], f"bytes 0-9/{len(BODY)}"),
    ("bytes=30-", BODY[30:], f"bytes 30-35/{len(BODY)}"),
    ("bytes=-4", BODY[-4:], f"bytes 32-35/{len(BODY)}"),
    ("bytes=10-1000", BODY[10:], f"bytes 10-35/{len(BODY)}"),
])
def test_single_range(s3_client: Any, stored: tuple[str, str], byte_range: str,
                      expected: bytes, content_range: str) -> None:
    bucket, key = stored
    got = s3_client.get_object(Bucket=bucket, Key=key, Range=byte_range)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == expected
    assert got["ContentRange"] == content_range
    assert got["ContentLength"] == len(expected)


def test_unsatisfiable_range(s3_client: Any, stored: tuple[str, str]) -> None:
    bucket, key = stored
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key=key, Range="bytes=100-200")
    assert error_of(exc) == ("InvalidRange", 416)
    assert exc.value.response["Error"]["ActualObjectSize"] == str(len(BODY))


def test_multiple_ranges_return_whole_object(s3_client: Any, stored: tuple[str, str]) -> None:
    bucket, key = stored
    got = s3_client.get_object(Bucket=bucket, Key=key, Range="bytes=0-1,5-6")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == BODY


def test_conditional_get(s3_client: Any, stored: tuple[str, str]) -> None:
    bucket, key = stored
    head = s3_client.head_object(Bucket=bucket, Key=key)
    etag, modified = head["ETag"], head["LastModified"]
    past = modified - datetime.timedelta(days=1)
    future = modified + datetime.timedelta(days=1)

    assert s3_client.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read() == BODY
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key=key, IfMatch='"0000"')
    assert error_of(exc) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key=key, IfNoneMatch=etag)
    assert error_of(exc)[1] == 304
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key=key, IfModifiedSince=future)
    assert error_of(exc)[1] == 304
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key=key, IfUnmodifiedSince=past)
    assert error_of(exc) == ("PreconditionFailed", 412)
    assert s3_client.get_object(Bucket=bucket, Key=key, IfModifiedSince=past)["Body"].read() == BODY

    # S3's ordering: If-Match true wins over If-Unmodified-Since false...
    got = s3_client.get_object(Bucket=bucket, Key=key, IfMatch=etag, IfUnmodifiedSince=past)
    assert got["Body"].read() == BODY
    # ...and If-None-Match false with If-Modified-Since true is still 304.
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key=key, IfNoneMatch=etag, IfModifiedSince=past)
    assert error_of(exc)[1] == 304


def test_conditional_head(s3_client: Any, stored: tuple[str, str]) -> None:
    bucket, key = stored
    etag = s3_client.head_object(Bucket=bucket, Key=key)["ETag"]
    with pytest.raises(ClientError) as exc:
        s3_client.head_object(Bucket=bucket, Key=key, IfMatch='"0000"')
    assert error_of(exc)[1] == 412
    with pytest.raises(ClientError) as exc:
        s3_client.head_object(Bucket=bucket, Key=key, IfNoneMatch=etag)
    assert error_of(exc)[1] == 304


def test_response_header_overrides(s3_client: Any, stored: tuple[str, str]) -> None:
    bucket, key = stored
    got = s3_client.get_object(
        Bucket=bucket, Key=key, ResponseContentType="text/plain",
        ResponseContentDisposition="attachment; filename=x", ResponseContentLanguage="de",
        ResponseCacheControl="no-cache", ResponseContentEncoding="identity",
        ResponseExpires=datetime.datetime(2031, 5, 1, tzinfo=datetime.timezone.utc))
    assert got["ContentType"] == "text/plain"
    assert got["ContentDisposition"] == "attachment; filename=x"
    assert got["ContentLanguage"] == "de"
    assert got["CacheControl"] == "no-cache"
    assert got["ContentEncoding"] == "identity"
    assert got["ExpiresString"] == "Thu, 01 May 2031 00:00:00 GMT"


def test_missing_key_and_bucket(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key="absent")
    assert error_of(exc) == ("NoSuchKey", 404)
    assert exc.value.response["Error"]["Key"] == "absent"
    with pytest.raises(ClientError) as exc:
        s3_client.head_object(Bucket=bucket, Key="absent")
    assert error_of(exc)[1] == 404
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket="no-such-bucket-here", Key="k")
    assert error_of(exc) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket="no-such-bucket-here", Key="k", Body=b"x")
    assert error_of(exc) == ("NoSuchBucket", 404)


def test_delete(s3_client: Any, stored: tuple[str, str], swift_conn: Any) -> None:
    bucket, key = stored
    assert s3_client.delete_object(Bucket=bucket, Key=key)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        s3_client.head_object(Bucket=bucket, Key=key)
    assert error_of(exc)[1] == 404
    assert swift_conn.get_container(bucket)[1] == []
    # Deleting an absent key succeeds, as on S3; an absent bucket does not.
    assert s3_client.delete_object(Bucket=bucket, Key=key)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        s3_client.delete_object(Bucket="no-such-bucket-here", Key=key)
    assert error_of(exc) == ("NoSuchBucket", 404)


def test_key_too_long(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_of(exc) == ("KeyTooLongError", 400)


def test_metadata_too_large(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="ok", Body=b"x", Metadata={"a": "v" * 2000})
    assert len(s3_client.head_object(Bucket=bucket, Key="ok")["Metadata"]["a"]) == 2000
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="big", Body=b"x", Metadata={"a": "v" * 2100})
    assert error_of(exc) == ("MetadataTooLarge", 400)


def test_entity_too_large_is_refused_before_the_body(gateway_env: Any, bucket: str) -> None:
    size = 5 * 1024**3 + 1
    path = f"/{bucket}/huge"
    headers = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                              gateway_env.secret_key, gateway_env.region,
                              payload_hash=rawhttp.UNSIGNED)
    headers.update({"Content-Length": str(size), "Host": f"127.0.0.1:{gateway_env.port}"})
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, headers))
        head = rawhttp.read_response_head(sock)
    assert head.startswith(b"HTTP/1.1 400")
    assert b"<Code>EntityTooLarge</Code>" in head or b"EntityTooLarge" in head


def test_missing_content_length(gateway_env: Any, bucket: str) -> None:
    path = f"/{bucket}/nolength"
    headers = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                              gateway_env.secret_key, gateway_env.region,
                              payload_hash=rawhttp.UNSIGNED)
    headers.pop("Content-Length", None)
    headers["Host"] = f"127.0.0.1:{gateway_env.port}"
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, headers))
        head = rawhttp.read_response_head(sock)
    assert head.startswith(b"HTTP/1.1 411")


def test_virtual_host_objects(s3_client_vhost: Any, bucket: str) -> None:
    s3_client_vhost.put_object(Bucket=bucket, Key="dir/v.txt", Body=BODY)
    assert s3_client_vhost.get_object(Bucket=bucket, Key="dir/v.txt")["Body"].read() == BODY
    assert s3_client_vhost.head_object(Bucket=bucket, Key="dir/v.txt")["ContentLength"] == len(BODY)
    s3_client_vhost.delete_object(Bucket=bucket, Key="dir/v.txt")
    with pytest.raises(ClientError):
        s3_client_vhost.head_object(Bucket=bucket, Key="dir/v.txt")


def test_longest_key_with_full_metadata_and_checksum(s3_client: Any, bucket: str) -> None:
    """A 1024-byte key, 2 KiB of user metadata and a checksum fit in ext4's xattrs."""
    key = "k" * 1024
    metadata = {"m": "v" * 2040}
    s3_client.put_object(Bucket=bucket, Key=key, Body=b"x", Metadata=metadata,
                         ChecksumAlgorithm="SHA256", ContentType="text/plain",
                         CacheControl="max-age=3600")
    head = s3_client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["Metadata"] == metadata
    assert head["ChecksumSHA256"]


def test_metadata_beyond_the_disk_does_not_take_swift_down(s3_client: Any, bucket: str) -> None:
    """An object whose headers outgrow the disk's xattr space is refused, and only it."""
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x",
                             Metadata={"m": "v" * 2040}, CacheControl="c" * 600,
                             ContentDisposition="d" * 600)
    assert error_of(exc)[1] == 503
    s3_client.put_object(Bucket=bucket, Key="next", Body=b"still served")
    assert s3_client.get_object(Bucket=bucket, Key="next")["Body"].read() == b"still served"


def test_reserved_state_cannot_be_forged(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="forged", Body=b"x",
                             Metadata={"s3gw-checksum-crc32": "AAAAAA=="})
    assert error_of(exc) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="forged", Body=b"x",
                             ContentType="text/plain;s3gw_etag=00000000000000000000000000000000-2")
    assert error_of(exc) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as exc:
        s3_client.create_multipart_upload(Bucket=bucket, Key="forged",
                                          Metadata={"s3gw-upload-id": "x"})
    assert error_of(exc) == ("InvalidArgument", 400)


def test_conditional_writes(s3_client: Any, bucket: str) -> None:
    first = s3_client.put_object(Bucket=bucket, Key="cw", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="cw", Body=b"second", IfNoneMatch="*")
    assert error_of(exc) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="cw", Body=b"second", IfMatch='"0000"')
    assert error_of(exc) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="absent", Body=b"x", IfMatch=first["ETag"])
    assert error_of(exc) == ("NoSuchKey", 404)
    assert s3_client.get_object(Bucket=bucket, Key="cw")["Body"].read() == b"first"
    s3_client.put_object(Bucket=bucket, Key="cw", Body=b"second", IfMatch=first["ETag"])
    assert s3_client.get_object(Bucket=bucket, Key="cw")["Body"].read() == b"second"


def test_if_match_on_a_multipart_object_uses_its_s3_etag(s3_client: Any, bucket: str) -> None:
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key="mp")
    part = s3_client.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                 PartNumber=1, Body=b"only part")
    done = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["ETag"].endswith('-1"')
    s3_client.put_object(Bucket=bucket, Key="mp", Body=b"replaced", IfMatch=done["ETag"])
    assert s3_client.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"replaced"


def test_version_ids_of_an_unversioned_bucket(s3_client: Any, stored: tuple[str, str]) -> None:
    bucket, key = stored
    assert s3_client.get_object(Bucket=bucket, Key=key, VersionId="null")["Body"].read() == BODY
    for call in (lambda: s3_client.get_object(Bucket=bucket, Key=key, VersionId="v1"),
                 lambda: s3_client.delete_object(Bucket=bucket, Key=key, VersionId="v1")):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("InvalidArgument", 400)
    assert s3_client.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(BODY)
