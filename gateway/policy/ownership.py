"""Object ownership (PutBucketOwnershipControls): the stored document and its mode.

The document is kept as small JSON (``{"ObjectOwnership": mode}``) under the
bucket document name ``ownership``; the authorization point reads the mode
with ``object_ownership``, falling back to the configured default
(``[buckets] default_object_ownership``) for a bucket that has none.
"""

from __future__ import annotations

import json

DOCUMENT = "ownership"
BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
BUCKET_OWNER_PREFERRED = "BucketOwnerPreferred"
OBJECT_WRITER = "ObjectWriter"
MODES = (BUCKET_OWNER_ENFORCED, BUCKET_OWNER_PREFERRED, OBJECT_WRITER)


def ownership_document(mode: str) -> bytes:
    return json.dumps({"ObjectOwnership": mode}).encode()


def stored_ownership(document: bytes | None) -> str | None:
    """The mode a stored document names, ``None`` when there is none (or it is unreadable)."""
    if not document:
        return None
    try:
        mode = json.loads(document).get("ObjectOwnership")
    except (ValueError, AttributeError):
        return None
    return mode if mode in MODES else None


def object_ownership(document: bytes | None, default: str) -> str:
    """The bucket's mode: its document's, or ``default`` when it has none."""
    return stored_ownership(document) or default


def acls_enabled(mode: str) -> bool:
    """BucketOwnerEnforced disables ACLs (AccessControlListNotSupported for setting one)."""
    return mode != BUCKET_OWNER_ENFORCED
