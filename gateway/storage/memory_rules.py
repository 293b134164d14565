"""The HTTP rules a backend applies to reads, written once for ``MemoryStore``:
S3 ETags, read conditions, single byte ranges and the listing's grouping.

Swift applies these itself for ``SwiftStore``; an in-memory backend has to
apply them here, with the same outcomes (the store errors of ``Store``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from gateway.storage import errors as store
from gateway.storage.etags import etag_matches
from gateway.storage.records import ListedObject, ObjectInfo, ObjectPage, ReadOptions
from gateway.timefmt import parse_http_date


def md5_hex(data: bytes) -> str:
    """The S3 ETag of stored bytes (a backend's job; Swift computes it as well)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()



def _whole_seconds(moment: datetime | None) -> datetime | None:
    return moment.replace(microsecond=0) if moment is not None else None


def check_read_conditions(info: ObjectInfo, options: ReadOptions) -> None:
    """S3's precedence: If-Match over If-Unmodified-Since (412), then If-None-Match
    over If-Modified-Since (304). Unparseable dates are ignored, as HTTP does."""
    modified = _whole_seconds(info.last_modified)
    if options.if_match is not None:
        if not etag_matches(options.if_match, info.etag):
            raise store.PreconditionFailed(key=info.key, condition="If-Match")
    elif options.if_unmodified_since is not None and modified is not None:
        since = parse_http_date(options.if_unmodified_since)
        if since is not None and modified > since:
            raise store.PreconditionFailed(key=info.key)
    if options.if_none_match is not None:
        if etag_matches(options.if_none_match, info.etag):
            raise store.NotModified(info)
    elif options.if_modified_since is not None and modified is not None:
        since = parse_http_date(options.if_modified_since)
        if since is not None and modified <= since:
            raise store.NotModified(info)


def byte_range(value: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of one ``bytes=`` range; ``None`` for none or an unparseable one
    (served whole, as S3 does); ``RangeNotSatisfiable`` when it misses the object."""
    if not value or not value.startswith("bytes=") or "," in value:
        return None
    first_text, dash, last_text = value[len("bytes="):].strip().partition("-")
    if not dash or not (first_text + last_text).isdigit():
        return None
    if not first_text:  # a suffix: the last N bytes
        length = int(last_text)
        if length == 0 or size == 0:
            raise store.RangeNotSatisfiable(size=size, requested=value)
        return max(0, size - length), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None
    last = int(last_text) if last_text else size - 1
    if first >= size:
        raise store.RangeNotSatisfiable(size=size, requested=value)
    return first, min(last, size - 1)


def group_listing(entries: Iterable[ListedObject], prefix: str, delimiter: str, marker: str,
                  max_keys: int) -> ObjectPage:
    """One listing page of ``entries`` (in key order, after ``marker``, under
    ``prefix``), grouped by ``delimiter`` as Swift's container listing does: a
    common prefix equal to the marker is not repeated."""
    page = ObjectPage([], [], False, "")
    count = 0
    for entry in entries:
        name = entry.key
        cut = name.find(delimiter, len(prefix)) if delimiter else -1
        common = name[:cut + len(delimiter)] if cut >= 0 else None
        if common is not None and (common == marker or (page.prefixes and
                                                          page.prefixes[-1] == common)):
            continue
        if count == max_keys:
            page.truncated = True
            return page
        if common is not None:
            page.prefixes.append(common)
            page.last_name = common
        else:
            page.objects.append(entry)
            page.last_name = name
        count += 1
    return page
