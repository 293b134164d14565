"""The authorization decision as S3 makes it, as a pure function.

``REQUIREMENTS`` says what each named operation needs: a bucket or object
permission (S3's ACL permissions: bucket READ lists, WRITE creates, overwrites
and deletes objects, READ_ACP/WRITE_ACP read and write the ACL, FULL_CONTROL
all; object READ reads), the bucket's owner, or only an authenticated caller.
``decide`` combines that with the bucket policy's verdict the way S3 does: an
explicit Deny wins, an Allow from the policy or a grant from the ACL grants,
a resource's owner always keeps READ_ACP/WRITE_ACP of it (as Swift's s3api
does), and the bucket owner is never locked out of the policy itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.authz.acl import READ, READ_ACP, WRITE, WRITE_ACP, Acl, Owner, private
from gateway.authz.identity import Principal

PolicyVerdict = Literal["allow", "deny", "default"]

BUCKET = "bucket"
OBJECT = "object"
BUCKET_OWNER = "bucket-owner"
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Requirement:
    """What an operation needs: ``level`` and, for bucket and object, a permission."""

    level: str
    permission: str = ""


def _needs(level: str, permission: str = "", *operations: str) -> dict[str, Requirement]:
    return {operation: Requirement(level, permission) for operation in operations}


REQUIREMENTS: dict[str, Requirement] = {
    **_needs(AUTHENTICATED, "", "ListBuckets", "CreateBucket"),
    **_needs(BUCKET, READ, "ListObjects", "ListObjectsV2", "ListObjectVersions",
             "ListMultipartUploads", "HeadBucket", "ListParts"),
    **_needs(BUCKET, WRITE, "PutObject", "CopyObject", "DeleteObject", "DeleteObjects",
             "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
             "CompleteMultipartUpload", "AbortMultipartUpload"),
    **_needs(BUCKET, READ_ACP, "GetBucketAcl"),
    **_needs(BUCKET, WRITE_ACP, "PutBucketAcl"),
    **_needs(OBJECT, READ, "GetObject", "HeadObject", "GetObjectAttributes"),
    **_needs(OBJECT, READ_ACP, "GetObjectAcl"),
    **_needs(OBJECT, WRITE_ACP, "PutObjectAcl"),
}
# Every other operation (DeleteBucket, GetBucketLocation, versioning, policy,
# ownership controls, public access block...) is the bucket owner's, or a
# policy's Allow.
OWNER_ONLY = Requirement(BUCKET_OWNER)
# What the owner may always do to its own bucket, whatever the policy says.
OWNER_ALWAYS = frozenset({"GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy",
                          "GetBucketAcl", "PutBucketAcl"})


def requirement_of(operation: str) -> Requirement:
    return REQUIREMENTS.get(operation, OWNER_ONLY)


def decide(principal: Principal, operation: str, bucket_owner: Owner | None,
           bucket_acl: Acl | None = None, object_acl: Acl | None = None,
           policy: PolicyVerdict = "default") -> bool:
    """Whether ``principal`` may do ``operation``.

    ``bucket_acl``/``object_acl`` ``None``: the resource's default, private to the
    bucket's owner (an object without an ACL of its own belongs to the bucket's
    owner). ``policy``: the bucket policy's verdict for this request.
    """
    requirement = requirement_of(operation)
    is_owner = bucket_owner is not None and principal.canonical_id == bucket_owner.id
    if is_owner and operation in OWNER_ALWAYS:
        return True
    if policy == "deny":
        return False
    if requirement.level == AUTHENTICATED:
        return not principal.is_anonymous
    if policy == "allow":
        return True
    if bucket_owner is None:
        return False
    if requirement.level == BUCKET_OWNER:
        return is_owner
    if requirement.level == OBJECT:
        acl = object_acl if object_acl is not None else private(bucket_owner)
    else:
        acl = bucket_acl if bucket_acl is not None else private(bucket_owner)
    if requirement.permission in (READ_ACP, WRITE_ACP) and acl.is_owned_by(principal):
        return True  # a resource's owner can always read and change its ACL
    return acl.allows(principal, requirement.permission)


def may_list(principal: Principal, bucket_owner: Owner | None, bucket_acl: Acl | None,
             policy: PolicyVerdict = "default") -> bool:
    """Whether ``principal`` may learn that a key is missing (S3: only with
    s3:ListBucket, bucket READ; otherwise a missing key is AccessDenied too)."""
    return decide(principal, "ListObjects", bucket_owner, bucket_acl, None, policy)
