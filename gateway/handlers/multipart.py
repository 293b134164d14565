"""Multipart uploads: CreateMultipartUpload, UploadPart and AbortMultipartUpload.

Complete lives in ``multipart_complete``, ListParts and ListMultipartUploads in
``multipart_listing`` (re-exported so the routing table names one module). The
store keeps the uploads (``Store.create_upload`` ... ``abort_upload``); these
handlers validate the request, apply S3's checksum rules and write the XML.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from aiohttp import web

from gateway import errors
from gateway.body import UploadBody, streamed_upload
from gateway.checksums import COMBINABLE, COMPOSITE, FULL_OBJECT
from gateway.handlers.common import xml_response
from gateway.handlers.multipart_common import parse_part_number, upload_id_param
from gateway.handlers.multipart_complete import complete_multipart_upload
from gateway.handlers.multipart_listing import list_multipart_uploads, list_parts
from gateway.handlers.acl import object_acl_of_write, object_writer_account
from gateway.handlers.object_headers import check_key, md5_etag, new_object
from gateway.reserved import has_reserved_param
from gateway.s3request import S3Request
from gateway.storage.records import UploadInfo
from gateway.xml import XMLWriter

__all__ = ["abort_multipart_upload", "complete_multipart_upload", "create_multipart_upload",
           "list_multipart_uploads", "list_parts", "upload_part"]

log = logging.getLogger("gateway")

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


def part_checksum_policy(upload: UploadInfo, body: UploadBody, default: str = "") -> None:
    """What a part's checksum must be, given the upload's algorithm and type (as S3).

    A checksum of another algorithm is refused. A part sent without one is
    refused by a COMPOSITE upload (its final checksum is made of the client's
    part checksums) and checksummed here for a FULL_OBJECT one. An upload created
    without an algorithm takes any checksum (S3 accepts one, e.g. the CRC32 SDKs
    add); a part without one gets S3's ``default`` (CRC64NVME, "" for none), which
    Complete combines into the object's full-object checksum.
    """
    algorithm = upload.checksum_algorithm
    request = body.checksum_request
    if algorithm is None:
        if request is None and default:
            body.compute_checksum(default)
        return
    if request is not None and request.algorithm == algorithm:
        return
    if request is None and upload.checksum_type == FULL_OBJECT:
        body.compute_checksum(algorithm)
        return
    actual = request.algorithm.lower() if request is not None else "null"
    raise errors.InvalidRequest("Checksum Type mismatch occurred, expected checksum Type: "
                                f"{algorithm.lower()}, actual checksum Type: {actual}")


async def create_multipart_upload(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    check_key(req.key)
    # What PutObject would store; a Content-MD5 here would be of the (empty) request body.
    new = replace(new_object(req.http.headers), content_md5=None,
                  acl=object_acl_of_write(req))  # applied at Complete
    algorithm, kind = _checksum_settings(req)
    if has_reserved_param(new.content_type):
        # Content type parameters named s3gw_ carry the gateway's state.
        raise errors.InvalidArgument("Content type parameters starting with s3gw_ are "
                                     "reserved by this gateway.", ArgumentName="Content-Type",
                                     ArgumentValue=new.content_type)
    # Recorded only when not the bucket's owner (ListMultipartUploads shows both).
    initiator = None if req.principal.is_anonymous else req.caller_account
    owner = object_writer_account(req)
    upload_id = await req.store.create_upload(
        req.account, req.bucket, req.key, new, algorithm, kind,
        initiator=None if initiator == req.account else initiator,
        owner=None if owner == req.account else owner)
    doc = XMLWriter("InitiateMultipartUploadResult")
    doc.element("Bucket", req.bucket).element("Key", req.key).element("UploadId", upload_id)
    out_headers = {}
    if algorithm is not None and kind is not None:
        out_headers = {"x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": kind}
    return xml_response(doc, headers=out_headers)


async def upload_part(req: S3Request) -> web.StreamResponse:
    """Stream one part to the store, with the checksum S3's rules ask for."""
    assert req.bucket is not None and req.key is not None
    number = parse_part_number(req.query.get("partNumber"))
    upload_id = upload_id_param(req)
    # Lengths, aws-chunked decoding and checksums: see gateway.body.
    body = await streamed_upload(req, req.config.swift.max_object_size)
    upload = await req.store.get_upload(req.account, req.bucket, req.key, upload_id,
                                        cached=True)
    part_checksum_policy(upload, body, req.config.server.default_checksum)
    # A small part's computed checksum is known before the write (no second request).
    await body.read_small_body()
    content_md5 = req.http.headers.get("Content-MD5")
    md5 = md5_etag(content_md5) if content_md5 is not None else None
    stored = await req.store.upload_part(req.account, req.bucket, req.key, upload_id, number,
                                         body.chunks, body.content_length,
                                         body.known_checksum(), md5)
    body.bind_to(stored.backend_etag)
    if body.checksum_in_trailer and body.checksum is not None:
        await _record_part_checksum(req, upload_id, number, body)
    return web.Response(status=200, headers={"ETag": f'"{stored.etag}"',
                                             **body.response_headers()})


async def _record_part_checksum(req: S3Request, upload_id: str, number: int,
                                body: UploadBody) -> None:
    """A checksum learned after the body: stored when bound to the part's ETag."""
    assert req.bucket is not None and req.key is not None and body.checksum is not None
    if body.checksum.etag is None:
        log.warning("request %s: trailing checksum not bound to the PUT's ETag, not stored",
                    req.request_id)
        return
    if not await req.store.record_part_checksum(req.account, req.bucket, req.key, upload_id,
                                                number, body.checksum):
        log.warning("request %s: storing the trailing checksum failed", req.request_id)


async def abort_multipart_upload(req: S3Request) -> web.StreamResponse:
    """The store forgets the upload and removes its parts (also one still arriving)."""
    assert req.bucket is not None and req.key is not None
    await req.store.abort_upload(req.account, req.bucket, req.key, upload_id_param(req))
    return web.Response(status=204)
