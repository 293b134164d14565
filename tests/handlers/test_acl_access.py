"""ACLs, the bucket-name registry and anonymous requests on the real app and a
``MemoryStore``: three accounts (A owns the buckets) and the anonymous principal.

The bulk of the access matrix lives here (milliseconds per request); the
integration tests (``tests/integration/test_acl_access.py``) check the same
rules against Swift with real clients.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from gateway.app import create_app
from gateway.authz.acl import ALL_USERS
from gateway.authz.identity import canonical_id
from gateway.config import GatewayConfig
from gateway.credentials.base import Credential
from gateway.credentials.static_store import StaticCredentialStore
from gateway.storage.memory import MemoryStore
from tests.handlers.conftest import NO_SWIFT, REGION, Reply, assert_error
from tests.integration.rawhttp import sign_v4

ACCOUNTS = {"a": "AUTH_alice", "b": "AUTH_bob", "c": "AUTH_carol"}
ANON = None


@dataclass
class Clients:
    """Requests as account ``a``, ``b``, ``c`` or anonymous (``who`` None)."""

    client: TestClient
    store: MemoryStore

    async def send(self, who: str | None, method: str, path: str, body: bytes = b"",
                   headers: Mapping[str, str] | None = None) -> Reply:
        server = self.client.make_url("")
        url = str(server).rstrip("/") + path
        out = dict(headers or {})
        if who is not None:
            out = sign_v4(method, f"http://{server.authority}{path}", f"key-{who}",
                          f"secret-{who}", REGION, headers=headers, body=body)
        async with self.client.session.request(method, URL(url, encoded=True), data=body,
                                               headers=out) as resp:
            return Reply(resp.status, resp.headers, await resp.read())


@pytest.fixture
async def s3() -> AsyncIterator[Clients]:
    store = MemoryStore()
    credentials = StaticCredentialStore(
        [Credential(f"key-{who}", f"secret-{who}", account) for who, account in ACCOUNTS.items()])
    app = create_app(GatewayConfig(swift=NO_SWIFT), store=credentials, backend=store)
    async with TestClient(TestServer(app)) as client:
        yield Clients(client, store)


async def _bucket(s3: Clients, name: str, headers: Mapping[str, str] | None = None) -> None:
    """A's bucket ``name`` (ACL from ``headers``) holding object ``k`` with the same ACL."""
    assert (await s3.send("a", "PUT", f"/{name}", headers=headers)).status == 200
    reply = await s3.send("a", "PUT", f"/{name}/k", b"data", headers=headers)
    assert reply.status == 200, reply.body


# Operation families: (method, path under the bucket, body, headers).
FAMILIES = {
    "list": ("GET", "", b"", {}),
    "read": ("GET", "/k", b"", {}),
    "write": ("PUT", "/new", b"new", {}),
    "read_acp": ("GET", "?acl", b"", {}),
    "write_acp": ("PUT", "?acl", b"", {"x-amz-acl": "private"}),
}
ALL = frozenset(FAMILIES)
# canned ACL -> what account B and the anonymous principal may do (A: everything).
CANNED = {
    "private": (frozenset(), frozenset()),
    "public-read": (frozenset({"list", "read"}), frozenset({"list", "read"})),
    "public-read-write": (frozenset({"list", "read", "write"}),
                          frozenset({"list", "read", "write"})),
    "authenticated-read": (frozenset({"list", "read"}), frozenset()),
    "bucket-owner-read": (frozenset(), frozenset()),  # A writes: A owns the bucket
    "bucket-owner-full-control": (frozenset(), frozenset()),
    "log-delivery-write": (frozenset(), frozenset()),  # the LogDelivery group only
}


async def _may(s3: Clients, who: str | None, bucket: str, family: str) -> bool:
    method, suffix, body, headers = FAMILIES[family]
    reply = await s3.send(who, method, f"/{bucket}{suffix}", body, headers)
    if reply.status != 200:
        assert_error(reply, "AccessDenied", 403)
    return reply.status == 200


async def test_canned_acl_matrix(s3: Clients) -> None:
    for canned, (for_b, for_anonymous) in CANNED.items():
        bucket = f"canned-{canned}"
        await _bucket(s3, bucket, {"x-amz-acl": canned})
        for who, allowed in (("b", for_b), (ANON, for_anonymous), ("a", ALL)):
            # write_acp last: it resets the ACL to private.
            for family in ("list", "read", "write", "read_acp", "write_acp"):
                got = await _may(s3, who, bucket, family)
                assert got is (family in allowed), (canned, who, family)
            if who == "a":
                continue
            await s3.send("a", "PUT", f"/{bucket}?acl", headers={"x-amz-acl": canned})


