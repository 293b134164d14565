"""S3's ETag rules every backend and handler applies alike (so none can disagree)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def etag_matches(condition: str, etag: str) -> bool:
    """An If-Match / If-None-Match list against an S3 ETag: ``*``, quoted or not,
    weak ``W/`` tags compared as strong ones (S3 does)."""
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in condition.split(",")}
    return "*" in tags or etag.strip('"') in tags


def multipart_etag(part_etags: Iterable[str]) -> str:
    """S3's ETag of a completed upload: md5 of the parts' binary MD5s, ``-N``.

    Only 16-byte digests are hashed here, never object data.
    """
    digest = hashlib.md5(usedforsecurity=False)
    count = 0
    for etag in part_etags:
        digest.update(bytes.fromhex(etag.strip('"')))
        count += 1
    return f"{digest.hexdigest()}-{count}"
