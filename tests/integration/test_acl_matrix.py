"""The access matrix on Swift: every canned ACL x every operation family x who asks.

Three accounts (A owns the buckets; B and C are other accounts) and the
anonymous principal; one bucket per canned ACL, made by A with that ACL and
holding A's object ``k`` with the same canned ACL (``private`` where S3 has no
such object ACL). Each cell is one plain HTTP request, signed with SigV4 for
an account, unsigned for anonymous: allowed cells answer 2xx, denied ones 403
AccessDenied, exactly as S3 defines the permissions (bucket READ lists objects
and uploads, WRITE puts and deletes, object READ gets and heads; the ACLs
themselves are their owner's here, since no canned ACL grants READ_ACP or
WRITE_ACP to B, C or everyone). The buckets run side by side, one thread each;
the in-memory matrix (``tests/handlers/test_acl_access.py``) covers grant headers.
"""

from __future__ import annotations

import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.conftest import GatewayEnv, create_credential
from tests.integration.rawhttp import sign_v4

EVERYONE = frozenset({"b", "c", "anonymous"})
ACCOUNTS = frozenset({"b", "c"})
NOBODY: frozenset[str] = frozenset()
# canned ACL -> (who of B, C, anonymous has bucket READ, bucket WRITE, object READ).
CANNED = {
    "private": (NOBODY, NOBODY, NOBODY),
    "public-read": (EVERYONE, NOBODY, EVERYONE),
    "public-read-write": (EVERYONE, EVERYONE, EVERYONE),
    "authenticated-read": (ACCOUNTS, NOBODY, ACCOUNTS),
    "bucket-owner-read": (NOBODY, NOBODY, NOBODY),  # A writes: A is the bucket owner
    "bucket-owner-full-control": (NOBODY, NOBODY, NOBODY),
    "log-delivery-write": (NOBODY, NOBODY, NOBODY),  # the LogDelivery group only
}
BUCKET_ONLY = frozenset({"log-delivery-write"})
# operation -> (method, path under the bucket, headers, which permission it needs);
# {canned} and {who} are filled in. Put*Acl set the same canned ACL again.
OPERATIONS = {
    "ListObjects": ("GET", "", {}, "bucket-read"),
    "ListMultipartUploads": ("GET", "?uploads", {}, "bucket-read"),
    "GetObject": ("GET", "/k", {}, "object-read"),
    "HeadObject": ("HEAD", "/k", {}, "object-read"),
    "PutObject": ("PUT", "/new-{who}", {}, "bucket-write"),
    "DeleteObject": ("DELETE", "/new-{who}", {}, "bucket-write"),
    "GetBucketAcl": ("GET", "?acl", {}, "owner"),
    "PutBucketAcl": ("PUT", "?acl", {"x-amz-acl": "{canned}"}, "owner"),
    "GetObjectAcl": ("GET", "/k?acl", {}, "owner"),
    "PutObjectAcl": ("PUT", "/k?acl", {"x-amz-acl": "{object_canned}"}, "owner"),
}


def expected(canned: str, who: str, need: str) -> bool:
    if who == "a":
        return True
    bucket_read, bucket_write, object_read = CANNED[canned]
    return who in {"bucket-read": bucket_read, "bucket-write": bucket_write,
                   "object-read": object_read}.get(need, NOBODY)


@dataclasses.dataclass(frozen=True)
class Caller:
    name: str
    env: GatewayEnv | None  # None: anonymous

    def send(self, session: requests.Session, method: str, url: str,
             headers: dict[str, str], body: bytes = b"") -> requests.Response:
        if self.env is not None:
            headers = sign_v4(method, url, self.env.access_key, self.env.secret_key,
                              self.env.region, headers=headers, body=body)
        return session.request(method, url, headers=headers, data=body, timeout=60)


@pytest.fixture(scope="module")
def callers(gateway_env: GatewayEnv) -> dict[str, Caller]:
    def keyed() -> GatewayEnv:
        access, secret, _ = create_credential(gateway_env)
        return dataclasses.replace(gateway_env, access_key=access, secret_key=secret)
    return {"a": Caller("a", gateway_env), "b": Caller("b", keyed()),
            "c": Caller("c", keyed()), "anonymous": Caller("anonymous", None)}


def _cells(endpoint: str, callers: dict[str, Caller], canned: str) -> list[str]:
    """Run one canned ACL's row of the matrix; the cells that went wrong."""
    bucket = f"matrix-{canned}-{uuid.uuid4().hex[:8]}"
    base = f"{endpoint}/{bucket}"
    object_canned = "private" if canned in BUCKET_ONLY else canned
    owner = callers["a"]
    wrong: list[str] = []
    with requests.Session() as session:
        made = owner.send(session, "PUT", base, {"x-amz-acl": canned})
        assert made.status_code == 200, made.text
        put = owner.send(session, "PUT", f"{base}/k", {"x-amz-acl": object_canned}, b"data")
        assert put.status_code == 200, put.text
        try:
            for who, caller in callers.items():
                for operation, (method, path, headers, need) in OPERATIONS.items():
                    filled = {name: value.format(canned=canned, object_canned=object_canned)
                              for name, value in headers.items()}
                    body = b"x" if operation == "PutObject" else b""
                    reply = caller.send(session, method, base + path.format(who=who), filled,
                                        body)
                    allowed = expected(canned, who, need)
                    ok = 200 <= reply.status_code < 300 if allowed else (
                        reply.status_code == 403
                        and (method == "HEAD" or "<Code>AccessDenied</Code>" in reply.text))
                    if not ok:
                        wrong.append(f"{canned} {who} {operation}: {reply.status_code} "
                                     f"(expected {'allowed' if allowed else 'AccessDenied'})")
        finally:
            for key in ("k", *(f"new-{who}" for who in callers)):
                owner.send(session, "DELETE", f"{base}/{key}", {})
            owner.send(session, "DELETE", base, {})
    return wrong


def test_canned_acls_by_operation_and_caller(gateway_env: GatewayEnv,
                                             callers: dict[str, Caller]) -> None:
    with ThreadPoolExecutor(max_workers=len(CANNED)) as pool:
        rows = pool.map(lambda canned: _cells(gateway_env.endpoint, callers, canned), CANNED)
        wrong = [cell for row in rows for cell in row]
    assert wrong == []


def test_the_table_covers_every_canned_acl_and_family() -> None:
    from gateway.authz.acl import CANNED_ACLS
    assert set(CANNED) == CANNED_ACLS - {"aws-exec-read"}  # NotImplemented: no EC2
    assert len(OPERATIONS) * 4 * len(CANNED) == 280
    assert expected("public-read-write", "anonymous", "bucket-write")
    assert not expected("authenticated-read", "anonymous", "object-read")
    assert not any(expected(c, w, "owner") for c in CANNED for w in EVERYONE)