@pytest.mark.parametrize(("header", "families"), [
    ("x-amz-grant-read", {"list"}),
    ("x-amz-grant-write", {"write"}),
    ("x-amz-grant-read-acp", {"read_acp"}),
    ("x-amz-grant-write-acp", {"write_acp"}),
    ("x-amz-grant-full-control", {"list", "write", "read_acp", "write_acp"}),
])
async def test_grant_headers_give_exactly_their_permission(s3: Clients, header: str,
                                                           families: set[str]) -> None:
    # With grant headers the ACL is exactly those grants: the owner lists itself.
    grants = {"x-amz-grant-full-control": f'id="{canonical_id(ACCOUNTS["a"])}"'}
    given = f'id="{canonical_id(ACCOUNTS["b"])}"'
    grants[header] = f"{grants[header]}, {given}" if header in grants else given
    await _bucket(s3, "granted", grants)
    for family in ("list", "write", "read_acp", "write_acp"):
        assert await _may(s3, "b", "granted", family) is (family in families), family
        assert not await _may(s3, "c", "granted", family), family
    # The object got the same grant; READ on it is what "read" needs.
    assert await _may(s3, "b", "granted", "read") is (
        header in ("x-amz-grant-read", "x-amz-grant-full-control"))


async def test_without_a_grant_missing_and_existing_keys_look_alike(s3: Clients) -> None:
    await _bucket(s3, "private-b")
    for who in ("b", ANON):
        for key in ("k", "missing"):
            for method in ("GET", "HEAD"):
                reply = await s3.send(who, method, f"/private-b/{key}")
                assert reply.status == 403, (who, key, method)
    await _bucket(s3, "listable", {"x-amz-acl": "public-read"})
    assert_error(await s3.send(ANON, "GET", "/listable/missing"), "NoSuchKey", 404)


async def test_one_namespace_of_bucket_names(s3: Clients) -> None:
    await _bucket(s3, "photos")
    assert_error(await s3.send("b", "PUT", "/photos"), "BucketAlreadyExists", 409)
    assert (await s3.send("a", "PUT", "/photos")).status == 200  # us-east-1's legacy answer
    listed = await s3.send("b", "GET", "/")
    assert listed.texts("Buckets/Bucket/Name") == []
    assert listed.text("Owner/ID") == canonical_id(ACCOUNTS["b"])
    assert listed.text("Owner/DisplayName") == ACCOUNTS["b"]
    assert_error(await s3.send("b", "GET", "/photos"), "AccessDenied", 403)
    assert (await s3.send("a", "DELETE", "/photos/k")).status == 204
    assert (await s3.send("a", "DELETE", "/photos")).status == 204
    assert (await s3.send("b", "PUT", "/photos")).status == 200  # the name was freed
    assert await s3.store.bucket_name_owner("photos") == ACCOUNTS["b"]


async def test_anonymous_requests_reach_only_what_is_granted(s3: Clients) -> None:
    assert_error(await s3.send(ANON, "GET", "/"), "AccessDenied", 403)
    assert_error(await s3.send(ANON, "PUT", "/anon-bucket"), "AccessDenied", 403)
    await s3.store.create_bucket(ACCOUNTS["a"], "made-in-swift")  # not in the registry
    assert_error(await s3.send(ANON, "GET", "/made-in-swift"), "AccessDenied", 403)
    assert (await s3.send("a", "GET", "/made-in-swift")).status == 200  # its owner's
    await _bucket(s3, "drop", {"x-amz-acl": "public-read-write"})
    assert (await s3.send(ANON, "PUT", "/drop/anon", b"hi")).status == 200
    assert (await s3.send(ANON, "GET", "/drop/anon")).status == 403  # private object
    assert (await s3.send("a", "GET", "/drop/anon")).body == b"hi"  # the bucket owner's


async def test_objects_written_by_another_account_are_the_writers(s3: Clients) -> None:
    await _bucket(s3, "shared", {"x-amz-acl": "public-read-write"})
    assert (await s3.send("b", "PUT", "/shared/theirs", b"b's")).status == 200
    assert_error(await s3.send("a", "GET", "/shared/theirs"), "AccessDenied", 403)
    acl = await s3.send("b", "GET", "/shared/theirs?acl")
    assert acl.text("Owner/ID") == canonical_id(ACCOUNTS["b"])
    headers = {"x-amz-acl": "bucket-owner-read"}
    assert (await s3.send("b", "PUT", "/shared/given", b"g", headers)).status == 200
    assert (await s3.send("a", "GET", "/shared/given")).body == b"g"
    assert_error(await s3.send("a", "PUT", "/shared/given?acl", headers={"x-amz-acl": "private"}),
                 "AccessDenied", 403)
    assert (await s3.send("a", "DELETE", "/shared/theirs")).status == 204  # bucket WRITE


