"""The ACL model: grants of S3's five permissions to users and groups.

An ``Acl`` is what S3 calls an access control policy: an owner and a list of
grants. Canned ACLs (``x-amz-acl``) expand to grants here, as S3 defines them;
``allows`` is the one place that reads a grant list. The stored form
(``to_bytes``/``from_bytes``) is a short JSON document: a bucket's is its
``acl`` bucket document, an object's rides in the object's metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gateway import errors
from gateway.authz.identity import Principal

READ = "READ"
WRITE = "WRITE"
READ_ACP = "READ_ACP"
WRITE_ACP = "WRITE_ACP"
FULL_CONTROL = "FULL_CONTROL"
PERMISSIONS = (READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL)

CANONICAL_USER = "CanonicalUser"
GROUP = "Group"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY})
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})

CANNED_ACLS = frozenset({
    "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
    "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write"})


@dataclass(frozen=True)
class Owner:
    """An account as ACLs show it: canonical id and display name."""

    id: str
    name: str = ""


@dataclass(frozen=True)
class Grantee:
    """A canonical user (``value`` its id) or a group (``value`` its URI)."""

    kind: str
    value: str
    name: str = ""

    def includes(self, principal: Principal) -> bool:
        if self.kind == GROUP:
            if self.value == ALL_USERS:
                return True
            return self.value == AUTHENTICATED_USERS and not principal.is_anonymous
        return principal.canonical_id == self.value


@dataclass(frozen=True)
class Grant:
    grantee: Grantee
    permission: str


@dataclass(frozen=True)
class Acl:
    """An owner and the grants of a bucket or object."""

    owner: Owner
    grants: tuple[Grant, ...]

    def allows(self, principal: Principal, permission: str) -> bool:
        """Whether a grant gives ``principal`` ``permission`` (FULL_CONTROL gives all)."""
        return any(grant.permission in (permission, FULL_CONTROL)
                   and grant.grantee.includes(principal) for grant in self.grants)

    def is_owned_by(self, principal: Principal) -> bool:
        return principal.canonical_id == self.owner.id

    @property
    def is_public(self) -> bool:
        """Whether it grants anything to AllUsers or AuthenticatedUsers (S3's "public")."""
        return any(g.grantee.kind == GROUP and g.grantee.value in PUBLIC_GROUPS
                   for g in self.grants)

    def to_bytes(self) -> bytes:
        grants = [[g.permission, g.grantee.kind, g.grantee.value, g.grantee.name]
                  for g in self.grants]
        return json.dumps({"owner": [self.owner.id, self.owner.name], "grants": grants},
                          separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> Acl:
        doc = json.loads(raw)
        owner = Owner(*doc["owner"])
        grants = tuple(Grant(Grantee(kind, value, name), permission)
                       for permission, kind, value, name in doc["grants"])
        return cls(owner, grants)


def user(owner: Owner) -> Grantee:
    return Grantee(CANONICAL_USER, owner.id, owner.name)


def group(uri: str) -> Grantee:
    return Grantee(GROUP, uri)


def private(owner: Owner) -> Acl:
    """The ACL every bucket and object has unless told otherwise."""
    return Acl(owner, (Grant(user(owner), FULL_CONTROL),))


def canned(name: str, owner: Owner, bucket_owner: Owner | None = None) -> Acl:
    """The grants canned ACL ``name`` stands for (S3's table). ``bucket_owner``: for
    an object, the bucket's owner (``bucket-owner-*``; on a bucket they are private)."""
    grants = [Grant(user(owner), FULL_CONTROL)]
    if name == "public-read":
        grants.append(Grant(group(ALL_USERS), READ))
    elif name == "public-read-write":
        grants += [Grant(group(ALL_USERS), READ), Grant(group(ALL_USERS), WRITE)]
    elif name == "authenticated-read":
        grants.append(Grant(group(AUTHENTICATED_USERS), READ))
    elif name == "log-delivery-write":
        grants += [Grant(group(LOG_DELIVERY), WRITE), Grant(group(LOG_DELIVERY), READ_ACP)]
    elif name in ("bucket-owner-read", "bucket-owner-full-control"):
        if bucket_owner is not None and bucket_owner.id != owner.id:
            permission = READ if name == "bucket-owner-read" else FULL_CONTROL
            grants.append(Grant(user(bucket_owner), permission))
    elif name == "aws-exec-read":  # a grant to Amazon EC2, which does not exist here
        raise errors.S3NotImplemented("The canned ACL aws-exec-read is not implemented")
    elif name != "private":
        raise errors.InvalidArgument(None, ArgumentName="x-amz-acl", ArgumentValue=name)
    return Acl(owner, tuple(grants))
