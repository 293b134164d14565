"""A bucket name is checked after decoding, for every operation, before Swift is asked.

``/B%2Fsub/key`` must not write into bucket ``B`` under a shifted key, and the
containers the gateway keeps for multipart uploads (``B+segments``,
``B+uploads``) are never S3 buckets: not readable, writable, creatable,
deletable, nor usable as a copy source. boto3 refuses such names itself, so
these requests are sent raw (signed by botocore, ``rawhttp``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from lxml import etree

from tests.integration import rawhttp
from tests.integration.s3_support import swift_names


def assert_error(resp: requests.Response, code: str, *, bucket_name: str | None = None,
                 message: str | None = None) -> None:
    assert resp.status_code == 400, resp.text
    if resp.request.method == "HEAD":
        return
    root = etree.fromstring(resp.content)
    assert root.findtext("Code") == code
    assert root.findtext("RequestId") == resp.headers["x-amz-request-id"]
    if bucket_name is not None:
        assert root.findtext("BucketName") == bucket_name
    if message is not None:
        assert root.findtext("Message") == message


@pytest.fixture
def upload(s3_client: Any, bucket: str) -> Iterator[str]:
    """An upload of ``obj`` in progress, with part 1: both hidden containers exist.
    Not aborted afterwards (an Abort waits a settle period): deleting ``bucket``
    removes its uploads in progress."""
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="obj")["UploadId"]
    s3_client.upload_part(Bucket=bucket, Key="obj", UploadId=upload_id, PartNumber=1,
                          Body=b"secret part")
    yield upload_id


@pytest.fixture
def case_upload(s3_client: Any, case_bucket: str) -> str:
    """``upload`` in ``case_bucket``: made by the first case, found by the others (each
    case asserts it is still the bucket's one upload, with part 1 only)."""
    found = s3_client.list_multipart_uploads(Bucket=case_bucket).get("Uploads", [])
    if found:
        return str(found[0]["UploadId"])
    upload_id = s3_client.create_multipart_upload(Bucket=case_bucket, Key="obj")["UploadId"]
    s3_client.upload_part(Bucket=case_bucket, Key="obj", UploadId=upload_id, PartNumber=1,
                          Body=b"secret part")
    return str(upload_id)


# --- encoded slashes -------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["{b}%2Fsub", "{b}%2F", "{b}%2F..%2F{o}", "{b}%2fsub"])
def test_put_with_encoded_slash_in_bucket_stores_nothing(gateway_env: Any, swift_conn: Any,
                                                         bucket: str, other_bucket: str,
                                                         shape: str) -> None:
    raw = shape.format(b=bucket, o=other_bucket)
    resp = rawhttp.send(gateway_env, "PUT", f"/{raw}/key", body=b"shifted")
    decoded = raw.replace("%2F", "/").replace("%2f", "/")
    assert_error(resp, "InvalidBucketName", bucket_name=decoded)
    assert swift_names(swift_conn, bucket) == []
    assert swift_names(swift_conn, other_bucket) == []


@pytest.mark.parametrize(("method", "suffix"), [
    ("GET", "/key"), ("HEAD", "/key"), ("DELETE", "/key"), ("GET", ""), ("HEAD", ""),
    ("DELETE", ""), ("PUT", ""), ("POST", "/key?uploads"), ("GET", "?uploads"),
    ("GET", "?location"), ("GET", "?list-type=2"), ("POST", "?delete"),
    ("PUT", "/key?partNumber=1&uploadId=u"), ("POST", "/key?uploadId=u"),
    ("GET", "/key?uploadId=u"), ("DELETE", "/key?uploadId=u"),
])
def test_every_operation_checks_the_decoded_bucket(gateway_env: Any, s3_client: Any,
                                                   swift_conn: Any, case_bucket: str, method: str,
                                                   suffix: str) -> None:
    s3_client.put_object(Bucket=case_bucket, Key="sub/key", Body=b"data")
    resp = rawhttp.send(gateway_env, method, f"/{case_bucket}%2Fsub{suffix}")
    assert_error(resp, "InvalidBucketName", bucket_name=f"{case_bucket}/sub")
    assert swift_names(swift_conn, case_bucket) == ["sub/key"]
    assert f"{case_bucket}+uploads" not in [c["name"] for c in swift_conn.get_account()[1]]


def test_copy_source_with_encoded_slash_in_bucket(gateway_env: Any, s3_client: Any,
                                                  swift_conn: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="sub/key", Body=b"data")
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst",
                        headers={"x-amz-copy-source": f"{bucket}%2Fsub/key"})
    assert_error(resp, "InvalidArgument", message="Invalid copy source bucket name")
    assert swift_names(swift_conn, bucket) == ["sub/key"]


