"""What a bucket policy is asked: who, which IAM action, on which ARN, in which context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

_EMPTY: Mapping[str, Sequence[str]] = MappingProxyType({})


@dataclass(frozen=True)
class PolicyRequest:
    """One request as the policy sees it.

    ``principal_account`` is ``None`` for an anonymous request; account and
    canonical id are opaque strings (the authorization point defines them).
    ``resource`` is ``arn:aws:s3:::bucket`` or ``arn:aws:s3:::bucket/key``.
    ``conditions`` maps condition keys spelled as AWS documents them
    (``aws:SourceIp``, ``s3:prefix``, ``s3:ExistingObjectTag/<tag>``) to the
    request's values; a key the request does not have is simply absent.
    """

    principal_account: str | None
    principal_canonical_id: str | None
    action: str
    resource: str
    conditions: Mapping[str, Sequence[str]] = field(default_factory=lambda: _EMPTY)

    @property
    def anonymous(self) -> bool:
        return self.principal_account is None and self.principal_canonical_id is None


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"
