"""A bucket policy document: parsed and validated once, evaluated per request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from gateway.policy.malformed import (
    BAD_VERSION, DUPLICATE_SID, EMPTY_STATEMENT, INVALID_JSON, NO_STATEMENT, NOT_JSON_OBJECT,
    TOO_LARGE, malformed, unknown_field)
from gateway.policy.request import PolicyRequest
from gateway.policy.statements import Statement, parse_statement

MAX_POLICY_BYTES = 20 * 1024  # S3's limit on a bucket policy
VERSIONS = ("2012-10-17", "2008-10-17")
Decision = Literal["allow", "deny", "default"]


@dataclass(frozen=True)
class BucketPolicy:
    """The policy's statements; ``text`` is the document as it was put."""

    text: str
    version: str
    statements: tuple[Statement, ...]

    def evaluate(self, req: PolicyRequest) -> Decision:
        """``deny`` if a Deny statement applies (it beats any Allow), else ``allow``
        if an Allow statement applies, else ``default`` (the ACLs decide)."""
        action = req.action.lower()
        allowed = False
        for statement in self.statements:
            if statement.allow and allowed:
                continue
            if statement.applies(req, action):
                if not statement.allow:
                    return "deny"
                allowed = True
        return "allow" if allowed else "default"


def _load(text: str) -> object:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise malformed(TOO_LARGE)
    if not text.lstrip().startswith("{"):
        raise malformed(NOT_JSON_OBJECT)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise malformed(INVALID_JSON) from None


def parse_policy(text: str, bucket: str) -> BucketPolicy:
    """Parse and validate a bucket policy for ``bucket``; MalformedPolicy as S3 words it."""
    document = _load(text)
    if not isinstance(document, dict):
        raise malformed(NOT_JSON_OBJECT)
    for name in document:
        if name not in ("Version", "Id", "Statement"):
            raise unknown_field(name)
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise malformed(BAD_VERSION)
    if "Statement" not in document:
        raise malformed(NO_STATEMENT)
    raw = document["Statement"]
    raw_statements = raw if isinstance(raw, list) else [raw]
    if not raw_statements:
        raise malformed(EMPTY_STATEMENT)
    # Policy variables exist from 2012-10-17 on; older policies read ${...} as text.
    variables = version == "2012-10-17"
    statements = tuple(parse_statement(item, bucket, variables) for item in raw_statements)
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise malformed(DUPLICATE_SID)
    return BucketPolicy(text, str(version), statements)