async def test_object_acls_set_read_and_not_copied(s3: Clients) -> None:
    await _bucket(s3, "objs")
    b_id = canonical_id(ACCOUNTS["b"])
    body = (f'<AccessControlPolicy><Owner><ID>{canonical_id(ACCOUNTS["a"])}</ID></Owner>'
            '<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/'
            f'XMLSchema-instance" xsi:type="CanonicalUser"><ID>{b_id}</ID></Grantee>'
            "<Permission>READ</Permission></Grant></AccessControlList>"
            "</AccessControlPolicy>").encode()
    assert (await s3.send("a", "PUT", "/objs/k?acl", body)).status == 200
    assert (await s3.send("b", "GET", "/objs/k")).body == b"data"
    assert_error(await s3.send("c", "GET", "/objs/k"), "AccessDenied", 403)
    acl = await s3.send("a", "GET", "/objs/k?acl")
    assert acl.texts("AccessControlList/Grant/Grantee/ID") == [b_id]
    public = {"x-amz-acl": "public-read"}
    assert (await s3.send("a", "PUT", "/objs/pub", b"p", public)).status == 200
    copied = {"x-amz-copy-source": "/objs/pub"}
    assert (await s3.send("a", "PUT", "/objs/copy", headers=copied)).status == 200
    assert (await s3.send(ANON, "GET", "/objs/pub")).status == 200
    assert (await s3.send(ANON, "GET", "/objs/copy")).status == 403  # not the source's ACL
    assert_error(await s3.send("b", "PUT", "/objs/stolen", headers=copied), "AccessDenied", 403)


async def test_multipart_acl_is_applied_at_complete(s3: Clients) -> None:
    await _bucket(s3, "mpu")
    created = await s3.send("a", "POST", "/mpu/big?uploads", headers={"x-amz-acl": "public-read"})
    upload_id = created.text("UploadId")
    part = await s3.send("a", "PUT", f"/mpu/big?partNumber=1&uploadId={upload_id}", b"x" * 10)
    etag = part.headers["ETag"]
    done = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>"
            "</Part></CompleteMultipartUpload>").encode()
    assert (await s3.send("a", "POST", f"/mpu/big?uploadId={upload_id}", done)).status == 200
    assert (await s3.send(ANON, "GET", "/mpu/big")).body == b"x" * 10


@pytest.mark.parametrize(("headers", "body", "code"), [
    ({"x-amz-acl": "public-read", "x-amz-grant-read": f'uri="{ALL_USERS}"'}, b"",
     "InvalidRequest"),
    ({"x-amz-acl": "no-such-acl"}, b"", "InvalidArgument"),
    ({"x-amz-grant-read": 'emailAddress="x@example.com"'}, b"",
     "UnresolvableGrantByEmailAddress"),
    ({}, b"<AccessControlPolicy><Owner/></AccessControlPolicy>", "MalformedACLError"),
    ({}, b"", "MissingSecurityHeader"),
    ({"x-amz-acl": "private"}, b"<AccessControlPolicy/>", "UnexpectedContent"),
])
async def test_bad_acls_get_s3s_errors_and_change_nothing(
        s3: Clients, headers: dict[str, str], body: bytes, code: str) -> None:
    await _bucket(s3, "strict", {"x-amz-acl": "public-read"})
    reply = await s3.send("a", "PUT", "/strict?acl", body, headers)
    assert_error(reply, code, 400)
    assert (await s3.send(ANON, "GET", "/strict")).status == 200  # still public-read
    if body or not headers:  # the rest is about ACL headers on a write
        return
    assert_error(await s3.send("a", "PUT", "/strict/new", b"x", headers), code, 400)
    assert (await s3.send("a", "HEAD", "/strict/new")).status == 404


