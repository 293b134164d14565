"""ListMultipartUploads on Swift: the ``+uploads`` container, one marker per upload.

Listing markers only never scans parts or completed segments. Each upload's
checksum algorithm and type come from its marker's content type in that
listing (``multipart_layout.marker_checksum``), never from a HEAD.
"""

from __future__ import annotations

import asyncio

from gateway.swift.multipart_layout import (
    MARKER_SEPARATOR, split_marker_name, upload_marker_name, uploads_container)
from gateway.storage.records import UploadsPage
from gateway.swift.codec import listed_upload
from gateway.swift.containers import listing_or_none
from gateway.swift.uploads import SwiftUploads

SWIFT_PAGE = 10000
# Sorts after every name that starts with a given prefix.
AFTER_ALL = "\U0010ffff"


def start_marker(prefix: str, delimiter: str, key_marker: str, upload_id_marker: str) -> str:
    """The Swift listing marker for S3's key-marker / upload-id-marker."""
    if not key_marker:
        return ""
    if (delimiter and key_marker.startswith(prefix) and key_marker.endswith(delimiter)
            and delimiter in key_marker[len(prefix):]):
        return key_marker + AFTER_ALL  # a common prefix already returned: skip its keys
    if upload_id_marker:
        return upload_marker_name(key_marker, upload_id_marker)
    return key_marker + MARKER_SEPARATOR + AFTER_ALL  # every upload of key_marker


def page_uploads(entries: list[dict], page: UploadsPage, prefix: str, delimiter: str,
                 max_uploads: int) -> bool:
    """Add listing entries to ``page``; True once it is full (and ``truncated`` is set)."""
    for entry in entries:
        key, upload_id = split_marker_name(entry["name"])
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        if cut >= 0:
            common = key[:cut + len(delimiter)]
            if page.prefixes and page.prefixes[-1] == common:
                continue
        if len(page.uploads) + len(page.prefixes) >= max_uploads:
            page.truncated = True
            return True
        if cut >= 0:
            page.prefixes.append(common)
            page.next_key_marker, page.next_upload_id_marker = common, ""
        else:
            page.uploads.append(listed_upload(entry))
            page.next_key_marker, page.next_upload_id_marker = key, upload_id
    return False


async def scan_uploads(uploads: SwiftUploads, account: str, bucket: str, prefix: str,
                       delimiter: str, marker: str, max_uploads: int) -> UploadsPage:
    """Listing pages of ``+uploads`` from ``marker`` until ``max_uploads`` entries."""
    page = UploadsPage([], [], False)
    if max_uploads == 0:
        return page
    container = uploads_container(bucket)
    while True:
        entries = await listing_or_none(uploads.swift, account, container, {
            "prefix": prefix, "marker": marker, "limit": str(SWIFT_PAGE)})
        if not entries or page_uploads(entries, page, prefix, delimiter, max_uploads):
            return page
        if len(entries) < SWIFT_PAGE:
            return page
        marker = entries[-1]["name"]
        if delimiter and page.prefixes and page.next_upload_id_marker == "":
            marker = max(marker, page.prefixes[-1] + AFTER_ALL)


class SwiftUploadListing(SwiftUploads):
    """``Store.list_uploads``."""

    async def list_uploads(self, account: str, bucket: str, prefix: str, delimiter: str,
                           key_marker: str, upload_id_marker: str,
                           max_uploads: int) -> UploadsPage:
        """The bucket's HEAD and the listing run together (one round trip of latency)."""
        marker = start_marker(prefix, delimiter, key_marker, upload_id_marker)
        _, page = await asyncio.gather(
            self.head_bucket(account, bucket),
            scan_uploads(self, account, bucket, prefix, delimiter, marker, max_uploads))
        return page
