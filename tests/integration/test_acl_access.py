"""Access control on the real Swift with real clients: three accounts (the dev
key's A, and B and C made here) plus anonymous HTTP.

The full matrix of canned ACLs and grant headers runs on the in-memory store
(``tests/handlers/test_acl_access.py``); here: what needs the real parts (the
registry's atomic claim in Swift, ACLs stored in Swift metadata, boto3, aws-cli
and plain HTTP as clients).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from swiftclient.client import put_container

from gateway.authz.identity import canonical_id
from tests.integration.conftest import (
    GatewayEnv, create_credential, run_aws, s3_client_of, s3swift_command)
from tests.integration.s3_support import error_of, one_part_upload


@dataclasses.dataclass(frozen=True)
class Account:
    env: GatewayEnv  # the session's gateway, with this account's key
    account: str
    client: Any

    @property
    def id(self) -> str:
        return canonical_id(self.account)


def _account(env: GatewayEnv) -> Account:
    access, secret, account = create_credential(env)
    keyed = dataclasses.replace(env, access_key=access, secret_key=secret)
    return Account(keyed, account, s3_client_of(keyed))


@pytest.fixture(scope="module")
def accounts(gateway_env: GatewayEnv) -> dict[str, Account]:
    return {"a": Account(gateway_env, gateway_env.account, s3_client_of(gateway_env)),
            "b": _account(gateway_env), "c": _account(gateway_env)}


@pytest.fixture
def names(accounts: dict[str, Account]) -> Iterator[list[str]]:
    """Buckets a test makes as A; emptied and deleted afterwards."""
    made: list[str] = []
    yield made
    client = accounts["a"].client
    for name in made:
        for entry in client.list_objects_v2(Bucket=name).get("Contents", []):
            client.delete_object(Bucket=name, Key=entry["Key"])
        client.delete_bucket(Bucket=name)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _denied(call: Any) -> None:
    with pytest.raises(ClientError) as info:
        call()
    assert error_of(info) in (("AccessDenied", 403), ("403", 403))


def test_racing_creates_from_two_accounts_have_one_winner(
        accounts: dict[str, Account], names: list[str]) -> None:
    racers = [accounts["a"].client, accounts["b"].client]
    for _ in range(3):
        name = _name("race")
        start = threading.Barrier(len(racers))
        outcomes: dict[int, str] = {}

        def create(index: int, name: str = name, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                racers[index].create_bucket(Bucket=name)
                outcomes[index] = "created"
            except ClientError as exc:
                outcomes[index] = exc.response["Error"]["Code"]

        threads = [threading.Thread(target=create, args=(i,)) for i in range(len(racers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes.values()) == ["BucketAlreadyExists", "created"], outcomes
        winner = racers[next(i for i, v in outcomes.items() if v == "created")]
        loser = racers[next(i for i, v in outcomes.items() if v != "created")]
        _denied(lambda: loser.head_bucket(Bucket=name))  # noqa: B023
        winner.delete_bucket(Bucket=name)


def test_cross_account_grants_through_boto3(accounts: dict[str, Account],
                                            names: list[str]) -> None:
    a, b, c = accounts["a"].client, accounts["b"], accounts["c"]
    name = _name("granted")
    names.append(name)
    a.create_bucket(Bucket=name, GrantRead=f'id="{b.id}"', GrantWrite=f'id="{b.id}"',
                    GrantFullControl=f'id="{accounts["a"].id}"')
    a.put_object(Bucket=name, Key="for-b", Body=b"shared", GrantRead=f'id="{b.id}"')
    assert [o["Key"] for o in b.client.list_objects_v2(Bucket=name)["Contents"]] == ["for-b"]
    assert b.client.get_object(Bucket=name, Key="for-b")["Body"].read() == b"shared"
    b.client.put_object(Bucket=name, Key="from-b", Body=b"b wrote")
    owner = b.client.get_object_acl(Bucket=name, Key="from-b")["Owner"]
    assert owner == {"ID": b.id, "DisplayName": b.account}
    _denied(lambda: a.get_object(Bucket=name, Key="from-b"))  # B's object, private
    b.client.put_object_acl(Bucket=name, Key="from-b", ACL="bucket-owner-full-control")
    assert a.get_object(Bucket=name, Key="from-b")["Body"].read() == b"b wrote"
    for call in (lambda: c.client.list_objects_v2(Bucket=name),
                 lambda: c.client.get_object(Bucket=name, Key="for-b"),
                 lambda: c.client.get_object(Bucket=name, Key="missing"),
                 lambda: c.client.put_object(Bucket=name, Key="x", Body=b"x"),
                 lambda: b.client.get_bucket_acl(Bucket=name),
                 lambda: b.client.delete_bucket(Bucket=name)):
        _denied(call)
    grants = a.get_bucket_acl(Bucket=name)["Grants"]
    assert {(g["Grantee"]["ID"], g["Permission"]) for g in grants} == {
        (b.id, "READ"), (b.id, "WRITE"), (accounts["a"].id, "FULL_CONTROL")}


def test_cross_account_access_through_aws_cli(accounts: dict[str, Account], names: list[str],
                                              tmp_path: Path) -> None:
    a, b, c = accounts["a"].client, accounts["b"], accounts["c"]
    name = _name("cli")
    names.append(name)
    a.create_bucket(Bucket=name, ACL="authenticated-read")
    a.put_object(Bucket=name, Key="doc.txt", Body=b"for any account", ACL="authenticated-read")
    listed = run_aws(b.env, tmp_path, "s3", "ls", f"s3://{name}/")
    assert "doc.txt" in listed.stdout
    run_aws(c.env, tmp_path, "s3", "cp", f"s3://{name}/doc.txt", str(tmp_path / "doc.txt"))
    assert (tmp_path / "doc.txt").read_bytes() == b"for any account"
    refused = run_aws(c.env, tmp_path, "s3", "cp", str(tmp_path / "doc.txt"),
                      f"s3://{name}/from-c.txt", check=False)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr


def test_anonymous_http(gateway_env: GatewayEnv, accounts: dict[str, Account],
                        names: list[str]) -> None:
    a = accounts["a"].client
    public, drop, private = _name("public"), _name("drop"), _name("private")
    names.extend([public, drop, private])
    a.create_bucket(Bucket=public)
    a.put_object(Bucket=public, Key="index.html", Body=b"<h1>hi</h1>", ACL="public-read",
                 ContentType="text/html")
    a.put_object(Bucket=public, Key="hidden", Body=b"no")
    a.create_bucket(Bucket=drop, ACL="public-read-write")
    a.create_bucket(Bucket=private)
    a.put_object(Bucket=private, Key="k", Body=b"secret")
    url = gateway_env.endpoint
    got = requests.get(f"{url}/{public}/index.html", timeout=30)  # plain curl
    assert (got.status_code, got.content) == (200, b"<h1>hi</h1>")
    assert got.headers["Content-Type"] == "text/html"
    put = requests.put(f"{url}/{drop}/anon.txt", data=b"from nobody", timeout=30)
    assert put.status_code == 200, put.text
    assert a.get_object(Bucket=drop, Key="anon.txt")["Body"].read() == b"from nobody"
    for method, path in (("GET", f"{public}/hidden"), ("GET", f"{public}/missing"),
                         ("GET", f"{public}"), ("GET", f"{private}/k"),
                         ("HEAD", f"{private}/missing"), ("PUT", f"{public}/new"),
                         ("GET", "")):
        resp = requests.request(method, f"{url}/{path}", data=b"x" if method == "PUT" else None,
                                timeout=30)
        assert resp.status_code == 403, (method, path, resp.status_code)
        if method != "HEAD":
            assert "<Code>AccessDenied</Code>" in resp.text
            assert resp.headers["x-amz-request-id"] in resp.text
    # public-read-write lets anyone delete too, as on S3.
    assert requests.delete(f"{url}/{drop}/anon.txt", timeout=30).status_code == 204


def test_object_acls_live_in_swift_metadata(accounts: dict[str, Account], bucket: str) -> None:
    """PutObjectAcl rewrites an object's metadata in place (a Swift POST): the content
    headers, user metadata, checksum and a multipart object's ETag all stay."""
    a, b = accounts["a"].client, accounts["b"]
    a.put_object(Bucket=bucket, Key="plain", Body=b"p" * 100, ContentType="text/plain",
                 Metadata={"colour": "blue"}, ChecksumAlgorithm="SHA256")
    one_part_upload(a, bucket, "multi", b"m" * 100)
    for key in ("plain", "multi"):
        before = a.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        a.put_object_acl(Bucket=bucket, Key=key, GrantRead=f'id="{b.id}"',
                         GrantFullControl=f'id="{accounts["a"].id}"')
        after = a.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        for field in ("ETag", "ContentType", "Metadata", "ContentLength", "ChecksumSHA256"):
            assert after.get(field) == before.get(field), (key, field)
        assert b.client.get_object(Bucket=bucket, Key=key)["Body"].read()[:1] in (b"p", b"m")
        grants = a.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        assert {(g["Grantee"]["ID"], g["Permission"]) for g in grants} == {
            (b.id, "READ"), (accounts["a"].id, "FULL_CONTROL")}


