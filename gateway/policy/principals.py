"""A statement's ``Principal`` (or ``NotPrincipal``): everyone, accounts, canonical ids.

Accounts are named by id or ``arn:aws:iam::<account>:root``; canonical users
by ``{"CanonicalUser": id}``; both are opaque strings here. Service principals
are accepted (AWS accepts them) and match no request: no service acts through
this gateway. IAM users and roles do not exist here, so their ARNs are refused
as AWS refuses a principal it cannot resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.policy.malformed import INVALID_PRINCIPAL, malformed
from gateway.policy.patterns import has_wildcard
from gateway.policy.request import PolicyRequest

_ROOT_ARN = re.compile(r"arn:aws:iam::([^:/*?]+):root")
_KINDS = frozenset({"AWS", "CanonicalUser", "Service"})


@dataclass(frozen=True)
class Principals:
    everyone: bool = False
    accounts: frozenset[str] = frozenset()
    canonical_ids: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()

    def contains(self, req: PolicyRequest) -> bool:
        if self.everyone:
            return True
        return ((req.principal_account is not None and req.principal_account in self.accounts)
                or (req.principal_canonical_id is not None
                    and req.principal_canonical_id in self.canonical_ids))


def _names(raw: object) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(item, str) and item for item in items):
        raise malformed(INVALID_PRINCIPAL)
    return items  # type: ignore[return-value]


def _account(name: str) -> str:
    root = _ROOT_ARN.fullmatch(name)
    if root is not None:
        return root.group(1)
    if name.startswith("arn:") or has_wildcard(name) or ":" in name or "/" in name:
        raise malformed(INVALID_PRINCIPAL)
    return name


def parse_principals(raw: object) -> Principals:
    if raw == "*":
        return Principals(everyone=True)
    if not isinstance(raw, dict) or not raw or not set(raw) <= _KINDS:
        raise malformed(INVALID_PRINCIPAL)
    everyone = False
    accounts: set[str] = set()
    canonical: set[str] = set()
    for name in _names(raw.get("AWS", [])) if "AWS" in raw else []:
        if name == "*":
            everyone = True
        else:
            accounts.add(_account(name))
    for name in _names(raw["CanonicalUser"]) if "CanonicalUser" in raw else []:
        if has_wildcard(name):
            raise malformed(INVALID_PRINCIPAL)
        canonical.add(name)
    services = frozenset(_names(raw["Service"])) if "Service" in raw else frozenset()
    return Principals(everyone, frozenset(accounts), frozenset(canonical), services)