def test_legacy_bucket_names_made_in_swift_stay_usable(gateway_env: Any, s3_client: Any,
                                                       swift_conn: Any) -> None:
    """Names S3 still serves for old buckets (upper case, ``_``) are not refused."""
    name = f"Legacy_{uuid.uuid4().hex[:12]}"
    swift_conn.put_container(name)
    try:
        assert rawhttp.send(gateway_env, "HEAD", f"/{name}").status_code == 200
        assert rawhttp.send(gateway_env, "PUT", f"/{name}/k", body=b"x").status_code == 200
        assert swift_names(swift_conn, name) == ["k"]
        assert rawhttp.send(gateway_env, "DELETE", f"/{name}/k").status_code == 204
    finally:
        swift_conn.delete_container(name)


# --- the gateway's own containers ------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/{b}+segments"),
    ("GET", "/{b}+segments?list-type=2"),
    ("GET", "/{b}+segments/obj/{u}/00001"),
    ("GET", "/{b}%2Bsegments/obj/{u}/00001"),
    ("HEAD", "/{b}+segments/obj/{u}/00001"),
    ("HEAD", "/{b}+uploads"),
    ("GET", "/{b}+uploads"),
    ("GET", "/{b}+uploads?uploads"),
    ("PUT", "/{b}+uploads/x"),
    ("PUT", "/{b}+segments/obj/{u}/00001"),
    ("DELETE", "/{b}+segments/obj/{u}/00001"),
    ("DELETE", "/{b}+uploads"),
    ("POST", "/{b}+segments/k?uploads"),
])
def test_hidden_containers_are_not_buckets(gateway_env: Any, s3_client: Any, swift_conn: Any,
                                           case_bucket: str, case_upload: str, method: str,
                                           path: str) -> None:
    before = {c: swift_names(swift_conn, case_bucket + c) for c in ("+segments", "+uploads")}
    target = path.format(b=case_bucket, u=case_upload)
    resp = rawhttp.send(gateway_env, method, target,
                        body=b"planted" if method == "PUT" else b"")
    name = target[1:].split("/")[0].split("?")[0]
    assert_error(resp, "InvalidBucketName", bucket_name=name.replace("%2B", "+"))
    assert {c: swift_names(swift_conn, case_bucket + c) for c in before} == before
    parts = s3_client.list_parts(Bucket=case_bucket, Key="obj", UploadId=case_upload)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]
    uploads = s3_client.list_multipart_uploads(Bucket=case_bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("obj", case_upload)]


@pytest.mark.parametrize("suffix", ["+segments", "+uploads"])
def test_hidden_container_names_cannot_be_created(gateway_env: Any, swift_conn: Any,
                                                  suffix: str) -> None:
    name = f"it-{uuid.uuid4().hex[:12]}{suffix}"
    resp = rawhttp.send(gateway_env, "PUT", f"/{name}")
    assert_error(resp, "InvalidBucketName", bucket_name=name)
    assert name not in [c["name"] for c in swift_conn.get_account()[1]]


def test_hidden_containers_are_no_copy_source(gateway_env: Any, s3_client: Any,
                                              swift_conn: Any, bucket: str,
                                              upload: str) -> None:
    part = f"{bucket}+segments/obj/{upload}/00001"
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/stolen",
                        headers={"x-amz-copy-source": part})
    assert_error(resp, "InvalidArgument", message="Invalid copy source bucket name")
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/obj?partNumber=2&uploadId={upload}",
                        headers={"x-amz-copy-source": part.replace("+", "%2B")})
    assert_error(resp, "InvalidArgument", message="Invalid copy source bucket name")
    assert swift_names(swift_conn, bucket) == []
    parts = s3_client.list_parts(Bucket=bucket, Key="obj", UploadId=upload)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]


def test_hidden_containers_not_addressable_virtual_host(
        gateway_env: Any, bucket: str, upload: str, _localhost_subdomains_resolve: None) -> None:
    url = f"http://{bucket}+segments.localhost:{gateway_env.port}/obj/{upload}/00001"
    headers = rawhttp.sign_v4("GET", url, gateway_env.access_key, gateway_env.secret_key,
                              gateway_env.region)
    resp = requests.get(url, headers=headers, timeout=30)
    assert_error(resp, "InvalidBucketName", bucket_name=f"{bucket}+segments")


def test_list_buckets_hides_upload_containers(s3_client: Any, bucket: str,
                                             upload: str) -> None:
    names = [b["Name"] for b in s3_client.list_buckets()["Buckets"]]
    assert bucket in names
    assert not [n for n in names if n.startswith(bucket + "+")]
