"""Small pieces every handler uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from aiohttp import web

from gateway import errors
from gateway.authz.acl import Owner
from gateway.s3request import S3Request
from gateway.xml import XMLWriter, escape

XML_CONTENT_TYPE = "application/xml"


def xml_response(doc: XMLWriter, status: int = 200,
                 headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=doc.to_bytes(), status=status,
                        content_type=XML_CONTENT_TYPE, headers=headers)


def s3_etag(swift_etag: str | None) -> str:
    """S3 always quotes ETags; Swift sometimes does."""
    value = (swift_etag or "").strip('"')
    return f'"{value}"'


def owner_fragment(owner: Owner, element: str = "Owner") -> str:
    """An ``Owner`` (or ``Initiator``) as one escaped string: canonical id and
    display name (a listing with ``fetch-owner`` repeats it per key)."""
    return (f"<{element}><ID>{escape(owner.id)}</ID>"
            f"<DisplayName>{escape(owner.name)}</DisplayName></{element}>")


def owner_xml(doc: XMLWriter, owner: Owner, element: str = "Owner") -> None:
    """An ``Owner`` (or ``Initiator``): canonical id and display name."""
    doc.fragment(owner_fragment(owner, element))


_INTEGER = re.compile(r"-?[0-9]+")
MAX_INT = 2**31 - 1


def count_param(value: str | None, name: str, default: int, cap: int | None = None) -> int:
    """A count such as max-keys or max-parts: 0..2^31-1 (capped), refused as S3 words it."""
    if value is None:
        return default
    number = int(value) if _INTEGER.fullmatch(value) else None
    if number is None or number > MAX_INT:
        raise errors.InvalidArgument(f"Provided {name} not an integer or within integer range",
                                     ArgumentName=name, ArgumentValue=value)
    if number < 0:
        raise errors.InvalidArgument(
            f"Argument {name} must be an integer between 0 and {MAX_INT}",
            ArgumentName=name, ArgumentValue=value)
    return min(number, cap) if cap is not None else number


def key_encoder(req: S3Request) -> Callable[[str], str]:
    """How a listing writes keys: as they are, or URL-encoded for ``encoding-type=url``."""
    encoding = req.query.get("encoding-type")
    if encoding is None:
        return lambda value: value
    if encoding != "url":
        raise errors.InvalidEncodingType(ArgumentName="encoding-type", ArgumentValue=encoding)
    return lambda value: quote(value, safe="/")
