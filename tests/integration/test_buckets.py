"""Bucket operations through real S3 clients: boto3 (path and virtual-hosted style),
raw SigV4-signed requests for what boto3 refuses to send, and aws-cli v1."""

from __future__ import annotations

import datetime
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from lxml import etree
from swiftclient.client import get_account

from gateway.authz.identity import canonical_id
from tests.integration.conftest import run_aws
from tests.integration.rawhttp import signed_request
from tests.integration.s3_support import error_of

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# --- helpers -------------------------------------------------------------------------


def unique_name(prefix: str = "itb") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def assert_xml_error(response: requests.Response, code: str, status: int) -> etree._Element:
    """A well-formed S3 error document whose RequestId is the x-amz-request-id header."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    request_id = response.headers["x-amz-request-id"]
    assert request_id
    assert response.headers.get("x-amz-id-2")
    root = etree.fromstring(response.content)
    assert root.tag == "Error"
    assert root.findtext("Code") == code
    assert root.findtext("Message")
    assert root.findtext("RequestId") == request_id
    return root


def bucket_names(client: Any) -> list[str]:
    return [b["Name"] for b in client.list_buckets()["Buckets"]]


def client_for(env: Any, access_key: str, secret_key: str) -> Any:
    return boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, region_name=env.region)


@pytest.fixture
def cleanup(s3_client: Any):
    """Bucket names a test creates itself with the dev credential; deleted afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for item in page.get("Contents", []):
                    s3_client.delete_object(Bucket=name, Key=item["Key"])
            s3_client.delete_bucket(Bucket=name)
        except ClientError:
            pass


# --- create / head / list / delete -----------------------------------------------------


