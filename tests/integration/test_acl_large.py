"""A maximal ACL (100 grants) beside 2 KB of user metadata, end to end on Swift.

Too large for an object's Swift metadata, such an ACL lives in a record the
object's metadata names (``gateway.swift.acl_records``); every write that sets
an ACL (PutObject, PutObjectAcl, CopyObject, CreateMultipartUpload applied at
Complete) must store it, and GetObjectAcl and the access checks must read all
of it. A bucket's ACL is a bucket document (an object body): no such wall.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway.authz.identity import canonical_id
from tests.integration.conftest import GatewayEnv, create_credential, s3_client_of
from tests.integration.s3_support import error_of, one_part_upload

# 8 x (2 + 250) = 2016 bytes: S3's 2 KB of user metadata, nearly all of it.
METADATA = {f"m{i}": chr(ord("a") + i) * 250 for i in range(8)}
OTHERS = [canonical_id(f"AUTH_nobody-{i}") for i in range(73)]


def _ids(ids: list[str]) -> str:
    return ",".join(f'id="{i}"' for i in ids)


@pytest.fixture(scope="module")
def reader(gateway_env: GatewayEnv) -> tuple[str, Any]:
    """Account B (its canonical id and client), one of the 100 grantees."""
    access, secret, account = create_credential(gateway_env)
    keyed = dataclasses.replace(gateway_env, access_key=access, secret_key=secret)
    return canonical_id(account), s3_client_of(keyed)


def _grants(owner: str, reader_id: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Grant headers of 100 grants (owner FULL_CONTROL, B READ, 98 more), and the
    (grantee, permission) pairs GetObjectAcl must return."""
    split = {"GrantFullControl": [owner, *OTHERS[:24]], "GrantRead": [reader_id, *OTHERS[24:49]],
             "GrantReadACP": OTHERS[49:73], "GrantWriteACP": [*OTHERS[:25]]}
    permission = {"GrantFullControl": "FULL_CONTROL", "GrantRead": "READ",
                  "GrantReadACP": "READ_ACP", "GrantWriteACP": "WRITE_ACP"}
    expected = {(i, permission[name]) for name, ids in split.items() for i in ids}
    assert len(expected) == 100
    return {name: _ids(ids) for name, ids in split.items()}, expected


def _acl_of(client: Any, bucket: str, key: str) -> set[tuple[str, str]]:
    grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert len(grants) == 100
    return {(g["Grantee"]["ID"], g["Permission"]) for g in grants}


def test_a_maximal_acl_beside_full_metadata(gateway_env: GatewayEnv, s3_client: Any,
                                            bucket: str, reader: tuple[str, Any]) -> None:
    owner = canonical_id(gateway_env.account)
    reader_id, reader_client = reader
    headers, expected = _grants(owner, reader_id)
    s3_client.put_object(Bucket=bucket, Key="put", Body=b"p", Metadata=METADATA, **headers)
    s3_client.put_object(Bucket=bucket, Key="later", Body=b"l", Metadata=METADATA)
    s3_client.put_object_acl(Bucket=bucket, Key="later", AccessControlPolicy={
        "Owner": {"ID": owner},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": i}, "Permission": p}
                   for i, p in sorted(expected)]})
    s3_client.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "put"},
                          **headers)
    one_part_upload(s3_client, bucket, "multi", b"m", Metadata=METADATA, **headers)
    for key, body in (("put", b"p"), ("later", b"l"), ("copy", b"p"), ("multi", b"m")):
        assert _acl_of(s3_client, bucket, key) == expected, key
        assert s3_client.head_object(Bucket=bucket, Key=key)["Metadata"] == METADATA, key
        assert reader_client.get_object(Bucket=bucket, Key=key)["Body"].read() == body, key
    # Back to a small ACL: it rides in the metadata again, and B lost READ.
    s3_client.put_object_acl(Bucket=bucket, Key="later", ACL="private")
    assert len(s3_client.get_object_acl(Bucket=bucket, Key="later")["Grants"]) == 1
    with pytest.raises(ClientError) as denied:
        reader_client.get_object(Bucket=bucket, Key="later")
    assert error_of(denied) == ("AccessDenied", 403)


def test_a_maximal_bucket_acl(gateway_env: GatewayEnv, s3_client: Any, bucket: str,
                              reader: tuple[str, Any]) -> None:
    owner = canonical_id(gateway_env.account)
    reader_id, reader_client = reader
    _, expected = _grants(owner, reader_id)
    s3_client.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": {"ID": owner},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": i}, "Permission": p}
                   for i, p in sorted(expected)]})
    grants = s3_client.get_bucket_acl(Bucket=bucket)["Grants"]
    assert {(g["Grantee"]["ID"], g["Permission"]) for g in grants} == expected
    assert reader_client.list_objects_v2(Bucket=bucket)["KeyCount"] == 0  # B's READ
