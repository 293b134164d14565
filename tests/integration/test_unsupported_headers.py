"""Headers asking for features the gateway lacks are refused, and nothing is stored.

boto3 sends them as a user would (SSE-C, KMS, Object Lock, tags, storage
classes, website redirects, ACLs); the check in Swift shows no byte was stored.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import uuid
from typing import Any

import pytest
import swiftclient.exceptions
from botocore.exceptions import ClientError

from gateway.swift.multipart_layout import uploads_container
from tests.integration import rawhttp
from tests.integration.s3_support import error_of

SSE_C_KEY = b"k" * 32
SSE_C = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_C_KEY}
LATER = datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)

# (boto3 arguments of PutObject / CreateMultipartUpload / CopyObject, S3 code, status)
OBJECT_WRITE_CASES = {
    "sse-c": (SSE_C, "NotImplemented", 501),
    "sse-kms": ({"ServerSideEncryption": "aws:kms"}, "NotImplemented", 501),
    "sse-s3": ({"ServerSideEncryption": "AES256"}, "NotImplemented", 501),
    "sse-unknown": ({"ServerSideEncryption": "rot13"}, "InvalidArgument", 400),
    "kms-key-id": ({"SSEKMSKeyId": "alias/key"}, "NotImplemented", 501),
    "object-lock": ({"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": LATER},
                    "InvalidRequest", 400),
    "legal-hold": ({"ObjectLockLegalHoldStatus": "ON"}, "InvalidRequest", 400),
    "tagging": ({"Tagging": "team=blue"}, "NotImplemented", 501),
    "glacier": ({"StorageClass": "GLACIER"}, "InvalidStorageClass", 400),
    "storage-class-unknown": ({"StorageClass": "FAST"}, "InvalidStorageClass", 400),
    "website-redirect": ({"WebsiteRedirectLocation": "/elsewhere"}, "NotImplemented", 501),
    "acl-unknown": ({"ACL": "everyone"}, "InvalidArgument", 400),
    "grant-by-email": ({"GrantRead": 'emailAddress="someone@example.com"'},
                       "UnresolvableGrantByEmailAddress", 400),
}
ACCEPTED_OBJECT_WRITES = {
    "standard": {"StorageClass": "STANDARD"},
    "private": {"ACL": "private"},
    "bucket-owner-full-control": {"ACL": "bucket-owner-full-control"},
    "empty-tagging": {"Tagging": ""},
}


def _objects_in(swift_conn: Any, container: str) -> list[str]:
    try:
        return [item["name"] for item in swift_conn.get_container(container)[1]]
    except swiftclient.exceptions.ClientException as exc:
        assert exc.http_status == 404
        return []


@pytest.mark.parametrize("case", sorted(OBJECT_WRITE_CASES))
def test_put_object_refused_and_nothing_stored(s3_client: Any, case_bucket: str,
                                               swift_conn: Any, case: str) -> None:
    args, code, status = OBJECT_WRITE_CASES[case]
    with pytest.raises(ClientError) as exc_info:
        s3_client.put_object(Bucket=case_bucket, Key="obj", Body=b"secret bytes", **args)
    assert error_of(exc_info) == (code, status)
    assert exc_info.value.response["ResponseMetadata"]["RequestId"]
    assert _objects_in(swift_conn, case_bucket) == []


@pytest.mark.parametrize("case", sorted(OBJECT_WRITE_CASES))
def test_create_multipart_upload_refused_and_nothing_stored(
        s3_client: Any, case_bucket: str, swift_conn: Any, case: str) -> None:
    args, code, status = OBJECT_WRITE_CASES[case]
    with pytest.raises(ClientError) as exc_info:
        s3_client.create_multipart_upload(Bucket=case_bucket, Key="obj", **args)
    assert error_of(exc_info) == (code, status)
    assert s3_client.list_multipart_uploads(Bucket=case_bucket).get("Uploads", []) == []
    assert _objects_in(swift_conn, uploads_container(case_bucket)) == []


@pytest.mark.parametrize("case", sorted(OBJECT_WRITE_CASES))
def test_copy_object_refused_and_nothing_stored(s3_client: Any, case_bucket: str,
                                                swift_conn: Any, case: str) -> None:
    args, code, status = OBJECT_WRITE_CASES[case]
    s3_client.put_object(Bucket=case_bucket, Key="src", Body=b"source")
    with pytest.raises(ClientError) as exc_info:
        s3_client.copy_object(Bucket=case_bucket, Key="dst", CopySource=f"{case_bucket}/src",
                              **args)
    assert error_of(exc_info) == (code, status)
    assert _objects_in(swift_conn, case_bucket) == ["src"]


@pytest.mark.parametrize("case", sorted(ACCEPTED_OBJECT_WRITES))
def test_headers_stating_what_is_true_are_accepted(s3_client: Any, bucket: str,
                                                   case: str) -> None:
    args = ACCEPTED_OBJECT_WRITES[case]
    s3_client.put_object(Bucket=bucket, Key="put", Body=b"data", **args)
    assert s3_client.get_object(Bucket=bucket, Key="put")["Body"].read() == b"data"
    s3_client.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/put", **args)
    assert s3_client.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"data"
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key="mpu", **args)
    part = s3_client.upload_part(Bucket=bucket, Key="mpu", UploadId=upload["UploadId"],
                                 PartNumber=1, Body=b"part")
    s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mpu", UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3_client.get_object(Bucket=bucket, Key="mpu")["Body"].read() == b"part"


def test_copy_source_sse_c_refused(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="src", Body=b"source")
    with pytest.raises(ClientError) as exc_info:
        s3_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                              CopySourceSSECustomerAlgorithm="AES256",
                              CopySourceSSECustomerKey=SSE_C_KEY)
    assert error_of(exc_info) == ("NotImplemented", 501)
    assert _objects_in(swift_conn, bucket) == ["src"]


def test_copy_tagging_directive(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="src", Body=b"source")
    with pytest.raises(ClientError) as exc_info:
        s3_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                              TaggingDirective="REPLACE", Tagging="team=blue")
    assert error_of(exc_info) == ("NotImplemented", 501)
    with pytest.raises(ClientError) as exc_info:
        s3_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                              TaggingDirective="MERGE")
    assert error_of(exc_info) == ("InvalidArgument", 400)
    assert _objects_in(swift_conn, bucket) == ["src"]
    # No object has tags: copying none, or replacing them with none, is what happens.
    s3_client.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                          TaggingDirective="COPY")
    s3_client.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src",
                          TaggingDirective="REPLACE")
    assert _objects_in(swift_conn, bucket) == ["dst", "dst2", "src"]


def test_sse_c_on_parts_and_reads_refused(s3_client: Any, bucket: str,
                                          swift_conn: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key="mpu")
    upload_id = upload["UploadId"]
    with pytest.raises(ClientError) as exc_info:
        s3_client.upload_part(Bucket=bucket, Key="mpu", UploadId=upload_id, PartNumber=1,
                              Body=b"part", **SSE_C)
    assert error_of(exc_info) == ("NotImplemented", 501)
    with pytest.raises(ClientError) as exc_info:
        s3_client.upload_part_copy(Bucket=bucket, Key="mpu", UploadId=upload_id,
                                   PartNumber=1, CopySource=f"{bucket}/plain", **SSE_C)
    assert error_of(exc_info) == ("NotImplemented", 501)
    assert s3_client.list_parts(Bucket=bucket, Key="mpu",
                                UploadId=upload_id).get("Parts", []) == []
    # A read with a customer key expects decryption: it must not get the bytes as stored.
    with pytest.raises(ClientError) as exc_info:
        s3_client.get_object(Bucket=bucket, Key="plain", **SSE_C)
    assert error_of(exc_info) == ("NotImplemented", 501)
    with pytest.raises(ClientError) as exc_info:
        s3_client.head_object(Bucket=bucket, Key="plain", **SSE_C)
    assert exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


BUCKET_CASES = {
    "acl-unknown": ({"ACL": "everyone"}, "InvalidArgument", 400),
    "acl-and-grant": ({"ACL": "private", "GrantRead": f'id="{"0" * 64}"'},
                      "InvalidRequest", 400),
    "acl-with-owner-enforced": ({"ACL": "public-read", "ObjectOwnership": "BucketOwnerEnforced"},
                                "InvalidBucketAclWithObjectOwnership", 400),
    "object-lock": ({"ObjectLockEnabledForBucket": True}, "NotImplemented", 501),
    "ownership-unknown": ({"ObjectOwnership": "Everyone"}, "InvalidArgument", 400),
}


@pytest.mark.parametrize("case", sorted(BUCKET_CASES))
def test_create_bucket_refused_and_not_created(s3_client: Any, swift_conn: Any,
                                               case: str) -> None:
    args, code, status = BUCKET_CASES[case]
    name = f"it-{uuid.uuid4().hex[:20]}"
    with pytest.raises(ClientError) as exc_info:
        s3_client.create_bucket(Bucket=name, **args)
    assert error_of(exc_info) == (code, status)
    with pytest.raises(swiftclient.exceptions.ClientException) as missing:
        swift_conn.head_container(name)
    assert missing.value.http_status == 404


def test_create_bucket_with_what_is_true(s3_client: Any) -> None:
    name = f"it-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name, ACL="private", ObjectOwnership="BucketOwnerEnforced",
                            ObjectLockEnabledForBucket=False)
    try:
        s3_client.head_bucket(Bucket=name)
    finally:
        s3_client.delete_bucket(Bucket=name)


def test_refusal_before_the_body_is_read(gateway_env: Any, bucket: str,
                                         swift_conn: Any) -> None:
    """A plain HTTP PUT with SSE-C and a body: S3's XML error, nothing stored."""
    key = base64.b64encode(SSE_C_KEY).decode()
    headers = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
               "x-amz-server-side-encryption-customer-key": key,
               "x-amz-server-side-encryption-customer-key-MD5":
                   base64.b64encode(hashlib.md5(SSE_C_KEY).digest()).decode()}
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/raw", body=b"x" * 1000,
                        headers=headers)
    assert resp.status_code == 501
    assert b"<Code>NotImplemented</Code>" in resp.content
    assert b"<Header>x-amz-server-side-encryption-customer-" in resp.content
    assert resp.headers["x-amz-request-id"]
    assert _objects_in(swift_conn, bucket) == []