@pytest.mark.parametrize("style", ["path", "vhost"])
def test_bucket_lifecycle(request: pytest.FixtureRequest, style: str, s3_client: Any,
                          swift_conn: Any, cleanup: list[str]) -> None:
    client = s3_client if style == "path" else request.getfixturevalue("s3_client_vhost")
    name = unique_name(f"life-{style}")
    cleanup.append(name)
    before = datetime.datetime.now(datetime.timezone.utc)

    created = client.create_bucket(Bucket=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert created["Location"] == f"/{name}"
    # The bucket is a Swift container of the same name in the credential's account.
    assert "x-container-object-count" in swift_conn.head_container(name)

    head = client.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"

    listed = client.list_buckets()
    mine = [b for b in listed["Buckets"] if b["Name"] == name]
    assert len(mine) == 1
    created_at = mine[0]["CreationDate"]
    assert isinstance(created_at, datetime.datetime)
    assert created_at.tzinfo is not None
    # Creation time is the container's, within a generous window around now.
    assert before - datetime.timedelta(minutes=2) <= created_at
    assert created_at <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=2)
    assert listed["Owner"]["ID"] == canonical_id("AUTH_test")

    deleted = client.delete_bucket(Bucket=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert name not in bucket_names(client)
    with pytest.raises(ClientError) as info:
        client.head_bucket(Bucket=name)
    assert error_of(info) == ("404", 404)


def test_list_buckets_sorted_and_complete(s3_client: Any, cleanup: list[str]) -> None:
    names = sorted(unique_name("srt") for _ in range(3))
    for name in reversed(names):
        s3_client.create_bucket(Bucket=name)
        cleanup.append(name)
    listed = bucket_names(s3_client)
    assert [n for n in listed if n in names] == names
    assert listed == sorted(listed)


def test_list_buckets_raw_xml(gateway_env: Any, bucket: str) -> None:
    response = signed_request(gateway_env, "GET", "/")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == f"{S3_NS}ListAllMyBucketsResult"
    assert root.findtext(f"{S3_NS}Owner/{S3_NS}ID") == canonical_id("AUTH_test")
    entries = {b.findtext(f"{S3_NS}Name"): b.findtext(f"{S3_NS}CreationDate")
               for b in root.iter(f"{S3_NS}Bucket")}
    assert bucket in entries
    # ISO 8601 in UTC with milliseconds, as S3 writes it.
    stamp = entries[bucket]
    assert stamp.endswith("Z")
    datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_list_buckets_hides_segment_containers(s3_client: Any, swift_conn: Any,
                                               bucket: str) -> None:
    swift_conn.put_container(bucket + "+segments")
    try:
        names = bucket_names(s3_client)
        assert bucket in names
        assert bucket + "+segments" not in names
    finally:
        swift_conn.delete_container(bucket + "+segments")


def test_recreating_your_bucket_in_us_east_1_keeps_it(s3_client: Any, bucket: str) -> None:
    # S3's legacy rule in us-east-1 (this gateway's region): 200, the bucket unchanged.
    # Other regions answer BucketAlreadyOwnedByYou: test_bucket_recreate.py.
    s3_client.put_object(Bucket=bucket, Key="kept", Body=b"data")
    again = s3_client.create_bucket(Bucket=bucket)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert again["Location"] == f"/{bucket}"
    assert s3_client.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"data"


def test_create_with_matching_location_constraint(s3_client: Any, cleanup: list[str]) -> None:
    name = unique_name("loc")
    cleanup.append(name)
    s3_client.create_bucket(Bucket=name,
                            CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert name in bucket_names(s3_client)


@pytest.mark.parametrize(("location", "code"), [
    ("eu-west-1", "IllegalLocationConstraintException"),
    ("ap-southeast-2", "IllegalLocationConstraintException"),
    ("EU", "IllegalLocationConstraintException"),
    ("not-a-region", "InvalidLocationConstraint"),
    ("garbage!!", "InvalidLocationConstraint"),
])
def test_create_with_other_location_constraint(s3_client: Any, location: str, code: str) -> None:
    name = unique_name("badloc")
    with pytest.raises(ClientError) as info:
        s3_client.create_bucket(Bucket=name,
                                CreateBucketConfiguration={"LocationConstraint": location})
    assert error_of(info) == (code, 400)
    assert name not in bucket_names(s3_client)


@pytest.mark.parametrize("body", [
    b"<CreateBucketConfiguration><LocationConstraint>us-east-1",      # not well-formed
    b"<NotTheRightRoot><LocationConstraint>us-east-1</LocationConstraint></NotTheRightRoot>",
    b"<CreateBucketConfiguration><Surprise>x</Surprise></CreateBucketConfiguration>",
    b"this is not xml at all",
])
def test_create_with_malformed_xml(gateway_env: Any, s3_client: Any, body: bytes) -> None:
    name = unique_name("mxml")
    response = signed_request(gateway_env, "PUT", f"/{name}", body=body)
    assert_xml_error(response, "MalformedXML", 400)
    assert name not in bucket_names(s3_client)


def test_create_with_namespaced_xml_body(gateway_env: Any, s3_client: Any,
                                         cleanup: list[str]) -> None:
    name = unique_name("nsxml")
    cleanup.append(name)
    body = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>")
    response = signed_request(gateway_env, "PUT", f"/{name}", body=body)
    assert response.status_code == 200, response.text
    assert name in bucket_names(s3_client)


INVALID_NAMES = [
    "UpperCase",
    "ab",
    "a" * 64,
    "192.168.5.4",
    "a..b",
    "-leading-dash",
    "trailing-dash-",
    "xn--punycode",
    "under_score",
    "dot-.dash",
    ".leading-dot",
]


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_bucket_names_raw(gateway_env: Any, s3_client: Any, swift_conn: Any,
                                  name: str) -> None:
    response = signed_request(gateway_env, "PUT", "/" + quote(name, safe=""))
    root = assert_xml_error(response, "InvalidBucketName", 400)
    assert root.findtext("BucketName") == name
    assert name not in bucket_names(s3_client)
    assert name not in [c["name"] for c in swift_conn.get_account()[1]]


@pytest.mark.parametrize("name", ["UpperCase", "ab", "a" * 64, "a..b", "-leading-dash",
                                  "xn--punycode", "10.1.2.3"])
def test_invalid_bucket_names_boto3(s3_client: Any, name: str) -> None:
    with pytest.raises(ClientError) as info:
        s3_client.create_bucket(Bucket=name)
    assert error_of(info) == ("InvalidBucketName", 400)


@pytest.mark.parametrize("name", ["abc", "a" * 63, "a.b-c.d", "0-9", "1.2.3.4.5"])
def test_valid_bucket_names_at_the_limits(s3_client: Any, cleanup: list[str], name: str) -> None:
    # Unique per run would change the length; these names are fixed, so clear leftovers.
    cleanup.append(name)
    s3_client.create_bucket(Bucket=name)
    s3_client.head_bucket(Bucket=name)
    s3_client.delete_bucket(Bucket=name)
    assert name not in bucket_names(s3_client)


def test_head_missing_bucket(s3_client: Any) -> None:
    with pytest.raises(ClientError) as info:
        s3_client.head_bucket(Bucket=unique_name("missing"))
    assert error_of(info) == ("404", 404)


def test_head_missing_bucket_raw_has_request_id(gateway_env: Any) -> None:
    response = signed_request(gateway_env, "HEAD", f"/{unique_name('missing')}")
    assert response.status_code == 404
    assert response.headers["x-amz-request-id"]
    assert response.content == b""


def test_delete_missing_bucket(s3_client: Any) -> None:
    name = unique_name("missing")
    with pytest.raises(ClientError) as info:
        s3_client.delete_bucket(Bucket=name)
    assert error_of(info) == ("NoSuchBucket", 404)
    assert info.value.response["Error"]["Resource"] == f"/{name}"


def test_delete_non_empty_bucket(s3_client: Any, swift_conn: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="keep/me.txt", Body=b"still here")
    with pytest.raises(ClientError) as info:
        s3_client.delete_bucket(Bucket=bucket)
    assert error_of(info) == ("BucketNotEmpty", 409)
    assert bucket in bucket_names(s3_client)
    assert s3_client.get_object(Bucket=bucket, Key="keep/me.txt")["Body"].read() == b"still here"
    assert swift_conn.get_object(bucket, "keep/me.txt")[1] == b"still here"
    # Once emptied, it goes.
    s3_client.delete_object(Bucket=bucket, Key="keep/me.txt")
    s3_client.delete_bucket(Bucket=bucket)
    assert bucket not in bucket_names(s3_client)


# --- GetBucketLocation -------------------------------------------------------------------


@pytest.mark.parametrize("style", ["path", "vhost"])
def test_get_bucket_location(request: pytest.FixtureRequest, style: str, s3_client: Any,
                             bucket: str) -> None:
    client = s3_client if style == "path" else request.getfixturevalue("s3_client_vhost")
    # us-east-1 is S3's empty location constraint.
    assert client.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None


def test_get_bucket_location_raw_xml(gateway_env: Any, bucket: str) -> None:
    response = signed_request(gateway_env, "GET", f"/{bucket}", query="location")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == f"{S3_NS}LocationConstraint"
    assert (root.text or "") == ""


def test_get_bucket_location_missing(s3_client: Any) -> None:
    with pytest.raises(ClientError) as info:
        s3_client.get_bucket_location(Bucket=unique_name("missing"))
    assert error_of(info) == ("NoSuchBucket", 404)


# --- accounts are isolated -----------------------------------------------------------------


def test_accounts_cannot_see_each_others_buckets(gateway_env: Any, s3_client: Any,
                                                 make_credential: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="secret.txt", Body=b"A's data")
    access_b, secret_b, account_b = make_credential()
    assert account_b != gateway_env.account
    client_b = client_for(gateway_env, access_b, secret_b)

    listed_b = client_b.list_buckets()
    assert bucket not in [b["Name"] for b in listed_b["Buckets"]]
    assert listed_b["Owner"]["ID"] == canonical_id(account_b)

    with pytest.raises(ClientError) as info:
        client_b.head_bucket(Bucket=bucket)
    assert error_of(info) == ("403", 403)
    with pytest.raises(ClientError) as info:
        client_b.list_objects_v2(Bucket=bucket)
    assert error_of(info) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as info:
        client_b.list_objects(Bucket=bucket)
    assert error_of(info) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as info:
        client_b.get_object(Bucket=bucket, Key="secret.txt")
    assert error_of(info) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as info:
        client_b.head_object(Bucket=bucket, Key="secret.txt")
    assert error_of(info) == ("403", 403)
    with pytest.raises(ClientError) as info:
        client_b.put_object(Bucket=bucket, Key="secret.txt", Body=b"B overwrites")
    assert error_of(info) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as info:
        client_b.delete_object(Bucket=bucket, Key="secret.txt")
    assert error_of(info) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as info:
        client_b.delete_bucket(Bucket=bucket)
    assert error_of(info) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as info:
        client_b.get_bucket_location(Bucket=bucket)
    assert error_of(info) == ("AccessDenied", 403)

    # A's bucket and object are untouched.
    assert bucket in bucket_names(s3_client)
    assert s3_client.get_object(Bucket=bucket, Key="secret.txt")["Body"].read() == b"A's data"
    assert [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]] == \
        ["secret.txt"]


def test_two_new_accounts_see_only_their_own(gateway_env: Any, swift_admin_conn: Any,
                                             make_credential: Any) -> None:
    access_a, secret_a, account_a = make_credential()
    access_b, secret_b, account_b = make_credential()
    client_a = client_for(gateway_env, access_a, secret_a)
    client_b = client_for(gateway_env, access_b, secret_b)
    assert bucket_names(client_a) == []
    assert bucket_names(client_b) == []
    name_a, name_b = unique_name("acct-a"), unique_name("acct-b")
    client_a.create_bucket(Bucket=name_a)
    client_b.create_bucket(Bucket=name_b)
    try:
        client_a.put_object(Bucket=name_a, Key="k", Body=b"a")
        assert bucket_names(client_a) == [name_a]
        assert bucket_names(client_b) == [name_b]
        # Each bucket is a container in its own Swift account.
        storage_url, token = swift_admin_conn.get_auth()
        storage = storage_url.rsplit("/", 1)[0]
        _, listing_a = get_account(f"{storage}/{account_a}", token)
        _, listing_b = get_account(f"{storage}/{account_b}", token)
        assert [c["name"] for c in listing_a] == [name_a]
        assert [c["name"] for c in listing_b] == [name_b]
        with pytest.raises(ClientError) as info:
            client_b.get_object(Bucket=name_a, Key="k")
        assert error_of(info) == ("AccessDenied", 403)
    finally:
        client_a.delete_object(Bucket=name_a, Key="k")
        client_a.delete_bucket(Bucket=name_a)
        client_b.delete_bucket(Bucket=name_b)
    assert bucket_names(client_a) == []
    assert bucket_names(client_b) == []


# --- aws-cli ---------------------------------------------------------------------------


def aws(env: Any, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_aws(env, tmp_path, *args, check=False)


def test_aws_cli_bucket_lifecycle(gateway_env: Any, s3_client: Any, tmp_path: Path,
                                  cleanup: list[str]) -> None:
    name = unique_name("cli")
    cleanup.append(name)

    created = aws(gateway_env, tmp_path, "s3api", "create-bucket", "--bucket", name)
    assert created.returncode == 0, created.stderr
    assert f"/{name}" in created.stdout
    assert name in bucket_names(s3_client)

    head = aws(gateway_env, tmp_path, "s3api", "head-bucket", "--bucket", name)
    assert head.returncode == 0, head.stderr

    listed = aws(gateway_env, tmp_path, "s3", "ls")
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stdout.splitlines() if line.split()[-1:] == [name]]
    assert len(lines) == 1
    date, time_, _ = lines[0].split()
    datetime.datetime.strptime(f"{date} {time_}", "%Y-%m-%d %H:%M:%S")

    located = aws(gateway_env, tmp_path, "s3api", "get-bucket-location", "--bucket", name)
    assert located.returncode == 0, located.stderr
    assert '"LocationConstraint": null' in located.stdout

    again = aws(gateway_env, tmp_path, "s3api", "create-bucket", "--bucket", name)
    assert again.returncode == 0, again.stderr  # us-east-1: re-creating your own bucket

    removed = aws(gateway_env, tmp_path, "s3", "rb", f"s3://{name}")
    assert removed.returncode == 0, removed.stderr
    assert f"remove_bucket: {name}" in removed.stdout
    assert name not in bucket_names(s3_client)

    missing = aws(gateway_env, tmp_path, "s3api", "head-bucket", "--bucket", name)
    assert missing.returncode != 0
    assert "404" in missing.stderr


def test_aws_cli_rb_non_empty_then_force(gateway_env: Any, s3_client: Any, tmp_path: Path,
                                         cleanup: list[str]) -> None:
    name = unique_name("clirb")
    cleanup.append(name)
    s3_client.create_bucket(Bucket=name)
    s3_client.put_object(Bucket=name, Key="a/b.txt", Body=b"x")
    refused = aws(gateway_env, tmp_path, "s3", "rb", f"s3://{name}")
    assert refused.returncode != 0
    assert "BucketNotEmpty" in refused.stderr
    assert name in bucket_names(s3_client)
    forced = aws(gateway_env, tmp_path, "s3", "rb", "--force", f"s3://{name}")
    assert forced.returncode == 0, forced.stderr
    assert name not in bucket_names(s3_client)


def test_aws_cli_invalid_bucket_name(gateway_env: Any, tmp_path: Path) -> None:
    result = aws(gateway_env, tmp_path, "s3api", "create-bucket", "--bucket", "Bad..Name")
    assert result.returncode != 0
    assert "InvalidBucketName" in result.stderr


# --- unsupported requests get S3 error documents ------------------------------------------


@pytest.mark.parametrize(("query", "method"), [
    ("versioning", "PUT"), ("cors", "PUT"),
    ("lifecycle", "DELETE"), ("tagging", "GET"), ("website", "GET"),
])
def test_unsupported_bucket_subresource_is_not_implemented(gateway_env: Any, bucket: str,
                                                           query: str, method: str) -> None:
    response = signed_request(gateway_env, method, f"/{bucket}", query=query)
    root = assert_xml_error(response, "NotImplemented", 501)
    assert root.findtext("Resource") == f"/{bucket}"


def test_unsupported_object_subresource_is_not_implemented(gateway_env: Any, bucket: str) -> None:
    response = signed_request(gateway_env, "GET", f"/{bucket}/some-key", query="tagging")
    assert_xml_error(response, "NotImplemented", 501)


@pytest.mark.parametrize(("method", "path", "query", "operation"), [
    ("GET", "", "tagging", "GetBucketTagging"),
    ("PUT", "", "cors", "PutBucketCors"),
    ("GET", "/some-key", "torrent", "GetObjectTorrent"),
    ("POST", "/some-key", "select&select-type=2", "SelectObjectContent"),
    ("POST", "/some-key", "restore", "RestoreObject"),
])
def test_unsupported_operation_is_named_in_the_error(gateway_env: Any, bucket: str, method: str,
                                                     path: str, query: str,
                                                     operation: str) -> None:
    response = signed_request(gateway_env, method, f"/{bucket}{path}", query=query)
    root = assert_xml_error(response, "NotImplemented", 501)
    assert root.findtext("Message") == f"{operation} is not implemented"


def test_boto3_unsupported_operation(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as info:
        s3_client.get_bucket_tagging(Bucket=bucket)
    assert error_of(info) == ("NotImplemented", 501)
    assert info.value.response["ResponseMetadata"]["RequestId"] == \
        info.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]


@pytest.mark.parametrize(("method", "path_of"), [
    ("PATCH", lambda b: f"/{b}"),
    ("PATCH", lambda b: f"/{b}/key"),
    ("OPTIONS", lambda b: f"/{b}"),
    ("PUT", lambda b: "/"),
    ("DELETE", lambda b: "/"),
])
def test_unknown_method_is_method_not_allowed(gateway_env: Any, case_bucket: str, method: str,
                                              path_of: Any) -> None:
    response = signed_request(gateway_env, method, path_of(case_bucket))
    root = assert_xml_error(response, "MethodNotAllowed", 405)
    assert root.findtext("Method") == method


@pytest.mark.parametrize("make", [
    lambda env, b: signed_request(env, "DELETE", f"/{b}-missing"),
    lambda env, b: signed_request(env, "GET", f"/{b}/no-such-key"),
    lambda env, b: signed_request(env, "GET", f"/{b}", query="max-keys=nope"),
    lambda env, b: signed_request(env, "PUT", "/Invalid_Bucket"),
    lambda env, b: signed_request(env, "GET", f"/{b}", query="tagging"),
    lambda env, b: signed_request(env, "GET", "/", secret_key="wrong-secret"),
    lambda env, b: requests.get(env.endpoint + f"/{b}", timeout=30),  # anonymous
])
def test_every_error_has_matching_request_id(gateway_env: Any, case_bucket: str,
                                             make: Any) -> None:
    response = make(gateway_env, case_bucket)
    assert response.status_code >= 400
    request_id = response.headers["x-amz-request-id"]
    root = etree.fromstring(response.content)
    assert root.tag == "Error"
    assert root.findtext("Code")
    assert root.findtext("RequestId") == request_id


def test_request_ids_are_unique(gateway_env: Any) -> None:
    ids = {signed_request(gateway_env, "GET", "/").headers["x-amz-request-id"] for _ in range(5)}
    assert len(ids) == 5
