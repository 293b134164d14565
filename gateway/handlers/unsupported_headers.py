"""Request headers that ask for S3 features this gateway does not implement.

A request that asks for a feature the gateway lacks must fail before anything
is stored: silently dropping SSE-C, a tag or a retention date would store
something else than the client asked for. ``RULES`` is the one table of these
headers; when a feature is implemented, its lines go away.

Each rule names a header (or a name prefix), the operations it concerns (as
routing names them in ``S3Request.operation``) and which values are already
true of every object and bucket here (and so are accepted):
``x-amz-storage-class: STANDARD``... Any other value
gets the error S3 itself gives for it (an unknown value: S3's
``InvalidArgument``; a bucket that lacks the feature: S3's error for such a
bucket; otherwise ``NotImplemented``). Buckets here have no Object Lock; ACLs
are served (``gateway.authz``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gateway import errors
from gateway.s3request import S3Request

Refusal = Callable[[str, str], "errors.S3Error | None"]

SSE_METHODS = frozenset({"AES256", "aws:kms", "aws:kms:dsse"})

MissingObjectLock = errors.InvalidRequest  # S3's code for a bucket without Object Lock


def _not_implemented(name: str, value: str) -> errors.S3Error:
    return errors.S3NotImplemented(Header=name)


def _accept(*accepted: str, otherwise: Refusal = _not_implemented,
            known: frozenset[str] | None = None) -> Refusal:
    """Accept ``accepted`` values; refuse a ``known`` other one with ``otherwise``
    and an unknown one with ``InvalidArgument`` (everything, if ``known`` is None)."""

    def refuse(name: str, value: str) -> errors.S3Error | None:
        if value in accepted:
            return None
        if known is not None and value not in known:
            return errors.InvalidArgument(ArgumentName=name, ArgumentValue=value)
        return otherwise(name, value)

    return refuse


def _storage_class(name: str, value: str) -> errors.S3Error | None:
    if value == "STANDARD":
        return None
    return errors.InvalidStorageClass(StorageClassRequested=value)


def _sse_method(name: str, value: str) -> errors.S3Error | None:
    if value not in SSE_METHODS:
        return errors.InvalidArgument("The encryption method specified is not supported",
                                      ArgumentName=name, ArgumentValue=value)
    return errors.S3NotImplemented(Header=name)


def _object_lock(name: str, value: str) -> errors.S3Error:
    return MissingObjectLock("Bucket is missing ObjectLockConfiguration")


def _tagging_directive(name: str, value: str) -> errors.S3Error | None:
    # No object has tags yet: copying the source's (none) or replacing them with
    # the request's (x-amz-tagging, refused when not empty) are both honest.
    if value in ("COPY", "REPLACE"):
        return None
    return errors.InvalidArgument("Unknown tagging directive.",
                                  ArgumentName=name, ArgumentValue=value)


@dataclass(frozen=True)
class Rule:
    """``header`` (a prefix if it ends with ``-``) in ``operations`` is checked by ``refuse``."""

    header: str
    operations: frozenset[str]
    refuse: Refusal

    def matches(self, name: str) -> bool:
        return name.startswith(self.header) if self.header.endswith("-") else name == self.header


def _ops(*names: str) -> frozenset[str]:
    return frozenset(names)


OBJECT_WRITES = _ops("PutObject", "CopyObject", "CreateMultipartUpload")
SSE_C_OPERATIONS = OBJECT_WRITES | _ops("UploadPart", "UploadPartCopy",
                                        "CompleteMultipartUpload", "GetObject", "HeadObject")

RULES: tuple[Rule, ...] = (
    # Server-side encryption: none is implemented (SSE-C on GET/HEAD asks for decryption).
    Rule("x-amz-server-side-encryption-customer-", SSE_C_OPERATIONS, _not_implemented),
    Rule("x-amz-copy-source-server-side-encryption-customer-",
         _ops("CopyObject", "UploadPartCopy"), _not_implemented),
    Rule("x-amz-server-side-encryption", OBJECT_WRITES, _sse_method),
    Rule("x-amz-server-side-encryption-aws-kms-key-id", OBJECT_WRITES, _not_implemented),
    Rule("x-amz-server-side-encryption-context", OBJECT_WRITES, _not_implemented),
    Rule("x-amz-server-side-encryption-bucket-key-enabled", OBJECT_WRITES, _not_implemented),
    # One storage class: Swift's.
    Rule("x-amz-storage-class", OBJECT_WRITES, _storage_class),
    # Object Lock: no bucket has it (S3's answer for such a bucket), nor can one be made.
    Rule("x-amz-object-lock-mode", OBJECT_WRITES, _object_lock),
    Rule("x-amz-object-lock-retain-until-date", OBJECT_WRITES, _object_lock),
    Rule("x-amz-object-lock-legal-hold", OBJECT_WRITES, _object_lock),
    Rule("x-amz-bucket-object-lock-enabled", _ops("CreateBucket"),
         _accept("false", "False", known=frozenset({"true", "True"}))),
    # ACLs (x-amz-acl, x-amz-grant-*) are served: gateway.authz.acl_input.
    Rule("x-amz-object-ownership", _ops("CreateBucket"),  # stored by CreateBucket
         _accept("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter",
                 known=frozenset())),
    # Tags and website redirects are not stored.
    Rule("x-amz-tagging", OBJECT_WRITES, _accept("")),
    Rule("x-amz-tagging-directive", _ops("CopyObject"), _tagging_directive),
    Rule("x-amz-website-redirect-location", OBJECT_WRITES, _not_implemented),
)


# Every rule's header starts with this: other headers are never looked at.
_RULE_PREFIX = "x-amz-"
assert all(rule.header.startswith(_RULE_PREFIX) for rule in RULES)

# The rules of each operation, in ``RULES`` order: built once, so a request only
# walks its own operation's rules over its few ``x-amz-`` headers.
RULES_BY_OPERATION: Mapping[str, tuple[Rule, ...]] = MappingProxyType({
    operation: tuple(rule for rule in RULES if operation in rule.operations)
    for operation in frozenset().union(*(rule.operations for rule in RULES))})


# Per operation, the exact header names and the prefixes its rules look at: most
# requests carry none of them (only x-amz-date, x-amz-content-sha256...), and
# are let through after one set lookup per header instead of every rule's match.
_SCREENS: Mapping[str, tuple[frozenset[str], tuple[str, ...]]] = MappingProxyType({
    operation: (frozenset(r.header for r in rules if not r.header.endswith("-")),
                tuple(r.header for r in rules if r.header.endswith("-")))
    for operation, rules in RULES_BY_OPERATION.items()})


def refuse_unsupported(req: S3Request) -> None:
    """Raise the error for the first header of ``RULES`` whose value is not accepted."""
    rules = RULES_BY_OPERATION.get(req.operation)
    if not rules:
        return
    names, prefixes = _SCREENS[req.operation]
    amz_headers = [(lower, value) for name, value in req.http.headers.items()
                   if (lower := name.lower()).startswith(_RULE_PREFIX)]
    if not any(lower in names or lower.startswith(prefixes) for lower, _ in amz_headers):
        return
    for rule in rules:
        for lower, value in amz_headers:
            if rule.matches(lower):
                error = rule.refuse(lower, value.strip())
                if error is not None:
                    raise error
