"""Multipart uploads on Swift Static Large Objects (see gateway.multipart_layout).

CreateMultipartUpload, UploadPart and AbortMultipartUpload live here;
Complete in ``multipart_complete``, ListParts and ListMultipartUploads in
``multipart_listing`` (re-exported so the routing table names one module).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from aiohttp import web

from gateway import errors
from gateway.checksums import COMBINABLE, COMPOSITE, FULL_OBJECT
from gateway.handlers.common import s3_etag, xml_response
from gateway.handlers.multipart_common import (
    ABORT_SETTLE_SECONDS, completed_upload_id, delete_parts, forget_marker, head_marker,
    parse_part_number, part_needs_open_check, recent_marker, require_bucket, upload_id_param)
from gateway.handlers.multipart_complete import complete_multipart_upload
from gateway.handlers.multipart_listing import list_multipart_uploads, list_parts
from gateway.handlers.object_headers import check_key, md5_etag, swift_put_headers
from gateway.handlers.segment_sweep import segments_presence
from gateway.multipart_layout import (
    CHECKSUM_ALGORITHM_META, CHECKSUM_TYPE_META, has_gateway_param, marker_content_type,
    new_upload_id, part_content_type, part_name, segments_container, upload_marker_name,
    uploads_container)
from gateway.s3request import S3Request
from gateway.uploads import UploadBody, store_trailing_checksum, streamed_upload
from gateway.swift.status import StatusMap, raise_for_status
from gateway.xml import XMLWriter

__all__ = ["abort_multipart_upload", "complete_multipart_upload", "create_multipart_upload",
           "list_multipart_uploads", "list_parts", "upload_part"]

CREATE_ERRORS: StatusMap = {400: errors.KeyTooLongError}
UPLOAD_PART_ERRORS: StatusMap = {404: errors.NoSuchUpload, 400: errors.InvalidArgument}
CONTAINER_ERRORS: StatusMap = {}
CHECKSUM_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"})
CHECKSUM_TYPES = frozenset({"COMPOSITE", "FULL_OBJECT"})


def _checksum_settings(req: S3Request) -> tuple[str | None, str | None]:
    """x-amz-checksum-algorithm / -type, validated and defaulted as S3 does."""
    algorithm = req.http.headers.get("x-amz-checksum-algorithm")
    kind = req.http.headers.get("x-amz-checksum-type")
    if algorithm is None:
        if kind is not None:
            raise errors.InvalidRequest("The x-amz-checksum-type header can only be used "
                                        "with the x-amz-checksum-algorithm header.")
        return None, None
    algorithm = algorithm.upper()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise errors.InvalidRequest("Checksum algorithm provided is unsupported. Please try "
                                    "again with any of the valid types: [CRC32, CRC32C, "
                                    "CRC64NVME, SHA1, SHA256]")
    kind = (kind or ("FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE")).upper()
    if kind not in CHECKSUM_TYPES:
        raise errors.InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    # Only CRCs combine into a whole-object value; CRC64NVME exists only that way.
    if (kind == FULL_OBJECT and algorithm not in COMBINABLE) or (
            kind == COMPOSITE and algorithm == "CRC64NVME"):
        raise errors.InvalidRequest(f"The {kind} checksum type cannot be used with the "
                                    f"{algorithm.lower()} checksum algorithm.")
    return algorithm, kind


def part_checksum_policy(marker: Mapping[str, str], upload: UploadBody,
                         default: str = "") -> None:
    """What a part's checksum must be, given the upload's algorithm and type (as S3).

    A checksum of another algorithm is refused. A part sent without one is
    refused by a COMPOSITE upload (its final checksum is made of the client's
    part checksums) and checksummed here for a FULL_OBJECT one. An upload created
    without an algorithm takes any checksum (S3 accepts one, e.g. the CRC32 SDKs
    add); a part without one gets S3's ``default`` (CRC64NVME, "" for none), which
    Complete combines into the object's full-object checksum.
    """
    algorithm = marker.get(CHECKSUM_ALGORITHM_META)
    request = upload.checksum_request
    if algorithm is None:
        if request is None and default:
            upload.compute_checksum(default)
        return
    if request is not None and request.algorithm == algorithm:
        return
    if request is None and marker.get(CHECKSUM_TYPE_META) == FULL_OBJECT:
        upload.compute_checksum(algorithm)
        return
    actual = request.algorithm.lower() if request is not None else "null"
    raise errors.InvalidRequest("Checksum Type mismatch occurred, expected checksum Type: "
                                f"{algorithm.lower()}, actual checksum Type: {actual}")


async def _ensure_containers(req: S3Request) -> None:
    """Create the hidden containers of a bucket (first upload in it)."""
    assert req.bucket is not None
    for container in (segments_container(req.bucket), uploads_container(req.bucket)):
        resp = await req.swift.request("PUT", req.account, container)
        raise_for_status(resp, CONTAINER_ERRORS)
        resp.release()


async def create_multipart_upload(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    check_key(req.key)
    headers = swift_put_headers(req.http.headers)
    headers.pop("ETag", None)  # a Content-MD5 here would be of the (empty) request body
    algorithm, kind = _checksum_settings(req)
    if has_gateway_param(headers["Content-Type"]):
        # The marker's s3gw_ parameters are the gateway's state (multipart_layout).
        raise errors.InvalidArgument("Content type parameters starting with s3gw_ are "
                                     "reserved by this gateway.", ArgumentName="Content-Type",
                                     ArgumentValue=headers["Content-Type"])
    if algorithm is not None and kind is not None:
        headers[CHECKSUM_ALGORITHM_META] = algorithm
        headers[CHECKSUM_TYPE_META] = kind
        # Also in the content type, so ListMultipartUploads reads it from the listing.
        headers["Content-Type"] = marker_content_type(headers["Content-Type"], algorithm, kind)
    # S3's 2 KB limit was checked above; Swift's max_meta_overall_size leaves room for
    # the gateway's own state (these settings, and the final object's upload id).
    headers["Content-Length"] = "0"
    await require_bucket(req)
    upload_id = new_upload_id()
    marker = upload_marker_name(req.key, upload_id)
    resp = await req.swift.request("PUT", req.account, uploads_container(req.bucket), marker,
                                   headers=headers, data=b"")
    if resp.status == 404:  # the bucket's first upload: create the hidden containers
        resp.release()
        await _ensure_containers(req)
        resp = await req.swift.request("PUT", req.account, uploads_container(req.bucket),
                                       marker, headers=headers, data=b"")
    raise_for_status(resp, CREATE_ERRORS)
    resp.release()
    segments_presence(req).mark(req.account, req.bucket)
    doc = XMLWriter("InitiateMultipartUploadResult")
    doc.element("Bucket", req.bucket).element("Key", req.key).element("UploadId", upload_id)
    out_headers = {}
    if algorithm is not None and kind is not None:
        out_headers = {"x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": kind}
    return xml_response(doc, headers=out_headers)


async def upload_part(req: S3Request) -> web.StreamResponse:
    """Stream one part into the segments container; Swift computes (and checks) its MD5."""
    assert req.bucket is not None and req.key is not None
    number = parse_part_number(req.query.get("partNumber"))
    upload_id = upload_id_param(req)
    # Lengths, aws-chunked decoding and checksums: see gateway.uploads.
    upload = await streamed_upload(req, req.config.swift.max_object_size)
    marker = await recent_marker(req, upload_id)
    part_checksum_policy(marker, upload, req.config.server.default_checksum)
    # The checksum rides in the content type too, for listings (multipart_layout);
    # a small part's computed one is known before the PUT (no POST afterwards).
    headers: dict[str, str] = {}
    await upload.read_small_body(headers)
    headers["Content-Type"] = part_content_type(upload.known_checksum())
    upload.apply_headers(headers)
    content_md5 = req.http.headers.get("Content-MD5")
    if content_md5 is not None:
        headers["ETag"] = md5_etag(content_md5)
    container = segments_container(req.bucket)
    name = part_name(req.key, upload_id, number)
    resp = await req.swift.request("PUT", req.account, container, name,
                                   headers=headers, data=upload.chunks)
    committed_at = time.monotonic()
    raise_for_status(resp, UPLOAD_PART_ERRORS)
    resp.release()
    upload.bind_to(resp.headers.get("Etag"))
    headers["Content-Type"] = part_content_type(upload.checksum)
    await store_trailing_checksum(req, upload, headers, container, name)
    await _check_still_open(req, upload_id, name, committed_at)
    return web.Response(status=200, headers={"ETag": s3_etag(resp.headers.get("Etag")),
                                             **upload.response_headers()})


async def _check_still_open(req: S3Request, upload_id: str, name: str,
                            committed_at: float | None = None) -> None:
    """Remove a part that landed after its upload was aborted (no orphan survives).

    ``committed_at``: when Swift had stored the part (``time.monotonic()``;
    default now). Needs no request while the settle rule covers the part (see
    ``part_needs_open_check``). A part of an upload that was completed
    meanwhile is kept: it may be a segment.
    """
    if committed_at is None:
        committed_at = time.monotonic()
    if not part_needs_open_check(req, upload_id, committed_at):
        return
    try:
        await head_marker(req, upload_id)
        return
    except errors.NoSuchUpload:
        pass
    assert req.bucket is not None
    resp = await req.swift.request("HEAD", req.account, req.bucket, req.key)
    resp.release()
    if resp.status == 200 and completed_upload_id(resp.headers) == upload_id:
        return
    resp = await req.swift.request("DELETE", req.account, segments_container(req.bucket), name)
    resp.release()
    raise errors.NoSuchUpload(UploadId=upload_id)


async def abort_multipart_upload(req: S3Request) -> web.StreamResponse:
    """Delete the marker first (so new parts are refused), then every part.

    Between the two it waits ``ABORT_SETTLE_SECONDS``, so that a part still
    being stored meanwhile is either in the listing or checks for the marker
    itself (``part_needs_open_check``). If a concurrent Complete of the same
    upload won (the object now carries this upload id), the parts are its
    segments and stay.
    """
    assert req.bucket is not None and req.key is not None
    upload_id = upload_id_param(req)
    await head_marker(req, upload_id)
    resp = await req.swift.request("DELETE", req.account, uploads_container(req.bucket),
                                   upload_marker_name(req.key, upload_id))
    resp.release()
    if resp.status == 404:
        raise errors.NoSuchUpload(UploadId=upload_id)
    raise_for_status(resp, {})
    forget_marker(req, upload_id)
    await asyncio.sleep(ABORT_SETTLE_SECONDS)
    head = await req.swift.request("HEAD", req.account, req.bucket, req.key)
    head.release()
    if not (head.status == 200 and completed_upload_id(head.headers) == upload_id):
        await delete_parts(req, req.key, upload_id)
    return web.Response(status=204)
