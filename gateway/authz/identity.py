"""Who is who: the principal of a request and every account's canonical user id.

S3 names an account by a 64-hex canonical user id. Here it is derived from
the Swift account name (SHA-256 of ``s3swift-canonical-user:<account>``), so
it is stable across gateways and restarts and needs no table; the display
name is the account name itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

_CANONICAL_ID = re.compile(r"^[0-9a-f]{64}$")


@lru_cache(maxsize=4096)
def canonical_id(account: str) -> str:
    """The canonical user id of ``account`` (the same on every gateway)."""
    return hashlib.sha256(f"s3swift-canonical-user:{account}".encode()).hexdigest()


def is_canonical_id(value: str) -> bool:
    return _CANONICAL_ID.match(value) is not None


@dataclass(frozen=True)
class Principal:
    """Who sends a request: an account, or nobody (``account`` None: anonymous)."""

    account: str | None

    @property
    def canonical_id(self) -> str | None:
        return canonical_id(self.account) if self.account is not None else None

    @property
    def is_anonymous(self) -> bool:
        return self.account is None


ANONYMOUS = Principal(None)
