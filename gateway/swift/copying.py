"""The Swift mechanics of a server-side copy, for CopyObject and UploadPartCopy.

The copy itself always happens inside Swift: its ``copy`` middleware serves a
PUT with ``X-Copy-From`` (and ``Range`` for a part) inside the proxy.
``X-Fresh-Metadata`` makes Swift drop the source's user metadata, so the
destination gets exactly the headers the caller built (``gateway.swift.codec``).
The copy is pinned with ``If-Match`` to the Swift ETag of the source the
caller read (``ObjectInfo.backend_etag``), so a concurrent overwrite cannot
slip in between: Swift answers 412 (``PreconditionFailed``) and the caller
may read the source again and retry.

``hash_source`` reads the source (or a range of it) once through the gateway,
pinned the same way, to learn a checksum S3 needs before the copy writes it
(UploadPartCopy into an upload with a checksum algorithm). Both reads are
pinned to the same Swift ETag, hence the same bytes; no MD5 is computed here.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from datetime import datetime

import aiohttp

from gateway import checksums
from gateway.checksums import Checksum
from gateway.storage import errors as store
from gateway.storage.records import ObjectInfo
from gateway.streams import body_pieces
from gateway.swift.client import SwiftClient, quote_name
from gateway.swift.outcomes import OutcomeMap, raise_for
from gateway.timefmt import parse_http_date

# 404: the source (or the destination's container: the caller tells them apart).
# 413: the source exceeds Swift's own object size limit (below S3's 5 GiB copy limit).
COPY_OUTCOMES: OutcomeMap = {
    404: store.ObjectNotFound, 412: store.PreconditionFailed, 416: store.RangeNotSatisfiable,
    400: store.InvalidWrite, 413: store.EntityTooLarge}
SOURCE_READ_OUTCOMES: OutcomeMap = {
    404: store.ObjectNotFound, 412: store.PreconditionFailed, 416: store.RangeNotSatisfiable}


def copy_from(bucket: str, key: str) -> str:
    """The ``X-Copy-From`` value; Swift percent-decodes it before splitting the path."""
    return f"/{quote_name(bucket)}/{quote_name(key)}"


def range_header(span: tuple[int, int]) -> str:
    return f"bytes={span[0]}-{span[1]}"


async def copy_put(swift: SwiftClient, account: str, container: str, obj: str,
                   source_bucket: str, source: ObjectInfo, headers: Mapping[str, str], *,
                   pin: bool = True, params: Mapping[str, str] | None = None,
                   source_account: str | None = None) -> Mapping[str, str]:
    """PUT ``container/obj`` copied from ``source_bucket/source.key`` with ``headers``
    (metadata, ``Range`` for a part); Swift's response headers of the new object.
    ``source_account``: the source's account when not ``account`` (a copy from a
    bucket of another account, which the caller was granted to read).

    Store errors name the source: ``ObjectNotFound`` (the source is gone, or the
    destination container: the caller checks), ``PreconditionFailed`` (the source
    changed since it was read; ``pin`` False for a manifest copied onto itself),
    ``RangeNotSatisfiable``, ``InvalidWrite``, ``EntityTooLarge``.
    """
    send = dict(headers)
    send.update({"X-Copy-From": copy_from(source_bucket, source.key),
                 "X-Fresh-Metadata": "true", "Content-Length": "0"})
    if pin and source.backend_etag:
        send["If-Match"] = source.backend_etag
    if source_account is not None and source_account != account:
        send["X-Copy-From-Account"] = source_account
    resp = await swift.request("PUT", account, container, obj, headers=send, params=params)
    resp.release()
    raise_for(resp, COPY_OUTCOMES, bucket=source_bucket, key=source.key)
    return resp.headers


def written(headers: Mapping[str, str]) -> tuple[str, datetime | None]:
    """(Swift ETag, Last-Modified) of an object a copy PUT just wrote."""
    modified = headers.get("Last-Modified")
    return headers.get("Etag", ""), parse_http_date(modified) if modified else None


async def hash_source(swift: SwiftClient, account: str, source_bucket: str,
                      source: ObjectInfo, algorithm: str,
                      span: tuple[int, int] | None = None) -> Checksum:
    """The ``algorithm`` checksum of the source (or its ``span``), read once through
    the gateway, pinned to ``source.backend_etag``; nothing is stored.

    ``ObjectNotFound``, ``PreconditionFailed`` (changed since read),
    ``RangeNotSatisfiable``; ``StoreUnavailable`` for a read that broke off or
    came up short (never a checksum of other bytes).
    """
    # X-Newest: read the version the copy middleware will read (it asks for the newest).
    headers = {"X-Newest": "true"}
    if source.backend_etag:
        headers["If-Match"] = source.backend_etag
    expected = source.size
    if span is not None:
        headers["Range"] = range_header(span)
        expected = span[1] - span[0] + 1
    hasher = checksums.new_hasher(algorithm)
    size = 0
    resp = await swift.request("GET", account, source_bucket, source.key, headers=headers)
    try:
        raise_for(resp, SOURCE_READ_OUTCOMES, bucket=source_bucket, key=source.key)
        async for chunk in body_pieces(resp.content):
            hasher.update(chunk)
            size += len(chunk)
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as exc:
        raise store.StoreUnavailable("reading the copy source broke off") from exc
    finally:
        resp.release()
    if size != expected:
        raise store.StoreUnavailable("the copy source was shorter than announced")
    return Checksum(algorithm, base64.b64encode(hasher.digest()).decode("ascii"))
