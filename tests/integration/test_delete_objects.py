"""DeleteObjects (POST ?delete) through boto3 and raw signed requests."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway.swift import multipart_layout
from tests.integration import rawhttp
from tests.integration.s3_support import error_of, eventually, md5_header, segments


def keys_of(s3_client: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def delete_body(*keys: str, quiet: bool | None = None) -> bytes:
    quiet_xml = "" if quiet is None else f"<Quiet>{str(quiet).lower()}</Quiet>"
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    return f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{quiet_xml}{objects}</Delete>'.encode()


def test_delete_three_keys_and_absent_ones(s3_client: Any, bucket: str) -> None:
    for key in ("a", "b/c", "d e+f"):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3_client.put_object(Bucket=bucket, Key="keep", Body=b"x")
    result = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a"}, {"Key": "b/c"}, {"Key": "d e+f"}, {"Key": "never-existed"}]})
    assert [d["Key"] for d in result["Deleted"]] == ["a", "b/c", "d e+f", "never-existed"]
    assert "Errors" not in result
    assert keys_of(s3_client, bucket) == ["keep"]


def test_quiet_mode_reports_only_errors(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a", Body=b"x")
    result = s3_client.delete_objects(Bucket=bucket, Delete={
        "Quiet": True, "Objects": [{"Key": "a"}, {"Key": "absent"},
                                   {"Key": "b", "VersionId": "not-a-version"}]})
    assert "Deleted" not in result
    assert result["Errors"] == [{"Key": "b", "VersionId": "not-a-version",
                                 "Code": "InvalidArgument",
                                 "Message": "Invalid version id specified"}]
    assert keys_of(s3_client, bucket) == []


def test_null_version_and_duplicates(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a", Body=b"x")
    result = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a", "VersionId": "null"}, {"Key": "a"}, {"Key": "a"}]})
    assert result["Deleted"] == [{"Key": "a", "VersionId": "null"}, {"Key": "a"}, {"Key": "a"}]
    assert keys_of(s3_client, bucket) == []


def test_awkward_keys(s3_client: Any, bucket: str) -> None:
    keys = ["日本/語", "a&b<c>", "x/../y", "/lead", "tab\there", "100%", "?q=1#f"]
    for key in keys:
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    result = s3_client.delete_objects(Bucket=bucket,
                                      Delete={"Objects": [{"Key": k} for k in keys]})
    assert [d["Key"] for d in result["Deleted"]] == keys
    assert keys_of(s3_client, bucket) == []


def test_etag_condition(s3_client: Any, bucket: str) -> None:
    etag = s3_client.put_object(Bucket=bucket, Key="a", Body=b"x")["ETag"]
    s3_client.put_object(Bucket=bucket, Key="b", Body=b"x")
    result = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a", "ETag": etag}, {"Key": "b", "ETag": '"0123"'}]})
    assert [d["Key"] for d in result["Deleted"]] == ["a"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("b", "PreconditionFailed")]
    assert keys_of(s3_client, bucket) == ["b"]


def test_multipart_object_takes_its_segments(s3_client: Any, bucket: str,
                                             swift_conn: Any) -> None:
    container = multipart_layout.segments_container(bucket)
    swift_conn.put_container(container)
    manifest = []
    for number in (1, 2):
        name = multipart_layout.part_name("mp", "up1", number)
        swift_conn.put_object(container, name, b"p" * 10)
        manifest.append({"path": f"/{container}/{name}"})
    swift_conn.put_object(container, "unrelated", b"u")
    swift_conn.put_object(bucket, "mp", json.dumps(manifest), query_string="multipart-manifest=put",
                          headers={"Content-Type": "text/plain;s3gw_etag=abc-2"})
    s3_client.put_object(Bucket=bucket, Key="plain", Body=b"x")
    result = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "mp"}, {"Key": "plain"}]})
    assert [d["Key"] for d in result["Deleted"]] == ["mp", "plain"]
    assert keys_of(s3_client, bucket) == []
    left = eventually(lambda: segments(swift_conn, bucket), ["unrelated"].__eq__)
    assert left == ["unrelated"]


def test_many_keys_present_and_absent(s3_client: Any, bucket: str) -> None:
    """Swift's bulk delete takes the whole batch; each key costs Swift a write (a
    tombstone), so the 1,000-key limit itself is tested on the handler layer."""
    keys = [f"k{i:04d}" for i in range(10)]
    for key in keys:
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    keys += [f"gone{i:04d}" for i in range(190)]
    result = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert result.get("Errors", []) == []
    assert [d["Key"] for d in result["Deleted"]] == keys
    assert keys_of(s3_client, bucket) == []


def test_more_than_1000_keys_is_malformed(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as info:
        s3_client.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": f"k{i}"} for i in range(1001)]})
    assert error_of(info) == ("MalformedXML", 400)


def test_missing_bucket(s3_client: Any) -> None:
    with pytest.raises(ClientError) as info:
        s3_client.delete_objects(Bucket=f"missing-{uuid.uuid4().hex[:12]}",
                                 Delete={"Objects": [{"Key": "a"}]})
    assert error_of(info) == ("NoSuchBucket", 404)


def test_digest_is_required(gateway_env: Any, bucket: str) -> None:
    body = delete_body("a")
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body)
    assert resp.status_code == 400
    assert "<Code>InvalidRequest</Code>" in resp.text
    assert ("<Message>Missing required header for this request: Content-MD5 OR "
            "x-amz-checksum-*</Message>") in resp.text


def test_content_md5(gateway_env: Any, s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = delete_body("a", quiet=False)
    wrong = {"Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()}
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body, headers=wrong)
    assert resp.status_code == 400 and "<Code>BadDigest</Code>" in resp.text
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                        headers={"Content-MD5": "not base64!"})
    assert resp.status_code == 400 and "<Code>InvalidDigest</Code>" in resp.text
    assert keys_of(s3_client, bucket) == ["a"]
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                        headers=md5_header(body))
    assert resp.status_code == 200, resp.text
    assert "<DeleteResult" in resp.text and "<Deleted><Key>a</Key></Deleted>" in resp.text
    assert keys_of(s3_client, bucket) == []


def test_checksum_headers(gateway_env: Any, s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = delete_body("a")
    crc32 = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    sha256 = base64.b64encode(hashlib.sha256(body).digest()).decode()
    for header, value in (("x-amz-checksum-crc32", "AAAAAA=="),
                          ("x-amz-checksum-sha256", base64.b64encode(b"\0" * 32).decode())):
        resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                            headers={header: value})
        assert resp.status_code == 400 and "<Code>BadDigest</Code>" in resp.text, header
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                        headers={"x-amz-checksum-crc32": "AAA"})
    assert resp.status_code == 400 and "<Code>InvalidRequest</Code>" in resp.text
    assert keys_of(s3_client, bucket) == ["a"]
    for header, value in (("x-amz-checksum-crc32", crc32), ("x-amz-checksum-sha256", sha256)):
        resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                            headers={header: value})
        assert resp.status_code == 200, resp.text
    assert keys_of(s3_client, bucket) == []


@pytest.mark.parametrize("body", [
    b"",
    b"not xml",
    b"<Delete></Delete>",
    b"<Delete><Object><Key></Key></Object></Delete>",
    b"<Delete><Object><VersionId>v</VersionId></Object></Delete>",
    b"<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>",
    b"<Delete><Object><Key>a</Key><Other/></Object></Delete>",
    b"<Other><Object><Key>a</Key></Object></Other>",
    b'<!DOCTYPE d [<!ENTITY e "x">]><Delete><Object><Key>&e;</Key></Object></Delete>',
])
def test_malformed_xml(gateway_env: Any, case_bucket: str, body: bytes) -> None:
    resp = rawhttp.send(gateway_env, "POST", f"/{case_bucket}?delete", body=body,
                        headers=md5_header(body))
    assert resp.status_code == 400 and "<Code>MalformedXML</Code>" in resp.text, resp.text
