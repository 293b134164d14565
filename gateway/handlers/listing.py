"""ListObjects (v1) and ListObjectsV2: the XML of a store's listing pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from aiohttp import web

from gateway import errors
from gateway.authz.acl import Owner
from gateway.handlers.common import count_param, key_encoder, owner_fragment, xml_response
from gateway.s3request import S3Request
from gateway.storage.records import ListedObject, ListQuery, ObjectPage
from gateway.timefmt import iso_from_swift_listing
from gateway.xml import XMLWriter, all_literal, escape

MAX_KEYS = 1000


def _max_keys(value: str | None) -> int:
    return count_param(value, "max-keys", MAX_KEYS, MAX_KEYS)


async def list_page(req: S3Request, prefix: str, delimiter: str, marker: str,
                    max_keys: int) -> ObjectPage:
    assert req.bucket is not None
    return await req.store.list_objects(req.account, req.bucket,
                                        ListQuery(prefix, delimiter, marker, max_keys))


_STANDARD_END = "<StorageClass>STANDARD</StorageClass></Contents>"
_QUOTE = '"'


def object_fields_xml(obj: ListedObject) -> str:
    """LastModified, ETag and Size of a listed object (ListObjects, ListObjectVersions),
    as one string: a listing page writes a thousand of them."""
    etag = escape(obj.etag.strip('"'))  # S3 quotes ETags: s3_etag, written escaped
    return (f"<LastModified>{escape(iso_from_swift_listing(obj.last_modified))}</LastModified>"
            f"<ETag>&quot;{etag}&quot;</ETag><Size>{obj.size}</Size>")


def object_fields(doc: XMLWriter, obj: ListedObject) -> None:
    doc.fragment(object_fields_xml(obj))


def _contents(doc: XMLWriter, page: ObjectPage, encode: Callable[[str], str],
              owner: Owner | None) -> None:
    """One string per key. When no key, ETag or date of the page needs escaping
    (one scan of them all), they are written as they are: ``escape`` would
    return each unchanged, and a 1,000-key page would call it 3,000 times."""
    objects = page.objects
    keys = [encode(obj.key) for obj in objects]
    tail = (owner_fragment(owner) if owner is not None else "") + _STANDARD_END
    if all_literal([*keys, *(obj.etag for obj in objects),
                    *(obj.last_modified for obj in objects)]):
        # Literal texts stay literal through the ETag's strip and the date's
        # reformatting (which only adds digits, ".", "Z").
        doc.fragments([
            f"<Contents><Key>{key}</Key><LastModified>"
            f"{iso_from_swift_listing(obj.last_modified)}</LastModified>"
            f"<ETag>&quot;{obj.etag.strip(_QUOTE)}&quot;</ETag><Size>{obj.size}</Size>{tail}"
            for key, obj in zip(keys, objects)])
    else:
        doc.fragments([f"<Contents><Key>{escape(key)}</Key>{object_fields_xml(obj)}{tail}"
                       for key, obj in zip(keys, objects)])
    doc.fragments([f"<CommonPrefixes><Prefix>{escape(encode(common))}</Prefix></CommonPrefixes>"
                   for common in page.prefixes])


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
    _contents(doc, page, encode, req.owner)
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
    _contents(doc, page, encode, req.owner if fetch_owner else None)
    return xml_response(doc)
