"""Small pieces every handler uses."""

from __future__ import annotations

from aiohttp import web

from gateway.xml import XMLWriter

XML_CONTENT_TYPE = "application/xml"


def xml_response(doc: XMLWriter, status: int = 200,
                 headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=doc.to_bytes(), status=status,
                        content_type=XML_CONTENT_TYPE, headers=headers)


def s3_etag(swift_etag: str | None) -> str:
    """S3 always quotes ETags; Swift sometimes does."""
    value = (swift_etag or "").strip('"')
    return f'"{value}"'


def owner_xml(doc: XMLWriter, owner_id: str) -> None:
    doc.start("Owner").element("ID", owner_id).element("DisplayName", owner_id).end("Owner")
