"""Upload markers in ``<bucket>+uploads``: finding one, and the Abort settle rule.

A marker exists while its upload is in progress (``gateway.swift.multipart_layout``).
Every marker HEAD that finds one is remembered in the store's ``MarkerCache``
(app-scoped, ``gateway.swift.caches``), which spares UploadPart a HEAD before
each body and lets concurrent parts of one upload share one HEAD per settle
period after their PUT (``part_needs_open_check``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.swift.multipart_layout import upload_marker_name, uploads_container, valid_upload_id
from gateway.storage import errors as store
from gateway.swift.caches import MarkerCache
from gateway.swift.client import SwiftClient
from gateway.swift.outcomes import raise_for

# How long an Abort waits between deleting the marker and listing the parts it
# deletes (see part_needs_open_check).
ABORT_SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class UploadAt:
    """One upload of one key, with the store's client and marker cache."""

    swift: SwiftClient
    markers: MarkerCache
    account: str
    bucket: str
    key: str
    upload_id: str

    @property
    def cache_key(self) -> tuple[str, ...]:
        return (self.account, self.bucket, self.key, self.upload_id)

    @property
    def marker(self) -> tuple[str, str]:
        """(container, object) of the marker."""
        return uploads_container(self.bucket), upload_marker_name(self.key, self.upload_id)

    def not_found(self) -> store.UploadNotFound:
        return store.UploadNotFound(bucket=self.bucket, key=self.key, upload_id=self.upload_id)

    def forget(self) -> None:
        self.markers.forget(self.cache_key)

    def part_needs_open_check(self, committed_at: float) -> bool:
        """Whether a part stored at ``committed_at`` (monotonic) must HEAD its marker again.

        The settle rule: AbortMultipartUpload deletes the marker, waits
        ``ABORT_SETTLE_SECONDS``, and only then lists the parts it deletes. A part
        committed less than that after a moment its marker still existed (a HEAD
        sent then found it) was therefore committed before that listing, and the
        Abort removes it. Only a part committed later must look for the marker
        itself, so concurrent parts of one upload share one HEAD per settle period
        instead of one HEAD each. Only durations on one clock are compared.
        """
        seen_at = self.markers.seen_at(self.cache_key)
        return seen_at is None or committed_at - seen_at >= ABORT_SETTLE_SECONDS


async def head_marker(at: UploadAt) -> Mapping[str, str] | None:
    """The marker's headers (remembered in the cache), ``None`` if there is none."""
    if not valid_upload_id(at.upload_id):
        return None
    sent = time.monotonic()
    container, name = at.marker
    resp = await at.swift.request("HEAD", at.account, container, name)
    resp.release()
    if resp.status == 404:
        at.forget()
        return None
    raise_for(resp, {}, bucket=at.bucket, key=at.key)
    at.markers.put(at.cache_key, resp.headers, seen_at=sent)
    return resp.headers


async def recent_marker(at: UploadAt) -> Mapping[str, str] | None:
    """``head_marker``, answered from the cache when the marker was seen just now."""
    headers = at.markers.get(at.cache_key)
    if headers is None:
        headers = await head_marker(at)
    return headers
