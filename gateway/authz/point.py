"""The one authorization point: every request passes here after routing named it.

``authorize`` knows the principal (account or anonymous), the named operation,
the bucket's owner (the registry, cached), its ACL and policy (cached,
``gateway.authz.cache``) and decides with ``decision.decide``. It sets
``req.bucket_account``, so the handler acts on the owner's account, and
``req.access``, which handlers ask once they hold an object's record: an
object's ACL comes with its metadata (``ObjectInfo.acl``), so checking it
costs no extra round trip (``check_object``). ``guard_missing`` turns a
missing key into AccessDenied for whoever may not list the bucket, so nobody
learns whether another's object exists.

Unregistered names (containers made through Swift, or before the registry):
served as the signer's own bucket, private, exactly as before; anonymous
requests never reach them. CreateBucket and PutBucketAcl register them
(``gateway.handlers.bucket``, ``acl``), and so does ``s3swift buckets repair``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway import errors
from gateway.appkeys import BUCKET_ACCESS, POLICY_PORT
from gateway.authz.acl import GROUP, PUBLIC_GROUPS, Acl, Grant, Owner
from gateway.authz.cache import BucketAccess
from gateway.authz.decision import OBJECT, PolicyVerdict, decide, requirement_of
from gateway.authz.identity import Principal
from gateway.authz.policy_port import PolicyPort, resource_arn
from gateway.policy.access_block import NOTHING_BLOCKED, PublicAccessBlock, restricted_decision
from gateway.policy.ownership import BUCKET_OWNER_ENFORCED, OBJECT_WRITER
from gateway.s3request import S3Request, owner_of
from gateway.storage.records import ObjectInfo


@dataclass
class RequestAccess:
    """One request's principal and the bucket's access state, decided on demand.

    ``ownership``: the bucket's object ownership (BucketOwnerEnforced: ACLs do not
    apply, only the owner and the policy); ``block``: its public access block
    (IgnorePublicAcls drops public grants, RestrictPublicBuckets limits a public
    policy's Allow to the owner's account).
    """

    principal: Principal
    bucket: str
    key: str | None
    bucket_owner: Owner
    bucket_acl: Acl | None
    policy: Any = None  # policy_port.BucketPolicy
    port: PolicyPort | None = None
    request: Any = None  # the S3Request, for policy conditions
    registered: bool = True  # False: a container the registry does not name
    account: str = ""  # where the bucket's data lives (its owner's account)
    ownership: str = OBJECT_WRITER
    block: PublicAccessBlock = NOTHING_BLOCKED
    _verdicts: dict[tuple[str, str | None], PolicyVerdict] = field(default_factory=dict)
    _conditions: Any = None  # the request's condition keys, built at the first verdict

    @property
    def acls_apply(self) -> bool:
        return self.ownership != BUCKET_OWNER_ENFORCED

    def verdict(self, operation: str, key: str | None = None) -> PolicyVerdict:
        if self.policy is None or self.port is None:
            return "default"
        memo = (operation, key)
        if memo not in self._verdicts:
            if self._conditions is None:  # one request: the same keys for every check
                self._conditions = self.port.conditions(self.request)
            request = self.port.request(self.principal, operation,
                                        resource_arn(self.bucket, key), self._conditions)
            verdict = self.policy.evaluate(request)
            # Whether the policy is public matters only under RestrictPublicBuckets.
            public = self.block.restrict_public_buckets and self.port.is_public(self.policy)
            self._verdicts[memo] = restricted_decision(  # type: ignore[assignment]
                verdict, self.block, public, self.principal.account == self.account)
        return self._verdicts[memo]

    def allows(self, operation: str, object_acl: Acl | None = None,
               key: str | None = None) -> bool:
        bucket_acl = self.bucket_acl
        if not self.acls_apply:
            bucket_acl = object_acl = None  # the bucket owner owns everything
        elif self.block.ignore_public_acls:
            bucket_acl, object_acl = _not_public(bucket_acl), _not_public(object_acl)
        return decide(self.principal, operation, self.bucket_owner, bucket_acl,
                      object_acl, self.verdict(operation, key))

    @property
    def is_bucket_owner(self) -> bool:
        return self.principal.canonical_id == self.bucket_owner.id

    def may_list(self) -> bool:
        return self.allows("ListObjects")

    def check_object(self, operation: str, info: ObjectInfo) -> None:
        """AccessDenied unless the object's own ACL (or the policy) lets ``operation``."""
        acl = Acl.from_bytes(info.acl) if info.acl else None
        if not self.allows(operation, acl, info.key):
            raise errors.AccessDenied()


def _not_public(acl: Acl | None) -> Acl | None:
    if acl is None or not acl.is_public:
        return acl
    return Acl(acl.owner, tuple(g for g in acl.grants if not _is_public_grant(g)))


def _is_public_grant(grant: Grant) -> bool:
    return grant.grantee.kind == GROUP and grant.grantee.value in PUBLIC_GROUPS


def check_object(req: S3Request, info: ObjectInfo, operation: str | None = None) -> None:
    """The object-level check of ``req`` (or of ``operation``, e.g. a copy's source
    read) against ``info``, the record the handler just read."""
    if req.access is not None:
        req.access.check_object(operation or req.operation, info)


async def access_to(req: S3Request, bucket: str) -> RequestAccess:
    """``req.principal``'s access state for ``bucket`` (the request's own, or a copy's
    source bucket); its ``account`` is where the bucket's data lives."""
    principal = req.principal
    app = req.http.app
    access = await app[BUCKET_ACCESS].get(req.store, bucket)
    if access.owner_account is None:  # unregistered: the signer's own, if anything
        if principal.is_anonymous:
            raise errors.AccessDenied()
        account = req.caller_account
    else:
        account = access.owner_account
    return RequestAccess(principal, bucket, req.key, owner_of(account), access.acl,
                         access.policy, app[POLICY_PORT], req,
                         registered=access.owner_account is not None, account=account,
                         ownership=access.ownership or req.config.buckets.default_object_ownership,
                         block=access.block)


async def authorize(req: S3Request) -> None:
    """AccessDenied unless ``req.principal`` may do ``req.operation``, as far as it can
    be decided before an object's record is read (object checks: ``check_object``)."""
    if req.bucket is None or req.operation == "CreateBucket":
        if req.principal.is_anonymous:
            raise errors.AccessDenied()
        return
    req.access = access = await access_to(req, req.bucket)
    req.bucket_account = access.account
    if requirement_of(req.operation).level != OBJECT and not access.allows(req.operation):
        raise errors.AccessDenied()


def remember_bucket(req: S3Request, bucket: str, owner_account: str, acl: Acl | None,
                    ownership: str | None) -> None:
    """A bucket this process just created: its first requests need not read it back."""
    req.http.app[BUCKET_ACCESS].remember(
        bucket, BucketAccess(owner_account, acl, ownership=ownership))


def forget_bucket(req: S3Request, bucket: str) -> None:
    """A write of ``bucket``'s owner, ACL or policy: this process reads it anew."""
    req.http.app[BUCKET_ACCESS].forget(bucket)


def guard_missing(req: S3Request) -> None:
    """Called on a missing key: AccessDenied instead for whoever may not list."""
    if req.access is not None and not req.access.may_list():
        raise errors.AccessDenied()
