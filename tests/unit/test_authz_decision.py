"""The authorization decision: who may do what under S3's ACL and policy rules."""

from __future__ import annotations

import pytest

from gateway.authz.acl import Owner, canned
from gateway.authz.decision import REQUIREMENTS, decide, may_list, requirement_of
from gateway.authz.identity import ANONYMOUS, Principal, canonical_id

OWNER = Principal("AUTH_owner")
OTHER = Principal("AUTH_other")
BUCKET_OWNER = Owner(canonical_id("AUTH_owner"), "AUTH_owner")
OTHER_OWNER = Owner(canonical_id("AUTH_other"), "AUTH_other")

LIST, READ_OBJECT, WRITE = "ListObjectsV2", "GetObject", "PutObject"
READ_ACL, WRITE_ACL = "GetBucketAcl", "PutBucketAcl"

# canned bucket ACL -> (who, operation, allowed): the table S3 documents.
BUCKET_MATRIX = [
    ("private", OTHER, LIST, False), ("private", ANONYMOUS, LIST, False),
    ("private", OTHER, WRITE, False), ("private", OWNER, LIST, True),
    ("public-read", ANONYMOUS, LIST, True), ("public-read", OTHER, LIST, True),
    ("public-read", ANONYMOUS, WRITE, False), ("public-read", OTHER, READ_ACL, False),
    ("public-read-write", ANONYMOUS, WRITE, True), ("public-read-write", OTHER, WRITE, True),
    ("public-read-write", ANONYMOUS, WRITE_ACL, False),
    ("authenticated-read", OTHER, LIST, True), ("authenticated-read", ANONYMOUS, LIST, False),
    ("authenticated-read", OTHER, WRITE, False),
    ("log-delivery-write", OTHER, LIST, False), ("log-delivery-write", OWNER, WRITE, True),
    ("bucket-owner-read", OTHER, LIST, False), ("bucket-owner-full-control", OTHER, LIST, False),
]


@pytest.mark.parametrize(("name", "who", "operation", "allowed"), BUCKET_MATRIX)
def test_canned_bucket_acls(name: str, who: Principal, operation: str, allowed: bool) -> None:
    acl = canned(name, BUCKET_OWNER)
    assert decide(who, operation, BUCKET_OWNER, bucket_acl=acl) is allowed


def test_object_acl_governs_reads_not_the_bucket_acl() -> None:
    public_object = canned("public-read", BUCKET_OWNER)
    assert decide(ANONYMOUS, READ_OBJECT, BUCKET_OWNER, object_acl=public_object)
    assert not decide(ANONYMOUS, READ_OBJECT, BUCKET_OWNER,
                      bucket_acl=canned("public-read", BUCKET_OWNER))
    assert not decide(ANONYMOUS, "GetObjectAcl", BUCKET_OWNER, object_acl=public_object)


def test_an_object_written_by_another_account_is_its_own() -> None:
    theirs = canned("private", OTHER_OWNER)
    assert decide(OTHER, READ_OBJECT, BUCKET_OWNER, object_acl=theirs)
    assert not decide(OWNER, READ_OBJECT, BUCKET_OWNER, object_acl=theirs)
    shared = canned("bucket-owner-read", OTHER_OWNER, BUCKET_OWNER)
    assert decide(OWNER, READ_OBJECT, BUCKET_OWNER, object_acl=shared)
    assert not decide(OWNER, "PutObjectAcl", BUCKET_OWNER, object_acl=shared)
    assert decide(OTHER, "PutObjectAcl", BUCKET_OWNER, object_acl=canned("public-read",
                                                                         OTHER_OWNER))
    granted_away = canned("private", OTHER_OWNER).grants  # the owner granted itself nothing
    from gateway.authz.acl import Acl
    own_but_bare = Acl(BUCKET_OWNER, granted_away)
    assert decide(OWNER, "GetObjectAcl", BUCKET_OWNER, object_acl=own_but_bare)
    assert not decide(OWNER, READ_OBJECT, BUCKET_OWNER, object_acl=own_but_bare)


def test_the_owner_keeps_the_bucket_acl_and_the_policy() -> None:
    locked = canned("private", OTHER_OWNER)  # an ACL granting the owner nothing
    for operation in (READ_ACL, WRITE_ACL, "PutBucketPolicy", "DeleteBucketPolicy"):
        assert decide(OWNER, operation, BUCKET_OWNER, bucket_acl=locked, policy="deny")
    assert not decide(OWNER, LIST, BUCKET_OWNER, bucket_acl=locked)


def test_explicit_deny_beats_any_grant_and_allow_grants_alone() -> None:
    public = canned("public-read-write", BUCKET_OWNER)
    assert not decide(ANONYMOUS, WRITE, BUCKET_OWNER, bucket_acl=public, policy="deny")
    assert not decide(OWNER, LIST, BUCKET_OWNER, policy="deny")
    assert decide(OTHER, LIST, BUCKET_OWNER, policy="allow")
    assert decide(ANONYMOUS, READ_OBJECT, BUCKET_OWNER, policy="allow")


def test_owner_only_operations_and_authenticated_ones() -> None:
    public = canned("public-read-write", BUCKET_OWNER)
    for operation in ("DeleteBucket", "GetBucketLocation", "GetBucketVersioning"):
        assert requirement_of(operation).level == "bucket-owner"
        assert decide(OWNER, operation, BUCKET_OWNER)
        assert not decide(OTHER, operation, BUCKET_OWNER, bucket_acl=public)
    assert decide(OTHER, "ListBuckets", None) and not decide(ANONYMOUS, "ListBuckets", None)
    assert not decide(ANONYMOUS, "CreateBucket", None, policy="allow")


def test_a_missing_key_is_told_only_to_who_may_list() -> None:
    assert may_list(OWNER, BUCKET_OWNER, None)
    assert not may_list(OTHER, BUCKET_OWNER, None)
    assert may_list(ANONYMOUS, BUCKET_OWNER, canned("public-read", BUCKET_OWNER))


def test_every_served_operation_has_its_requirement() -> None:
    from gateway.routing import ROUTES
    owner_only = {"DeleteBucket", "GetBucketLocation", "GetBucketVersioning",
                  "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy",
                  "GetBucketPolicyStatus", "PutBucketOwnershipControls",
                  "GetBucketOwnershipControls", "DeleteBucketOwnershipControls",
                  "PutPublicAccessBlock", "GetPublicAccessBlock", "DeletePublicAccessBlock"}
    for route in ROUTES:
        assert route.operation in REQUIREMENTS or route.operation in owner_only, route
