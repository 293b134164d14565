"""ListParts and ListMultipartUploads: the store's pages, as S3's XML."""

from __future__ import annotations

from aiohttp import web

from gateway.handlers.common import count_param, key_encoder, owner_xml, xml_response
from gateway.handlers.multipart_common import upload_id_param
from gateway.s3request import S3Request, owner_of
from gateway.storage.records import UploadInfo
from gateway.timefmt import iso_from_datetime
from gateway.xml import XMLWriter

MAX_PARTS = 1000
MAX_UPLOADS = 1000


def int_param(req: S3Request, name: str, default: int, cap: int | None = None) -> int:
    return count_param(req.query.get(name), name, default, cap)


def _parties_xml(req: S3Request, doc: XMLWriter, upload: UploadInfo) -> None:
    """``Initiator`` (who called CreateMultipartUpload) and ``Owner`` (who will own
    the object), as recorded with the upload; the bucket's owner when not recorded."""
    owner_xml(doc, owner_of(upload.initiator) if upload.initiator else req.owner, "Initiator")
    owner_xml(doc, owner_of(upload.owner) if upload.owner else req.owner)


async def list_parts(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    encode = key_encoder(req)
    upload_id = upload_id_param(req)
    max_parts = int_param(req, "max-parts", MAX_PARTS, MAX_PARTS)
    number_marker = int_param(req, "part-number-marker", 0)
    upload = await req.store.get_upload(req.account, req.bucket, req.key, upload_id)
    page = await req.store.list_parts(req.account, req.bucket, req.key, upload_id,
                                      number_marker, max_parts)

    doc = XMLWriter("ListPartsResult")
    doc.element("Bucket", req.bucket).element("Key", encode(req.key))
    doc.element("UploadId", upload_id)
    doc.element("PartNumberMarker", number_marker)
    if page.parts:
        doc.element("NextPartNumberMarker", page.parts[-1].number)
    doc.element("MaxParts", max_parts).element("IsTruncated", page.truncated)
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    for part in page.parts:
        doc.start("Part").element("PartNumber", part.number)
        doc.element("LastModified", iso_from_datetime(part.last_modified))
        doc.element("ETag", f'"{part.etag}"').element("Size", part.size)
        if part.checksum is not None:
            doc.element("Checksum" + part.checksum.algorithm, part.checksum.value)
        doc.end("Part")
    _parties_xml(req, doc, upload)
    doc.element("StorageClass", "STANDARD")
    doc.element("ChecksumAlgorithm", upload.checksum_algorithm)
    doc.element("ChecksumType", upload.checksum_type)
    return xml_response(doc)


async def list_multipart_uploads(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    encode = key_encoder(req)
    prefix = req.query.get("prefix", "")
    delimiter = req.query.get("delimiter", "")
    key_marker = req.query.get("key-marker", "")
    upload_id_marker = req.query.get("upload-id-marker", "") if key_marker else ""
    max_uploads = int_param(req, "max-uploads", MAX_UPLOADS, MAX_UPLOADS)
    page = await req.store.list_uploads(req.account, req.bucket, prefix, delimiter,
                                        key_marker, upload_id_marker, max_uploads)

    doc = XMLWriter("ListMultipartUploadsResult")
    doc.element("Bucket", req.bucket).element("KeyMarker", encode(key_marker))
    doc.element("UploadIdMarker", upload_id_marker)
    if page.truncated:
        doc.element("NextKeyMarker", encode(page.next_key_marker))
        doc.element("NextUploadIdMarker", page.next_upload_id_marker)
    doc.element("Prefix", encode(prefix))
    if delimiter:
        doc.element("Delimiter", encode(delimiter))
    doc.element("MaxUploads", max_uploads).element("IsTruncated", page.truncated)
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    for upload in page.uploads:
        doc.start("Upload").element("Key", encode(upload.key))
        doc.element("UploadId", upload.upload_id)
        _parties_xml(req, doc, upload)
        doc.element("StorageClass", "STANDARD")
        doc.element("Initiated", iso_from_datetime(upload.initiated))
        if upload.checksum_algorithm is not None and upload.checksum_type is not None:
            # The MultipartUpload type's last members, as S3 orders them.
            doc.element("ChecksumAlgorithm", upload.checksum_algorithm)
            doc.element("ChecksumType", upload.checksum_type)
        doc.end("Upload")
    for common in page.prefixes:
        doc.start("CommonPrefixes").element("Prefix", encode(common)).end("CommonPrefixes")
    return xml_response(doc)
