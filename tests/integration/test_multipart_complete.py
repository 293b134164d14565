"""CompleteMultipartUpload end to end: the keep-alive response and ``x-amz-mp-object-size``.

A second gateway (``eager_gateway``, shared with other modules) runs with
``S3SWIFT_SERVER_COMPLETE_KEEPALIVE_SECONDS=0``: every Complete that reaches the manifest write then answers 200 at once and
streams its result (or its error) after whitespace, as S3 does for a long one.
No timing is involved: with a grace period of zero the keep-alive path is taken
by construction, and its body's shape (declaration, whitespace, newline,
document) tells it apart from a plain response.
"""

from __future__ import annotations

import os
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import swiftclient.client
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.conftest import DevProcess, s3_client_of, swift_conn_of
from tests.integration.s3_support import mp_etag, split

MIB = 1024 * 1024
PART = 5 * MIB
DATA = os.urandom(PART + 12_345)  # a full part and a small last one
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
# The keep-alive body: the declaration, then spaces (any number, none for a quick
# result), then a newline and the document. A plain response has no blank line.
KEEPALIVE_BODY = re.compile(rb'<\?xml version="1\.0" encoding="UTF-8"\?>\n *\n<(\w+)[ >]')


@pytest.fixture(scope="module")
def dev(eager_gateway: DevProcess) -> DevProcess:
    """A gateway whose Complete starts its response at once (keep-alive 0): the
    session's ``eager_gateway`` (conftest)."""
    return eager_gateway


@pytest.fixture(scope="module")
def s3(dev: DevProcess) -> Any:
    """boto3 without retries: a retried Complete could hide what the first one answered."""
    return s3_client_of(dev.env, Config(retries={"max_attempts": 1, "mode": "standard"}))


@pytest.fixture(scope="module")
def swift(dev: DevProcess) -> swiftclient.client.Connection:
    return swift_conn_of(dev.env)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"it-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    return name


def start_upload(s3: Any, bucket: str, key: str, data: bytes) -> tuple[str, list[dict]]:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, chunk in enumerate(split(data, PART), 1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                              Body=chunk)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    return upload_id, parts


def complete_body(parts: list[dict]) -> bytes:
    items = "".join(f"<Part><PartNumber>{p['PartNumber']}</PartNumber>"
                    f"<ETag>{p['ETag']}</ETag></Part>" for p in parts)
    return f"<CompleteMultipartUpload>{items}</CompleteMultipartUpload>".encode()


def raw_complete(dev: DevProcess, bucket: str, key: str, upload_id: str, parts: list[dict],
                 **headers: str) -> Any:
    """The Complete as raw bytes (signed by botocore), to see the body boto3 would parse."""
    return rawhttp.send(dev.env, "POST", f"/{bucket}/{key}?uploadId={upload_id}",
                        body=complete_body(parts), headers=headers)


def keepalive_document(resp: Any, root: str) -> ET.Element:
    """The document of a keep-alive response, after checking the bytes around it."""
    assert resp.status_code == 200, resp.content
    assert resp.headers.get("Transfer-Encoding") == "chunked"  # streamed, no length
    body = resp.content
    match = KEEPALIVE_BODY.match(body)
    assert match is not None and match.group(1) == root.encode(), body[:200]
    assert body.count(b"<?xml") == 1
    return ET.fromstring(body)  # the whole body, whitespace included, is one XML document


def parts_in_swift(swift: swiftclient.client.Connection, bucket: str, key: str,
                   upload_id: str) -> list[tuple[str, int]]:
    _, listing = swift.get_container(f"{bucket}+segments", prefix=f"{key}/{upload_id}/",
                                     full_listing=True)
    return [(entry["name"].rsplit("/", 1)[1], entry["bytes"]) for entry in listing]


def swift_has(swift: swiftclient.client.Connection, bucket: str, key: str) -> bool:
    try:
        swift.head_object(bucket, key)
    except swiftclient.client.ClientException as exc:
        assert exc.http_status == 404
        return False
    return True


def test_long_complete_streams_whitespace_then_the_result(
        dev: DevProcess, s3: Any, swift: swiftclient.client.Connection, bucket: str) -> None:
    upload_id, parts = start_upload(s3, bucket, "raw/big.bin", DATA)
    resp = raw_complete(dev, bucket, "raw/big.bin", upload_id, parts)
    root = keepalive_document(resp, "CompleteMultipartUploadResult")
    assert root.tag == f"{NS}CompleteMultipartUploadResult"
    assert root.findtext(f"{NS}Bucket") == bucket
    assert root.findtext(f"{NS}Key") == "raw/big.bin"
    assert root.findtext(f"{NS}ETag") == mp_etag(split(DATA, PART))
    got = s3.get_object(Bucket=bucket, Key="raw/big.bin")
    assert got["ETag"] == mp_etag(split(DATA, PART)) and got["Body"].read() == DATA
    headers = swift.head_object(bucket, "raw/big.bin")
    assert headers["x-static-large-object"] == "True"
    assert int(headers["content-length"]) == len(DATA)


