"""ListObjects (v1) and ListObjectsV2 on Swift container listings."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from gateway import errors
from gateway.handlers.common import count_param, key_encoder, owner_xml, s3_etag, xml_response
from gateway.multipart_layout import split_etag_param
from gateway.s3request import S3Request
from gateway.swift.status import StatusMap, raise_for_status
from gateway.timefmt import iso_from_swift_listing
from gateway.xml import XMLWriter

LIST_OBJECTS_ERRORS: StatusMap = {404: errors.NoSuchBucket}
MAX_KEYS = 1000
SWIFT_PAGE = 10000
# Sorts after every key that starts with a given prefix (Swift compares UTF-8 bytes).
AFTER_ALL = "\U0010ffff"


@dataclass
class Page:
    objects: list[dict]
    prefixes: list[str]
    truncated: bool
    last_name: str  # the last key or common prefix returned: where the next page starts


def _max_keys(value: str | None) -> int:
    return count_param(value, "max-keys", MAX_KEYS, MAX_KEYS)


async def _swift_listing(req: S3Request, params: dict[str, str]) -> list[dict]:
    params = {"format": "json", **params}
    resp = await req.swift.request("GET", req.account, req.bucket, params=params)
    raise_for_status(resp, LIST_OBJECTS_ERRORS)
    if resp.status == 204:
        resp.release()
        return []
    return await resp.json()


def _swift_can_group(delimiter: str) -> bool:
    """Swift's own listing groups by a delimiter of one character below U+00FF."""
    return len(delimiter) == 1 and ord(delimiter) < 255


async def _page_grouped_by_swift(req: S3Request, prefix: str, delimiter: str,
                                 marker: str, max_keys: int) -> Page:
    params = {"prefix": prefix, "marker": marker, "limit": str(max_keys + 1)}
    if delimiter:
        params["delimiter"] = delimiter
    entries = await _swift_listing(req, params)
    truncated = len(entries) > max_keys
    entries = entries[:max_keys]
    page = Page([], [], truncated, "")
    for entry in entries:
        if "subdir" in entry:
            page.prefixes.append(entry["subdir"])
            page.last_name = entry["subdir"]
        else:
            page.objects.append(entry)
            page.last_name = entry["name"]
    return page


async def _page_grouped_here(req: S3Request, prefix: str, delimiter: str,
                             marker: str, max_keys: int) -> Page:
    """Group by a delimiter Swift cannot handle (several characters, or non-Latin-1)."""
    page = Page([], [], False, "")
    count = 0
    swift_marker = marker
    if marker.startswith(prefix) and marker.endswith(delimiter) and delimiter in marker[len(prefix):]:
        swift_marker = marker + AFTER_ALL  # the marker is a common prefix already returned
    while True:
        entries = await _swift_listing(
            req, {"prefix": prefix, "marker": swift_marker, "limit": str(SWIFT_PAGE)})
        for entry in entries:
            name = entry["name"]
            cut = name.find(delimiter, len(prefix))
            if cut >= 0:
                common = name[: cut + len(delimiter)]
                if page.prefixes and page.prefixes[-1] == common:
                    continue
                if common == marker:
                    continue
                if count == max_keys:
                    page.truncated = True
                    return page
                page.prefixes.append(common)
            else:
                if count == max_keys:
                    page.truncated = True
                    return page
                page.objects.append(entry)
                common = name
            page.last_name = common
            count += 1
        if len(entries) < SWIFT_PAGE:
            return page
        swift_marker = entries[-1]["name"]


async def list_page(req: S3Request, prefix: str, delimiter: str, marker: str,
                     max_keys: int) -> Page:
    if max_keys == 0:
        await _swift_listing(req, {"limit": "0"})  # still answers NoSuchBucket
        return Page([], [], False, "")
    if not delimiter or _swift_can_group(delimiter):
        return await _page_grouped_by_swift(req, prefix, delimiter, marker, max_keys)
    return await _page_grouped_here(req, prefix, delimiter, marker, max_keys)


def object_fields(doc: XMLWriter, obj: dict) -> None:
    """LastModified, ETag and Size of a listed object (ListObjects, ListObjectVersions)."""
    doc.element("LastModified", iso_from_swift_listing(obj.get("last_modified", "")))
    # A multipart object's S3 ETag rides in its content type (gateway.multipart_layout).
    multipart_etag = split_etag_param(obj.get("content_type") or "")[1]
    doc.element("ETag", s3_etag(multipart_etag or obj.get("hash")))
    doc.element("Size", obj.get("bytes", 0))


def _contents(doc: XMLWriter, page: Page, encode: Callable[[str], str],
              owner: str | None) -> None:
    for obj in page.objects:
        doc.start("Contents").element("Key", encode(obj["name"]))
        object_fields(doc, obj)
        if owner is not None:
            owner_xml(doc, owner)
        doc.element("StorageClass", "STANDARD").end("Contents")
    for common in page.prefixes:
        doc.start("CommonPrefixes").element("Prefix", encode(common)).end("CommonPrefixes")


def encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode("ascii")


def decode_token(token: str) -> str:
    try:
        return base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise errors.InvalidArgument("The continuation token provided is incorrect",
                                     ArgumentName="continuation-token") from None


async def list_objects(req: S3Request) -> web.StreamResponse:
    """ListObjects (v1); routing sends ``list-type=2`` to ``list_objects_v2``."""
    list_type = req.query.get("list-type")
    if list_type is not None:  # a version of the listing this gateway does not know
        raise errors.InvalidArgument("Invalid List Type specified in Request",
                                     ArgumentName="list-type", ArgumentValue=list_type)
    encode = key_encoder(req)
    prefix = req.query.get("prefix", "")
    delimiter = req.query.get("delimiter", "")
    marker = req.query.get("marker", "")
    max_keys = _max_keys(req.query.get("max-keys"))
    page = await list_page(req, prefix, delimiter, marker, max_keys)

    doc = XMLWriter("ListBucketResult")
    doc.element("Name", req.bucket).element("Prefix", encode(prefix))
    doc.element("Marker", encode(marker))
    if page.truncated and delimiter:
        doc.element("NextMarker", encode(page.last_name))
    doc.element("MaxKeys", max_keys)
    if delimiter:
        doc.element("Delimiter", encode(delimiter))
    doc.element("IsTruncated", page.truncated)
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    _contents(doc, page, encode, req.owner_id)
    return xml_response(doc)


async def list_objects_v2(req: S3Request) -> web.StreamResponse:
    encode = key_encoder(req)
    prefix = req.query.get("prefix", "")
    delimiter = req.query.get("delimiter", "")
    token = req.query.get("continuation-token")
    start_after = req.query.get("start-after", "")
    max_keys = _max_keys(req.query.get("max-keys"))
    marker = decode_token(token) if token is not None else start_after
    page = await list_page(req, prefix, delimiter, marker, max_keys)
    fetch_owner = req.query.get("fetch-owner", "").lower() == "true"

    doc = XMLWriter("ListBucketResult")
    doc.element("Name", req.bucket).element("Prefix", encode(prefix))
    doc.element("MaxKeys", max_keys)
    doc.element("KeyCount", len(page.objects) + len(page.prefixes))
    if delimiter:
        doc.element("Delimiter", encode(delimiter))
    doc.element("IsTruncated", page.truncated)
    if token is not None:
        doc.element("ContinuationToken", token)
    if page.truncated:
        doc.element("NextContinuationToken", encode_token(page.last_name))
    if "start-after" in req.query:
        doc.element("StartAfter", encode(start_after))
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    _contents(doc, page, encode, req.owner_id if fetch_owner else None)
    return xml_response(doc)
