"""Service-level operations: ListBuckets."""

from __future__ import annotations

from aiohttp import web

from gateway.handlers.common import owner_xml, xml_response
from gateway.s3request import S3Request
from gateway.timefmt import iso_from_datetime
from gateway.xml import XMLWriter


async def list_buckets(req: S3Request) -> web.StreamResponse:
    buckets = await req.store.list_buckets(req.account)
    doc = XMLWriter("ListAllMyBucketsResult")
    owner_xml(doc, req.owner_id)
    doc.start("Buckets")
    for bucket in buckets:
        doc.start("Bucket").element("Name", bucket.name)
        doc.element("CreationDate", iso_from_datetime(bucket.created))
        doc.end("Bucket")
    doc.end("Buckets")
    return xml_response(doc)