def test_boto3_completes_through_the_keepalive(dev: DevProcess, s3: Any,
                                               bucket: str) -> None:
    upload_id, parts = start_upload(s3, bucket, "sdk.bin", DATA)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="sdk.bin", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert done["ETag"] == mp_etag(split(DATA, PART)) and done["Key"] == "sdk.bin"
    got = s3.get_object(Bucket=bucket, Key="sdk.bin")
    assert got["ETag"] == done["ETag"] and got["ContentLength"] == len(DATA)
    assert got["Body"].read() == DATA


def test_error_after_the_response_started_loses_nothing(
        dev: DevProcess, s3: Any, swift: swiftclient.client.Connection, bucket: str) -> None:
    """If-None-Match fails in Swift's manifest PUT, after the 200 went out."""
    s3.put_object(Bucket=bucket, Key="taken", Body=b"already here")
    upload_id, parts = start_upload(s3, bucket, "taken", DATA)
    stored = parts_in_swift(swift, bucket, "taken", upload_id)
    assert stored == [("00001", PART), ("00002", len(DATA) - PART)]

    resp = raw_complete(dev, bucket, "taken", upload_id, parts, **{"If-None-Match": "*"})
    error = keepalive_document(resp, "Error")
    assert error.findtext("Code") == "PreconditionFailed"
    assert error.findtext("Resource") == f"/{bucket}/taken"

    with pytest.raises(ClientError) as exc:  # botocore reads the 200 as the error it holds
        s3.complete_multipart_upload(Bucket=bucket, Key="taken", UploadId=upload_id,
                                     MultipartUpload={"Parts": parts}, IfNoneMatch="*")
    assert exc.value.response["Error"]["Code"] == "PreconditionFailed"

    # Nothing changed: the old object, the upload and its parts are all still there.
    assert s3.get_object(Bucket=bucket, Key="taken")["Body"].read() == b"already here"
    assert parts_in_swift(swift, bucket, "taken", upload_id) == stored
    listed = s3.list_parts(Bucket=bucket, Key="taken", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in listed] == [
        (p["PartNumber"], p["ETag"]) for p in parts]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="taken", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})
    assert done["ETag"] == mp_etag(split(DATA, PART))
    assert s3.get_object(Bucket=bucket, Key="taken")["Body"].read() == DATA


def test_mp_object_size_mismatch_stores_nothing(
        dev: DevProcess, s3: Any, swift: swiftclient.client.Connection, bucket: str) -> None:
    upload_id, parts = start_upload(s3, bucket, "sized", DATA)
    for wrong in (len(DATA) - 1, len(DATA) + 1, 0):
        with pytest.raises(ClientError) as exc:
            s3.complete_multipart_upload(Bucket=bucket, Key="sized", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts}, MpuObjectSize=wrong)
        error = exc.value.response
        # A real 400: the check runs before the (immediate) keep-alive response starts.
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "InvalidRequest", 400)
        assert error["Error"]["Message"] == (
            f"The provided 'x-amz-mp-object-size' header value {wrong} does not match "
            f"what was computed: {len(DATA)}")
    assert not swift_has(swift, bucket, "sized")
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="sized")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert len(parts_in_swift(swift, bucket, "sized", upload_id)) == 2

    done = s3.complete_multipart_upload(Bucket=bucket, Key="sized", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts},
                                        MpuObjectSize=len(DATA))
    assert done["ETag"] == mp_etag(split(DATA, PART))
    head = s3.head_object(Bucket=bucket, Key="sized")
    assert head["ContentLength"] == len(DATA) and head["ETag"] == done["ETag"]
    assert s3.get_object(Bucket=bucket, Key="sized")["Body"].read() == DATA


@pytest.mark.parametrize("value, message", [
    ("size", "Value for x-amz-mp-object-size header is invalid: 'size'"),
    ("12.5", "Value for x-amz-mp-object-size header is invalid: '12.5'"),
    ("-1", "Value for x-amz-mp-object-size header is less than zero: '-1'"),
])
def test_mp_object_size_not_a_size(dev: DevProcess, s3: Any,
                                   swift: swiftclient.client.Connection, bucket: str,
                                   value: str, message: str) -> None:
    """What boto3 cannot send (it types the header as a long), sent raw."""
    upload_id, parts = start_upload(s3, bucket, "odd", DATA[:1000])
    resp = raw_complete(dev, bucket, "odd", upload_id, parts, **{"x-amz-mp-object-size": value})
    assert resp.status_code == 400, resp.content
    error = ET.fromstring(resp.content)
    assert (error.findtext("Code"), error.findtext("Message")) == ("InvalidRequest", message)
    assert not swift_has(swift, bucket, "odd")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="odd", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts}, MpuObjectSize=1000)
    assert s3.get_object(Bucket=bucket, Key="odd")["Body"].read() == DATA[:1000]
    assert done["ETag"] == mp_etag([DATA[:1000]])
