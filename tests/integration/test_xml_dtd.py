"""Request documents with a DTD or entity references are MalformedXML, before anything is done.

A parser that keeps an unresolved entity reference but drops it from the text
would turn ``<Key>k1&ent;</Key>`` into ``k1``: a different object than named.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from lxml import etree

from tests.integration import rawhttp
from tests.integration.s3_support import md5_header

HOSTILE_PROLOGS = {
    "internal-subset": b'<!DOCTYPE Delete [<!ENTITY ent "x">]>',
    "external-system": b'<!DOCTYPE Delete SYSTEM "file:///etc/passwd">',
    "external-public": b'<!DOCTYPE Delete PUBLIC "-//x//y" "http://127.0.0.1:1/x.dtd">',
    "bare": b"<!DOCTYPE Delete>",
}


def assert_malformed(resp: Any) -> None:
    assert resp.status_code == 400, resp.text
    root = etree.fromstring(resp.content)
    assert root.findtext("Code") == "MalformedXML"
    assert root.findtext("RequestId") == resp.headers["x-amz-request-id"]


@pytest.mark.parametrize("prolog", HOSTILE_PROLOGS.values(), ids=HOSTILE_PROLOGS.keys())
def test_delete_objects_with_dtd_deletes_nothing(gateway_env: Any, s3_client: Any,
                                                 swift_conn: Any, bucket: str,
                                                 prolog: bytes) -> None:
    for key in ("k1", "k1x"):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"data")
    key_xml = b"k1&ent;" if b"ENTITY" in prolog else b"k1"
    body = (b'<?xml version="1.0" encoding="UTF-8"?>' + prolog
            + b"<Delete><Object><Key>" + key_xml + b"</Key></Object></Delete>")
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                        headers=md5_header(body))
    assert_malformed(resp)
    names = sorted(o["name"] for o in swift_conn.get_container(bucket)[1])
    assert names == ["k1", "k1x"]


def test_delete_objects_with_undeclared_entity(gateway_env: Any, swift_conn: Any,
                                               s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k1", Body=b"data")
    body = b"<Delete><Object><Key>k1&ent;</Key></Object></Delete>"
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                        headers=md5_header(body))
    assert_malformed(resp)
    assert [o["name"] for o in swift_conn.get_container(bucket)[1]] == ["k1"]


def test_delete_objects_character_references_still_work(gateway_env: Any, s3_client: Any,
                                                         swift_conn: Any, bucket: str) -> None:
    """Predefined entities and character references are plain XML, not a DTD."""
    s3_client.put_object(Bucket=bucket, Key="a&b", Body=b"data")
    s3_client.put_object(Bucket=bucket, Key="keep", Body=b"data")
    body = b"<Delete><Object><Key>a&amp;&#98;</Key></Object></Delete>"
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}?delete", body=body,
                        headers=md5_header(body))
    assert resp.status_code == 200, resp.text
    assert [o["name"] for o in swift_conn.get_container(bucket)[1]] == ["keep"]


@pytest.mark.parametrize("prolog", HOSTILE_PROLOGS.values(), ids=HOSTILE_PROLOGS.keys())
def test_create_bucket_with_dtd_creates_nothing(gateway_env: Any, swift_conn: Any,
                                                prolog: bytes) -> None:
    name = f"dtd-{uuid.uuid4().hex[:16]}"
    location = b"us-east-1&ent;" if b"ENTITY" in prolog else b"us-east-1"
    body = (prolog.replace(b"Delete", b"CreateBucketConfiguration")
            + b"<CreateBucketConfiguration><LocationConstraint>" + location
            + b"</LocationConstraint></CreateBucketConfiguration>")
    resp = rawhttp.send(gateway_env, "PUT", f"/{name}", body=body)
    assert_malformed(resp)
    assert name not in [c["name"] for c in swift_conn.get_account()[1]]


@pytest.mark.parametrize("prolog", HOSTILE_PROLOGS.values(), ids=HOSTILE_PROLOGS.keys())
def test_complete_multipart_with_dtd_completes_nothing(gateway_env: Any, s3_client: Any,
                                                       swift_conn: Any, bucket: str,
                                                       prolog: bytes) -> None:
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key="obj")["UploadId"]
    etag = s3_client.upload_part(Bucket=bucket, Key="obj", UploadId=upload_id, PartNumber=1,
                                 Body=b"part")["ETag"]
    etag_xml = etag.encode() + (b"&ent;" if b"ENTITY" in prolog else b"")
    body = (prolog.replace(b"Delete", b"CompleteMultipartUpload")
            + b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag_xml
            + b"</ETag></Part></CompleteMultipartUpload>")
    resp = rawhttp.send(gateway_env, "POST", f"/{bucket}/obj?uploadId={upload_id}", body=body)
    assert_malformed(resp)
    assert [o["name"] for o in swift_conn.get_container(bucket)[1]] == []
    parts = s3_client.list_parts(Bucket=bucket, Key="obj", UploadId=upload_id)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]