def test_copy_from_a_bucket_of_another_account(accounts: dict[str, Account],
                                               names: list[str]) -> None:
    """Swift copies across accounts (``X-Copy-From-Account``) once READ is granted."""
    a, b = accounts["a"].client, accounts["b"]
    source, target = _name("src"), _name("dst")
    names.append(source)
    a.create_bucket(Bucket=source)
    a.put_object(Bucket=source, Key="granted", Body=b"g" * 64, GrantRead=f'id="{b.id}"')
    one_part_upload(a, source, "multi", b"m" * 64, GrantRead=f'id="{b.id}"')
    a.put_object(Bucket=source, Key="private", Body=b"p")
    b.client.create_bucket(Bucket=target)
    try:
        for key, body in (("granted", b"g" * 64), ("multi", b"m" * 64)):
            b.client.copy_object(Bucket=target, Key=key,
                                 CopySource={"Bucket": source, "Key": key})
            assert b.client.get_object(Bucket=target, Key=key)["Body"].read() == body
        _denied(lambda: b.client.copy_object(Bucket=target, Key="p",
                                             CopySource={"Bucket": source, "Key": "private"}))
    finally:
        for key in ("granted", "multi"):
            b.client.delete_object(Bucket=target, Key=key)
        b.client.delete_bucket(Bucket=target)


