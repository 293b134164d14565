"""Condition rules every backend applies alike (so none can disagree on them)."""

from __future__ import annotations


def etag_matches(condition: str, etag: str) -> bool:
    """An If-Match / If-None-Match list against an S3 ETag: ``*``, quoted or not,
    weak ``W/`` tags compared as strong ones (S3 does)."""
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in condition.split(",")}
    return "*" in tags or etag.strip('"') in tags
