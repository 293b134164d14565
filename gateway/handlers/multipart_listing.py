"""ListParts and ListMultipartUploads.

Uploads are listed from the ``+uploads`` container, which holds one marker per
upload in progress, so the listing never scans parts or completed segments.
Each upload's checksum algorithm and type come from its marker's content type
in that listing (``multipart_layout.marker_checksum``), never from a HEAD.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from gateway.handlers.common import count_param, key_encoder, owner_xml, xml_response
from gateway.handlers.multipart_common import (
    head_marker, list_parts_of, require_bucket, swift_listing, upload_id_param)
from gateway.multipart_layout import (
    CHECKSUM_ALGORITHM_META, CHECKSUM_TYPE_META, MARKER_SEPARATOR, listed_part_checksum,
    marker_checksum, part_name, part_number_of, split_marker_name, upload_marker_name,
    uploads_container)
from gateway.s3request import S3Request
from gateway.timefmt import iso_from_swift_listing
from gateway.xml import XMLWriter

MAX_PARTS = 1000
MAX_UPLOADS = 1000
SWIFT_PAGE = 10000
# Sorts after every name that starts with a given prefix.
AFTER_ALL = "\U0010ffff"


def int_param(req: S3Request, name: str, default: int, cap: int | None = None) -> int:
    return count_param(req.query.get(name), name, default, cap)


async def list_parts(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    encode = key_encoder(req)
    upload_id = upload_id_param(req)
    max_parts = int_param(req, "max-parts", MAX_PARTS, MAX_PARTS)
    number_marker = int_param(req, "part-number-marker", 0)
    marker_headers = await head_marker(req, upload_id)
    start = part_name(req.key, upload_id, number_marker) if number_marker else ""
    parts = await list_parts_of(req, req.key, upload_id, marker=start,
                                limit=max(max_parts, 0) + 1)
    truncated = len(parts) > max_parts
    parts = parts[:max_parts]

    doc = XMLWriter("ListPartsResult")
    doc.element("Bucket", req.bucket).element("Key", encode(req.key))
    doc.element("UploadId", upload_id)
    doc.element("PartNumberMarker", number_marker)
    if parts:
        doc.element("NextPartNumberMarker", part_number_of(parts[-1]["name"]))
    doc.element("MaxParts", max_parts).element("IsTruncated", truncated)
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    for part in parts:
        doc.start("Part").element("PartNumber", part_number_of(part["name"]))
        doc.element("LastModified", iso_from_swift_listing(part.get("last_modified", "")))
        doc.element("ETag", f'"{part.get("hash", "")}"').element("Size", part.get("bytes", 0))
        checksum = listed_part_checksum(part)  # from the listing: no HEADs
        if checksum is not None:
            doc.element("Checksum" + checksum.algorithm, checksum.value)
        doc.end("Part")
    doc.start("Initiator").element("ID", req.owner_id).element("DisplayName", req.owner_id)
    doc.end("Initiator")
    owner_xml(doc, req.owner_id)
    doc.element("StorageClass", "STANDARD")
    doc.element("ChecksumAlgorithm", marker_headers.get(CHECKSUM_ALGORITHM_META))
    doc.element("ChecksumType", marker_headers.get(CHECKSUM_TYPE_META))
    return xml_response(doc)


@dataclass
class UploadsPage:
    uploads: list[dict] = field(default_factory=list)  # listing entries, plus key/upload_id
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_key: str = ""
    next_upload_id: str = ""


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
            page.next_key, page.next_upload_id = common, ""
        else:
            page.uploads.append({**entry, "key": key, "upload_id": upload_id})
            page.next_key, page.next_upload_id = key, upload_id
    return False


async def _scan_uploads(req: S3Request, prefix: str, delimiter: str, marker: str,
                        max_uploads: int) -> UploadsPage:
    assert req.bucket is not None
    page = UploadsPage()
    if max_uploads == 0:
        return page
    container = uploads_container(req.bucket)
    while True:
        entries = await swift_listing(req, container, {
            "prefix": prefix, "marker": marker, "limit": str(SWIFT_PAGE)})
        if not entries or page_uploads(entries, page, prefix, delimiter, max_uploads):
            return page
        if len(entries) < SWIFT_PAGE:
            return page
        marker = entries[-1]["name"]
        if delimiter and page.prefixes and page.next_upload_id == "":
            marker = max(marker, page.prefixes[-1] + AFTER_ALL)


async def list_multipart_uploads(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    encode = key_encoder(req)
    prefix = req.query.get("prefix", "")
    delimiter = req.query.get("delimiter", "")
    key_marker = req.query.get("key-marker", "")
    upload_id_marker = req.query.get("upload-id-marker", "") if key_marker else ""
    max_uploads = int_param(req, "max-uploads", MAX_UPLOADS, MAX_UPLOADS)
    marker = start_marker(prefix, delimiter, key_marker, upload_id_marker)
    _, page = await asyncio.gather(
        require_bucket(req), _scan_uploads(req, prefix, delimiter, marker, max_uploads))

    doc = XMLWriter("ListMultipartUploadsResult")
    doc.element("Bucket", req.bucket).element("KeyMarker", encode(key_marker))
    doc.element("UploadIdMarker", upload_id_marker)
    if page.truncated:
        doc.element("NextKeyMarker", encode(page.next_key))
        doc.element("NextUploadIdMarker", page.next_upload_id)
    doc.element("Prefix", encode(prefix))
    if delimiter:
        doc.element("Delimiter", encode(delimiter))
    doc.element("MaxUploads", max_uploads).element("IsTruncated", page.truncated)
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    for upload in page.uploads:
        doc.start("Upload").element("Key", encode(upload["key"]))
        doc.element("UploadId", upload["upload_id"])
        doc.start("Initiator").element("ID", req.owner_id)
        doc.element("DisplayName", req.owner_id).end("Initiator")
        owner_xml(doc, req.owner_id)
        doc.element("StorageClass", "STANDARD")
        doc.element("Initiated", iso_from_swift_listing(upload.get("last_modified", "")))
        settings = marker_checksum(upload.get("content_type", ""))
        if settings is not None:  # the MultipartUpload type's last members, as S3 orders them
            doc.element("ChecksumAlgorithm", settings[0]).element("ChecksumType", settings[1])
        doc.end("Upload")
    for common in page.prefixes:
        doc.start("CommonPrefixes").element("Prefix", encode(common)).end("CommonPrefixes")
    return xml_response(doc)
