"""Parts of a multipart upload as Swift lists them (``<bucket>+segments``)."""

from __future__ import annotations

import re

from gateway.storage.records import PartsPage
from gateway.swift.client import SwiftClient
from gateway.swift.codec import part_info
from gateway.swift.multipart_layout import part_name, part_prefix, segments_container
from gateway.swift.containers import bulk_delete, listing_or_none

SWIFT_PAGE = 10000


async def list_parts_of(swift: SwiftClient, account: str, bucket: str, key: str,
                        upload_id: str, marker: str = "",
                        limit: int | None = None) -> list[dict]:
    """The listing entries of an upload's parts in part order (all, unless ``limit``)."""
    container = segments_container(bucket)
    prefix = part_prefix(key, upload_id)
    out: list[dict] = []
    while True:
        page_size = SWIFT_PAGE if limit is None else min(SWIFT_PAGE, limit - len(out))
        page = await listing_or_none(swift, account, container, {
            "prefix": prefix, "marker": marker, "limit": str(page_size)})
        if not page:
            return out
        out.extend(page)
        if len(page) < page_size or (limit is not None and len(out) >= limit):
            return out
        marker = page[-1]["name"]


async def parts_page(swift: SwiftClient, account: str, bucket: str, key: str,
                     upload_id: str, marker: int, max_parts: int) -> PartsPage:
    """Up to ``max_parts`` parts after number ``marker``: one listing request of
    ``max_parts + 1`` entries (the extra one tells whether the page is truncated)."""
    start = part_name(key, upload_id, marker) if marker else ""
    limit = max(max_parts, 0)
    entries = await list_parts_of(swift, account, bucket, key, upload_id, start, limit + 1)
    shown = [part_info(entry) for entry in entries[:limit]]
    truncated = len(entries) > limit
    return PartsPage(shown, truncated, shown[-1].number if truncated and shown else 0)


_PART_SUFFIX = re.compile(r"[0-9]{5}")


async def delete_parts(swift: SwiftClient, account: str, bucket: str, key: str,
                       upload_id: str, keep: frozenset[str] = frozenset()) -> None:
    """Delete every part of an upload, except the names in ``keep`` (best effort).

    Only names ``<key>/<upload_id>/<5 digits>`` are parts: the prefix also
    matches segments of a longer key (``<key>/<upload_id>/x/...``).
    """
    prefix = part_prefix(key, upload_id)
    parts = await list_parts_of(swift, account, bucket, key, upload_id)
    await bulk_delete(swift, account, segments_container(bucket), (
        p["name"] for p in parts if p["name"] not in keep
        and _PART_SUFFIX.fullmatch(p["name"][len(prefix):])))
