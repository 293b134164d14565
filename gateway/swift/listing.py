"""Bucket listings (ListObjects v1/v2, ListObjectVersions) on Swift container listings."""

from __future__ import annotations

from gateway.storage import errors as store
from gateway.storage.records import ListQuery, ObjectPage
from gateway.swift.client import SwiftClient, json_body
from gateway.swift.codec import listed_object
from gateway.swift.outcomes import OutcomeMap, raise_for

LIST_OBJECTS: OutcomeMap = {404: store.BucketNotFound}
SWIFT_PAGE = 10000
# Sorts after every key that starts with a given prefix (Swift compares UTF-8 bytes).
AFTER_ALL = "\U0010ffff"


async def container_listing(swift: SwiftClient, account: str, bucket: str,
                            params: dict[str, str]) -> list[dict]:
    """One JSON page of ``bucket``'s listing; ``BucketNotFound``."""
    resp = await swift.request("GET", account, bucket, params={"format": "json", **params})
    raise_for(resp, LIST_OBJECTS, bucket=bucket)
    if resp.status == 204:
        resp.release()
        return []
    return await json_body(resp)


def swift_can_group(delimiter: str) -> bool:
    """Swift's own listing groups by a delimiter of one character below U+00FF."""
    return len(delimiter) == 1 and ord(delimiter) < 255


async def _grouped_by_swift(swift: SwiftClient, account: str, bucket: str,
                            query: ListQuery) -> ObjectPage:
    params = {"prefix": query.prefix, "marker": query.marker, "limit": str(query.max_keys + 1)}
    if query.delimiter:
        params["delimiter"] = query.delimiter
    entries = await container_listing(swift, account, bucket, params)
    shown = entries[:query.max_keys]
    page = ObjectPage([], [], len(entries) > query.max_keys, "")
    objects, prefixes = page.objects, page.prefixes
    for entry in shown:  # a thousand per page: nothing here that could be done once
        if "subdir" in entry:
            prefixes.append(entry["subdir"])
        else:
            objects.append(listed_object(entry))
    if shown:
        last = shown[-1]
        page.last_name = last["subdir"] if "subdir" in last else last["name"]
    return page


async def _grouped_here(swift: SwiftClient, account: str, bucket: str,
                        query: ListQuery) -> ObjectPage:
    """Group by a delimiter Swift cannot handle (several characters, or non-Latin-1)."""
    prefix, delimiter, marker = query.prefix, query.delimiter, query.marker
    page = ObjectPage([], [], False, "")
    count = 0
    swift_marker = marker
    if marker.startswith(prefix) and marker.endswith(delimiter) and delimiter in marker[len(prefix):]:
        swift_marker = marker + AFTER_ALL  # the marker is a common prefix already returned
    while True:
        entries = await container_listing(swift, account, bucket, {
            "prefix": prefix, "marker": swift_marker, "limit": str(SWIFT_PAGE)})
        for entry in entries:
            name = entry["name"]
            cut = name.find(delimiter, len(prefix))
            if cut >= 0:
                common = name[: cut + len(delimiter)]
                if page.prefixes and page.prefixes[-1] == common:
                    continue
                if common == marker:
                    continue
                if count == query.max_keys:
                    page.truncated = True
                    return page
                page.prefixes.append(common)
            else:
                if count == query.max_keys:
                    page.truncated = True
                    return page
                page.objects.append(listed_object(entry))
                common = name
            page.last_name = common
            count += 1
        if len(entries) < SWIFT_PAGE:
            return page
        swift_marker = entries[-1]["name"]


async def list_objects(swift: SwiftClient, account: str, bucket: str,
                       query: ListQuery) -> ObjectPage:
    """``Store.list_objects`` on Swift."""
    if query.max_keys == 0:
        await container_listing(swift, account, bucket, {"limit": "0"})  # NoSuchBucket still
        return ObjectPage([], [], False, "")
    if not query.delimiter or swift_can_group(query.delimiter):
        return await _grouped_by_swift(swift, account, bucket, query)
    return await _grouped_here(swift, account, bucket, query)