async def test_copies_need_read_on_the_source_and_write_on_the_destination(
        s3: Clients) -> None:
    await _bucket(s3, "src-a")
    headers = {"x-amz-grant-read": f'id="{canonical_id(ACCOUNTS["b"])}"'}
    assert (await s3.send("a", "PUT", "/src-a/granted", b"g", headers)).status == 200
    assert (await s3.send("b", "PUT", "/dst-b")).status == 200
    copy = {"x-amz-copy-source": "/src-a/granted"}
    assert (await s3.send("b", "PUT", "/dst-b/copy", headers=copy)).status == 200
    assert (await s3.send("b", "GET", "/dst-b/copy")).body == b"g"
    assert_error(await s3.send("b", "PUT", "/dst-b/k", headers={"x-amz-copy-source": "/src-a/k"}),
                 "AccessDenied", 403)
    assert_error(await s3.send("b", "PUT", "/dst-b/m",
                               headers={"x-amz-copy-source": "/src-a/missing"}),
                 "AccessDenied", 403)  # B may not list src-a: missing looks like private
    assert_error(await s3.send("c", "PUT", "/dst-b/x", headers=copy), "AccessDenied", 403)
    created = await s3.send("b", "POST", "/dst-b/mp?uploads")
    upload_id = created.text("UploadId")
    part = await s3.send("b", "PUT", f"/dst-b/mp?partNumber=1&uploadId={upload_id}",
                         headers=copy)
    assert part.status == 200, part.body
    assert_error(await s3.send("b", "PUT", f"/dst-b/mp?partNumber=2&uploadId={upload_id}",
                               headers={"x-amz-copy-source": "/src-a/k"}), "AccessDenied", 403)


async def test_an_upload_by_another_account_names_it_as_initiator_and_owner(
        s3: Clients) -> None:
    await _bucket(s3, "uploads-b", {"x-amz-acl": "public-read-write"})
    created = await s3.send("b", "POST", "/uploads-b/theirs?uploads")
    upload_id = created.text("UploadId")
    listed = await s3.send("b", "GET", f"/uploads-b/theirs?uploadId={upload_id}")
    assert listed.text("Initiator/ID") == listed.text("Owner/ID") == canonical_id(ACCOUNTS["b"])
    assert listed.text("Owner/DisplayName") == ACCOUNTS["b"]
    assert (await s3.send("a", "POST", "/uploads-b/mine?uploads")).status == 200
    # BucketOwnerPreferred with bucket-owner-full-control: C initiates, A will own.
    preferred = (b"<OwnershipControls><Rule><ObjectOwnership>BucketOwnerPreferred"
                 b"</ObjectOwnership></Rule></OwnershipControls>")
    md5 = base64.b64encode(hashlib.md5(preferred).digest()).decode()
    reply = await s3.send("a", "PUT", "/uploads-b?ownershipControls", preferred,
                          {"Content-MD5": md5})
    assert reply.status == 200, reply.body
    assert (await s3.send("c", "POST", "/uploads-b/given?uploads",
                          headers={"x-amz-acl": "bucket-owner-full-control"})).status == 200
    listing = await s3.send("a", "GET", "/uploads-b?uploads")
    a, b, c = (canonical_id(ACCOUNTS[who]) for who in "abc")
    assert list(zip(listing.texts("Upload/Key"), listing.texts("Upload/Initiator/ID"),
                    listing.texts("Upload/Initiator/DisplayName"),
                    listing.texts("Upload/Owner/ID"), strict=True)) == [
        ("given", c, ACCOUNTS["c"], a), ("mine", a, ACCOUNTS["a"], a),
        ("theirs", b, ACCOUNTS["b"], b)]


async def test_conditions_and_ranges_tell_nothing_without_read(s3: Clients) -> None:
    await _bucket(s3, "quiet")
    for headers in ({"If-Match": '"nope"'}, {"Range": "bytes=100-200"},
                    {"If-None-Match": "*"}):
        assert_error(await s3.send("b", "GET", "/quiet/k", headers=headers), "AccessDenied", 403)
    assert_error(await s3.send("b", "GET", "/quiet/k?partNumber=9"), "AccessDenied", 403)


def _policy(effect: str, who: str, action: str, resource: str) -> bytes:
    principal = "*" if who == "*" else {"AWS": f"arn:aws:iam::{ACCOUNTS[who]}:root"}
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": effect, "Principal": principal, "Action": action,
        "Resource": resource}]}).encode()


async def _put_policy(s3: Clients, bucket: str, document: bytes) -> None:
    md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
    reply = await s3.send("a", "PUT", f"/{bucket}?policy", document, {"Content-MD5": md5})
    assert reply.status == 204, reply.body


