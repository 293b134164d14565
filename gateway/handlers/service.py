"""Service-level operations: ListBuckets."""

from __future__ import annotations

from aiohttp import web

from gateway.handlers.common import owner_xml, xml_response
from gateway.s3request import S3Request
from gateway.swift.status import raise_for_status
from gateway.timefmt import iso_from_swift_listing
from gateway.xml import XMLWriter

LIST_BUCKETS_ERRORS: dict = {}
# Containers the gateway keeps for its own bookkeeping are not buckets.
HIDDEN_SUFFIXES = ("+segments", "+uploads")
PAGE = 10000


async def list_buckets(req: S3Request) -> web.StreamResponse:
    containers: list[dict] = []
    marker = ""
    while True:
        resp = await req.swift.request(
            "GET", req.account, params={"format": "json", "marker": marker, "limit": str(PAGE)})
        if resp.status == 404:  # the account does not exist until first used
            resp.release()
            break
        raise_for_status(resp, LIST_BUCKETS_ERRORS)
        page = await resp.json()
        containers.extend(c for c in page if not c["name"].endswith(HIDDEN_SUFFIXES))
        if len(page) < PAGE:
            break
        marker = page[-1]["name"]
    doc = XMLWriter("ListAllMyBucketsResult")
    owner_xml(doc, req.owner_id)
    doc.start("Buckets")
    for container in containers:
        doc.start("Bucket").element("Name", container["name"])
        doc.element("CreationDate", iso_from_swift_listing(container.get("last_modified", "")))
        doc.end("Bucket")
    doc.end("Buckets")
    return xml_response(doc)
