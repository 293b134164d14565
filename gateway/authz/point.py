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
from gateway.authz.acl import Acl, Owner
from gateway.authz.cache import BucketAccess
from gateway.authz.decision import OBJECT, PolicyVerdict, decide, requirement_of
from gateway.authz.identity import Principal
from gateway.authz.policy_port import PolicyPort, condition_values, resource_arn
from gateway.s3request import S3Request, owner_of
from gateway.storage.records import ObjectInfo


@dataclass
class RequestAccess:
    """One request's principal and the bucket's access state, decided on demand."""

    principal: Principal
    bucket: str
    key: str | None
    bucket_owner: Owner
    bucket_acl: Acl | None
    policy: Any = None  # policy_port.BucketPolicy
    port: PolicyPort | None = None
    http: Any = None  # the aiohttp request, for policy conditions
    signature_version: str | None = None
    registered: bool = True  # False: a container the registry does not name
    account: str = ""  # where the bucket's data lives (its owner's account)
    _verdicts: dict[tuple[str, str | None], PolicyVerdict] = field(default_factory=dict)

    def verdict(self, operation: str, key: str | None = None) -> PolicyVerdict:
        if self.policy is None or self.port is None:
            return "default"
        memo = (operation, key)
        if memo not in self._verdicts:
            conditions = condition_values(self.http, self.signature_version,
                                          self.http.secure)
            request = self.port.request(self.principal, operation,
                                        resource_arn(self.bucket, key), conditions)
            self._verdicts[memo] = self.policy.evaluate(request)
        return self._verdicts[memo]

    def allows(self, operation: str, object_acl: Acl | None = None,
               key: str | None = None) -> bool:
        return decide(self.principal, operation, self.bucket_owner, self.bucket_acl,
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
                         access.policy, app[POLICY_PORT], req.http,
                         req.auth.signature_version if req.auth else None,
                         registered=access.owner_account is not None, account=account)


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


def remember_bucket(req: S3Request, bucket: str, owner_account: str, acl: Acl | None) -> None:
    """A bucket this process just created: its first requests need not read it back."""
    req.http.app[BUCKET_ACCESS].remember(bucket, BucketAccess(owner_account, acl))


def forget_bucket(req: S3Request, bucket: str) -> None:
    """A write of ``bucket``'s owner, ACL or policy: this process reads it anew."""
    req.http.app[BUCKET_ACCESS].forget(bucket)


def guard_missing(req: S3Request) -> None:
    """Called on a missing key: AccessDenied instead for whoever may not list."""
    if req.access is not None and not req.access.may_list():
        raise errors.AccessDenied()