def _buckets_command(env: GatewayEnv, *args: str) -> str:
    result = subprocess.run(s3swift_command("buckets", "--data-dir", str(env.data_dir), *args),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_containers_made_through_swift_are_adopted(
        gateway_env: GatewayEnv, accounts: dict[str, Account], swift_admin_conn: Any) -> None:
    """A container the registry does not name serves its own account only; ``s3swift
    buckets repair`` registers it, after which grants reach it from other accounts."""
    b, c = accounts["b"], accounts["c"]
    legacy = _name("legacy")
    storage_url, token = swift_admin_conn.get_auth()
    put_container(f"{storage_url.rsplit('/', 1)[0]}/{b.account}", token, legacy)
    try:
        b.client.put_object(Bucket=legacy, Key="k", Body=b"old data")
        anonymous = requests.get(f"{gateway_env.endpoint}/{legacy}/k", timeout=30)
        assert anonymous.status_code == 403  # never another's unregistered container
        repaired = _buckets_command(gateway_env, "repair", "--account", b.account)
        assert f"{legacy}\t{b.account}\tregistered\n" in repaired
        assert f"{legacy}\t{b.account}\n" in _buckets_command(gateway_env, "list")
        with pytest.raises(ClientError) as info:
            c.client.create_bucket(Bucket=legacy)
        assert error_of(info) == ("BucketAlreadyExists", 409)
        b.client.put_object_acl(Bucket=legacy, Key="k", ACL="public-read")
        assert requests.get(f"{gateway_env.endpoint}/{legacy}/k", timeout=30).content == \
            b"old data"
    finally:
        b.client.delete_object(Bucket=legacy, Key="k")
        b.client.delete_bucket(Bucket=legacy)



def test_policy_by_principal_prefix_and_ip_over_acls(
        gateway_env: GatewayEnv, accounts: dict[str, Account], names: list[str]) -> None:
    a, b, c = accounts["a"].client, accounts["b"], accounts["c"]
    name = _name("policy")
    names.append(name)
    a.create_bucket(Bucket=name)
    for key in ("k", "blocked-1"):
        a.put_object(Bucket=name, Key=key, Body=b"public", ACL="public-read")
    arn = f"arn:aws:s3:::{name}"
    a.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{b.account}:root"},
         "Action": "s3:GetObject", "Resource": f"{arn}/k"},
        {"Effect": "Allow", "Principal": {"CanonicalUser": c.id}, "Action": "s3:ListBucket",
         "Resource": arn, "Condition": {"StringEquals": {"s3:prefix": "docs/"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"{arn}/blocked*", "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},
    ]}))
    _denied(lambda: b.client.get_object(Bucket=name, Key="k"))  # Deny beats the ACL grant
    assert requests.get(f"{gateway_env.endpoint}/{name}/k", timeout=30).content == b"public"
    assert c.client.list_objects_v2(Bucket=name, Prefix="docs/")["KeyCount"] == 0
    _denied(lambda: c.client.list_objects_v2(Bucket=name))
    blocked = requests.get(f"{gateway_env.endpoint}/{name}/blocked-1", timeout=30)
    assert blocked.status_code == 403 and "<Code>AccessDenied</Code>" in blocked.text


def test_uploads_name_their_initiator_and_owner(accounts: dict[str, Account],
                                                names: list[str]) -> None:
    """B (granted WRITE on A's bucket) starts an upload: A's ListMultipartUploads and
    B's ListParts name B as initiator and owner, read from the one marker listing."""
    a, b = accounts["a"], accounts["b"]
    name = _name("uploads")
    names.append(name)
    a.client.create_bucket(Bucket=name, GrantWrite=f'id="{b.id}"',
                           GrantFullControl=f'id="{a.id}"')
    theirs = b.client.create_multipart_upload(Bucket=name, Key="theirs")["UploadId"]
    a.client.create_multipart_upload(Bucket=name, Key="mine")
    listed = a.client.list_multipart_uploads(Bucket=name)["Uploads"]
    assert [(u["Key"], u["Initiator"], u["Owner"]) for u in listed] == [
        ("mine", {"ID": a.id, "DisplayName": a.account}, {"ID": a.id, "DisplayName": a.account}),
        ("theirs", {"ID": b.id, "DisplayName": b.account},
         {"ID": b.id, "DisplayName": b.account})]
    parts = a.client.list_parts(Bucket=name, Key="theirs", UploadId=theirs)
    assert parts["Initiator"] == parts["Owner"] == {"ID": b.id, "DisplayName": b.account}
    # No Abort (each waits out the settle period): DeleteBucket drops the uploads.
