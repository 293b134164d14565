"""The source side of a server-side copy: ``x-amz-copy-source`` and its conditions.

Shared by CopyObject and UploadPartCopy. Parsing and condition evaluation are
pure functions, so S3's precedence rules are unit-tested without Swift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, unquote

from gateway import errors
from gateway.bucket_names import is_addressable
from gateway.timefmt import parse_http_date

COPY_SOURCE = "x-amz-copy-source"
COPY_SOURCE_RANGE = "x-amz-copy-source-range"
# S3 copies at most 5 GiB in one request, whatever the object size limit.
MAX_COPY_SOURCE_SIZE = 5 * 1024 ** 3
NULL_VERSION = "null"

_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


@dataclass(frozen=True)
class CopySource:
    """``x-amz-copy-source``; ``account``: where the source bucket lives, once the
    authorization point resolved its owner (``copy.read_source``)."""

    bucket: str
    key: str
    version_id: str | None = None
    account: str | None = None


def _invalid_source(value: str) -> errors.S3Error:
    return errors.InvalidArgument(
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        ArgumentName=COPY_SOURCE, ArgumentValue=value)


def _decode_part(raw: str, value: str) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise _invalid_source(value) from None


def parse_copy_source(value: str) -> CopySource:
    """``[/]bucket/key[?versionId=v]``, percent-decoded (``+`` stays a plus, as in a path).

    Split at the first literal ``/`` before decoding, so ``B%2Fsub/k`` names the
    bucket ``B/sub`` (refused), never bucket ``B`` and key ``sub/k``. The bucket
    must be one a request could address (``gateway.bucket_names``): S3 answers
    InvalidArgument "Invalid copy source bucket name". A key with a NUL cannot
    exist in Swift: "Invalid copy source object key".

    Without versioning only the ``null`` version exists; any other version id is
    invalid, which S3 reports as InvalidArgument for unversioned buckets.
    """
    path, _, query = value.strip().partition("?")
    if path.startswith("/"):
        path = path[1:]
    raw_bucket, _, raw_key = path.partition("/")
    bucket, key = _decode_part(raw_bucket, value), _decode_part(raw_key, value)
    if not bucket or not key:
        raise _invalid_source(value)
    if not is_addressable(bucket):
        raise errors.InvalidArgument("Invalid copy source bucket name",
                                     ArgumentName=COPY_SOURCE, ArgumentValue=value)
    if "\x00" in key:
        raise errors.InvalidArgument("Invalid copy source object key",
                                     ArgumentName=COPY_SOURCE, ArgumentValue=value)
    version_id = None
    if query:
        versions = parse_qs(query, keep_blank_values=True).get("versionId")
        if versions:
            version_id = versions[0]
            if version_id != NULL_VERSION:
                raise errors.InvalidArgument("Invalid version id specified",
                                             ArgumentName="versionId",
                                             ArgumentValue=version_id)
    return CopySource(bucket, key, version_id)


def _etags(value: str) -> list[str]:
    """An If-Match style list: ``"a", W/"b", *`` → [``a``, ``b``, ``*``]."""
    out = []
    for item in value.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        item = item.strip('"')
        if item:
            out.append(item)
    return out


def _etag_matches(header: str, etag: str) -> bool:
    candidates = _etags(header)
    return "*" in candidates or etag.strip('"') in candidates


@dataclass(frozen=True)
class CopyConditions:
    """``x-amz-copy-source-if-*``; unparseable dates are ignored, as HTTP does."""

    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: datetime | None = None
    if_unmodified_since: datetime | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> CopyConditions:
        def date(name: str) -> datetime | None:
            value = headers.get(name)
            return parse_http_date(value) if value else None

        return cls(
            if_match=headers.get("x-amz-copy-source-if-match"),
            if_none_match=headers.get("x-amz-copy-source-if-none-match"),
            if_modified_since=date("x-amz-copy-source-if-modified-since"),
            if_unmodified_since=date("x-amz-copy-source-if-unmodified-since"))

    def holds(self, etag: str, last_modified: datetime | None) -> bool:
        """S3's rules: an ETag condition, when given, overrides its date partner.

        if-match true + if-unmodified-since false → copy; if-none-match false +
        if-modified-since true → 412 (RFC 7232 section 6 order).
        """
        if self.if_match is not None:
            if not _etag_matches(self.if_match, etag):
                return False
        elif self.if_unmodified_since is not None and last_modified is not None:
            if last_modified > self.if_unmodified_since:
                return False
        if self.if_none_match is not None:
            if _etag_matches(self.if_none_match, etag):
                return False
        elif self.if_modified_since is not None and last_modified is not None:
            if last_modified <= self.if_modified_since:
                return False
        return True

    def check(self, etag: str, last_modified: datetime | None) -> None:
        if not self.holds(etag, last_modified):
            raise errors.PreconditionFailed()


def parse_copy_range(value: str, size: int) -> tuple[int, int]:
    """``bytes=first-last`` (both given, inclusive) within a source of ``size`` bytes."""
    match = _RANGE.fullmatch(value.strip())
    if match is None or int(match[1]) > int(match[2]):
        raise errors.InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where "
            "first and last are the zero-based offsets of the first and last bytes to copy",
            ArgumentName=COPY_SOURCE_RANGE, ArgumentValue=value)
    first, last = int(match[1]), int(match[2])
    if last >= size:
        raise errors.InvalidArgument(
            f"Range specified is not valid for source object of size: {size}",
            ArgumentName=COPY_SOURCE_RANGE, ArgumentValue=value)
    return first, last


def check_copy_size(length: int) -> None:
    if length > MAX_COPY_SOURCE_SIZE:
        raise errors.InvalidRequest(
            "The specified copy source is larger than the maximum allowable size for a copy "
            f"source: {MAX_COPY_SOURCE_SIZE}")
