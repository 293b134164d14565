"""Public access block (PutPublicAccessBlock): the stored document and its four flags.

Kept as small JSON under the bucket document name ``public-access-block``; a
bucket without one blocks nothing (all four flags false), as on S3 for a
bucket whose owner removed it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

DOCUMENT = "public-access-block"
# S3's element names, in the order S3 writes them.
FLAG_NAMES = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
              "RestrictPublicBuckets")


@dataclass(frozen=True)
class PublicAccessBlock:
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    def by_name(self) -> dict[str, bool]:
        """S3's element name -> flag, in S3's order."""
        return dict(zip(FLAG_NAMES, asdict(self).values(), strict=True))

    @classmethod
    def from_names(cls, flags: dict[str, bool]) -> PublicAccessBlock:
        return cls(*(flags.get(name, False) for name in FLAG_NAMES))

    def to_document(self) -> bytes:
        return json.dumps(self.by_name()).encode()


NOTHING_BLOCKED = PublicAccessBlock()
assert len(fields(PublicAccessBlock)) == len(FLAG_NAMES)


def stored_access_block(document: bytes | None) -> PublicAccessBlock | None:
    """The stored configuration, ``None`` when there is none (or it is unreadable)."""
    if not document:
        return None
    try:
        flags = json.loads(document)
    except ValueError:
        return None
    if not isinstance(flags, dict):
        return None
    return PublicAccessBlock.from_names({k: v is True for k, v in flags.items()})


def public_access_block(document: bytes | None) -> PublicAccessBlock:
    """The four flags of a bucket: its document's, or nothing blocked."""
    return stored_access_block(document) or NOTHING_BLOCKED


def restricted_decision(decision: str, block: PublicAccessBlock, policy_is_public: bool,
                        caller_in_owner_account: bool) -> str:
    """A policy's decision under RestrictPublicBuckets: while the bucket's policy is
    public, it grants nothing to anyone outside the owner's account (anonymous and
    cross-account ``allow`` become ``default``); a ``deny`` always stands."""
    if (decision == "allow" and block.restrict_public_buckets and policy_is_public
            and not caller_in_owner_account):
        return "default"
    return decision