def test_awscli_sync_and_cp_flags(aws_cli: Any, bucket: str, swift_conn: Any,
                                  tmp_path: Any) -> None:
    """aws s3 sync sends none of these headers; cp's flags stating what is true work."""
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_bytes(b"a")
    (source / "sub" / "b.txt").write_bytes(b"b")
    aws_cli("s3", "sync", str(source), f"s3://{bucket}/tree")
    aws_cli("s3", "cp", str(source / "a.txt"), f"s3://{bucket}/flags.txt",
            "--storage-class", "STANDARD", "--acl", "private")
    assert _objects_in(swift_conn, bucket) == ["flags.txt", "tree/a.txt", "tree/sub/b.txt"]
    refused = aws_cli("s3", "cp", str(source / "a.txt"), f"s3://{bucket}/glacier.txt",
                      "--storage-class", "GLACIER", check=False)
    assert refused.returncode != 0 and "InvalidStorageClass" in refused.stderr
    refused = aws_cli("s3", "cp", str(source / "a.txt"), f"s3://{bucket}/sse.txt",
                      "--sse", "AES256", check=False)
    assert refused.returncode != 0 and "NotImplemented" in refused.stderr
    assert _objects_in(swift_conn, bucket) == ["flags.txt", "tree/a.txt", "tree/sub/b.txt"]
