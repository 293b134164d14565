"""S3's ETag rules every backend and handler applies alike (so none can disagree)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_PARTS_SUFFIX = re.compile(r"-([1-9][0-9]{0,4})")


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


def parts_in_etag(etag: str) -> int | None:
    """The parts count a completed upload's ETag (``multipart_etag``) ends with."""
    suffix = _PARTS_SUFFIX.search(etag.strip('"'))
    return int(suffix.group(1)) if suffix and suffix.end() == len(etag.strip('"')) else None