async def test_policy_and_acls_combine_as_on_s3(s3: Clients) -> None:
    await _bucket(s3, "pol", {"x-amz-acl": "public-read"})
    await _put_policy(s3, "pol", _policy("Deny", "b", "s3:GetObject", "arn:aws:s3:::pol/*"))
    assert_error(await s3.send("b", "GET", "/pol/k"), "AccessDenied", 403)  # deny beats ACL
    assert (await s3.send("c", "GET", "/pol/k")).status == 200
    assert (await s3.send("b", "GET", "/pol")).status == 200  # only GetObject was denied
    await _bucket(s3, "pol2")
    await _put_policy(s3, "pol2", _policy("Allow", "b", "s3:ListBucket", "arn:aws:s3:::pol2"))
    assert (await s3.send("b", "GET", "/pol2")).status == 200  # allow grants alone
    assert_error(await s3.send("c", "GET", "/pol2"), "AccessDenied", 403)
    await _put_policy(s3, "pol2", _policy("Deny", "a", "s3:*", "arn:aws:s3:::pol2"))
    assert_error(await s3.send("a", "GET", "/pol2"), "AccessDenied", 403)
    assert (await s3.send("a", "DELETE", "/pol2?policy")).status == 204  # never locked out


async def test_bucket_owner_enforced_disables_acls(s3: Clients) -> None:
    headers = {"x-amz-object-ownership": "BucketOwnerEnforced"}
    assert (await s3.send("a", "PUT", "/enforced", headers=headers)).status == 200
    assert_error(await s3.send("a", "PUT", "/enforced2", headers={
        **headers, "x-amz-acl": "public-read"}), "InvalidBucketAclWithObjectOwnership", 400)
    assert_error(await s3.send("a", "PUT", "/enforced/k", b"x", {"x-amz-acl": "public-read"}),
                 "AccessControlListNotSupported", 400)
    assert_error(await s3.send("a", "PUT", "/enforced?acl", headers={"x-amz-acl": "public-read"}),
                 "AccessControlListNotSupported", 400)
    full = {"x-amz-acl": "bucket-owner-full-control"}
    assert (await s3.send("a", "PUT", "/enforced/k", b"x", full)).status == 200
    assert (await s3.send(ANON, "GET", "/enforced/k")).status == 403


async def test_public_access_block(s3: Clients) -> None:
    await _bucket(s3, "blocked", {"x-amz-acl": "public-read"})
    flags = ("<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
             "<IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>")
    md5 = base64.b64encode(hashlib.md5(flags.encode()).digest()).decode()
    reply = await s3.send("a", "PUT", "/blocked?publicAccessBlock", flags.encode(),
                          {"Content-MD5": md5})
    assert reply.status == 200, reply.body
    assert (await s3.send(ANON, "GET", "/blocked/k")).status == 403  # public grants ignored
    assert_error(await s3.send("a", "PUT", "/blocked/new", b"x", {"x-amz-acl": "public-read"}),
                 "AccessDenied", 403)


async def test_policy_variables_give_each_account_its_own_home(s3: Clients) -> None:
    await _bucket(s3, "homes")
    for who in ("b", "c"):
        key = f"/homes/home/{ACCOUNTS[who]}/notes"
        assert (await s3.send("a", "PUT", key, who.encode())).status == 200
    await _put_policy(s3, "homes", _policy(
        "Allow", "*", "s3:GetObject", "arn:aws:s3:::homes/home/${aws:username}/*"))
    assert (await s3.send("b", "GET", f"/homes/home/{ACCOUNTS['b']}/notes")).body == b"b"
    assert_error(await s3.send("b", "GET", f"/homes/home/{ACCOUNTS['c']}/notes"),
                 "AccessDenied", 403)
    assert (await s3.send("c", "GET", f"/homes/home/{ACCOUNTS['c']}/notes")).body == b"c"
    assert_error(await s3.send(ANON, "GET", "/homes/home/anonymous/notes"),
                 "AccessDenied", 403)  # no aws:username: the statement does not apply


@pytest.mark.parametrize(("canned", "a_may"), [
    ("private", set()), ("bucket-owner-read", {"GET"}),
    ("bucket-owner-full-control", {"GET", "GET?acl", "PUT?acl"})])
async def test_bucket_owner_acls_on_an_object_another_account_wrote(
        s3: Clients, canned: str, a_may: set[str]) -> None:
    await _bucket(s3, "drop-box", {"x-amz-acl": "public-read-write"})
    reply = await s3.send("b", "PUT", "/drop-box/from-b", b"b", {"x-amz-acl": canned})
    assert reply.status == 200, reply.body
    for who, allowed in (("a", a_may), ("c", set())):
        for method, query in (("GET", ""), ("GET", "?acl"), ("PUT", "?acl")):
            headers = {"x-amz-acl": canned} if method == "PUT" else {}
            got = await s3.send(who, method, f"/drop-box/from-b{query}", headers=headers)
            assert (got.status == 200) is (method + query in allowed), (canned, who, method,
                                                                       query, got.status)
