"""GetObjectAttributes: HeadObject and a completed object's ListParts in one answer.

The client names the attributes it wants (``x-amz-object-attributes``); the
record comes from one ``head_object``. Parts are listed (one store call) only
for ``ObjectParts`` of a multipart object with a checksum: as on S3, a
multipart object without one shows its parts count and no ``Part`` entries.
"""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDictProxy

from gateway import errors
from gateway.authz.point import check_object
from gateway.handlers.common import xml_response
from gateway.s3request import S3Request
from gateway.storage.etags import parts_in_etag
from gateway.storage.records import ObjectInfo, PartsPage
from gateway.timefmt import http_date_of
from gateway.xml import XMLWriter

ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")
ATTRIBUTES_HEADER = "x-amz-object-attributes"
MAX_PARTS = 1000


def requested_attributes(headers: CIMultiDictProxy[str]) -> frozenset[str]:
    """The attribute names of ``x-amz-object-attributes`` (comma-separated, in one or
    several headers; empty items are ignored), refused as S3 refuses them."""
    names = [name.strip() for value in headers.getall(ATTRIBUTES_HEADER, [])
             for name in value.split(",") if name.strip()]
    if not names:
        raise errors.InvalidRequest(
            "The x-amz-object-attributes header specifying the attributes to be "
            "retrieved is either missing or empty")
    for name in names:
        if name not in ATTRIBUTES:
            raise errors.InvalidArgument("Invalid attribute name specified.",
                                         ArgumentName=ATTRIBUTES_HEADER, ArgumentValue=name)
    return frozenset(names)


def _count_header(headers: CIMultiDictProxy[str], name: str, default: int) -> int:
    """``x-amz-max-parts`` / ``x-amz-part-number-marker``: S3 ignores a value that is
    not a non-negative integer (the default applies), it does not refuse it."""
    value = headers.get(name, "").strip()
    return int(value) if value.isascii() and value.isdigit() else default


def parts_count_of(info: ObjectInfo) -> int | None:
    """A multipart object's parts count: the record's, else (a backend that only
    knows it on a part read) the one its upload's ``-N`` ETag carries."""
    if info.parts_count is not None:
        return info.parts_count
    return parts_in_etag(info.etag) if info.upload_id is not None else None


async def get_object_attributes(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    wanted = requested_attributes(req.http.headers)
    info = await req.store.head_object(req.account, req.bucket, req.key)
    check_object(req, info)
    parts_count = parts_count_of(info)
    headers = req.http.headers
    marker = _count_header(headers, "x-amz-part-number-marker", 0)
    max_parts = min(_count_header(headers, "x-amz-max-parts", MAX_PARTS), MAX_PARTS)
    page = None
    if "ObjectParts" in wanted and parts_count is not None and info.checksum is not None:
        page = await req.store.list_object_parts(req.account, req.bucket, info, marker,
                                                 max_parts)

    doc = XMLWriter("GetObjectAttributesResponse")
    if "ETag" in wanted:
        doc.element("ETag", info.etag)  # unquoted, unlike every other S3 answer
    if "Checksum" in wanted and info.checksum is not None:
        # Unlike HeadObject, a COMPOSITE value comes without its "-N" suffix
        # (clients add TotalPartsCount themselves).
        doc.start("Checksum")
        doc.element("Checksum" + info.checksum.algorithm,
                    info.checksum.value.partition("-")[0])
        doc.element("ChecksumType", info.checksum.type).end("Checksum")
    if "ObjectParts" in wanted and parts_count is not None:
        _object_parts(doc, parts_count, page, marker, max_parts)
    if "StorageClass" in wanted:
        doc.element("StorageClass", "STANDARD")
    if "ObjectSize" in wanted:
        doc.element("ObjectSize", info.size)
    out = {}
    if info.last_modified is not None:
        out["Last-Modified"] = http_date_of(info.last_modified)
    return xml_response(doc, headers=out)


def _object_parts(doc: XMLWriter, parts_count: int, page: PartsPage | None, marker: int,
                  max_parts: int) -> None:
    """``ObjectParts``: the count alone, or with a page of parts (``page``)."""
    doc.start("ObjectParts")
    if page is not None:
        doc.element("IsTruncated", page.truncated).element("MaxParts", max_parts)
        next_marker = page.parts[-1].number if page.parts else marker
        doc.element("NextPartNumberMarker", next_marker)
        doc.element("PartNumberMarker", marker)
        for part in page.parts:
            doc.start("Part")
            if part.checksum is not None:
                doc.element("Checksum" + part.checksum.algorithm, part.checksum.value)
            doc.element("PartNumber", part.number).element("Size", part.size).end("Part")
    doc.element("PartsCount", parts_count)
    doc.end("ObjectParts")
