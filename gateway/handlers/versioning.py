"""GetBucketVersioning and ListObjectVersions for buckets that are never versioned.

rclone, s3-tests, the AWS SDKs' bucket-emptying helpers and others ask these
of every bucket. Until versioning exists, a bucket answers as an S3 bucket on
which versioning was never enabled: an empty ``VersioningConfiguration``, and
each object as its only version, ``null``, the latest (never a DeleteMarker).
The listing is ListObjects' own (``listing.list_page``): same prefix,
delimiter, max-keys and encoding-type handling. With one version per key,
``key-marker`` alone says where a page starts; ``version-id-marker`` can only
be ``null`` (or empty), which starts after that key too.
"""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.handlers.common import count_param, key_encoder, owner_xml, xml_response
from gateway.handlers.copy_source import NULL_VERSION
from gateway.handlers.listing import MAX_KEYS, list_page, object_fields
from gateway.handlers.objects import require_bucket
from gateway.s3request import S3Request
from gateway.xml import XMLWriter


async def get_bucket_versioning(req: S3Request) -> web.StreamResponse:
    """Never enabled: no ``Status`` element, as S3 answers for such a bucket."""
    await require_bucket(req)
    return xml_response(XMLWriter("VersioningConfiguration"))


def _version_id_marker(req: S3Request, key_marker: str) -> str | None:
    value = req.query.get("version-id-marker")
    if value is None:
        return None
    if value and not key_marker:
        raise errors.InvalidArgument("A version-id marker cannot be specified without a key "
                                     "marker.", ArgumentName="version-id-marker",
                                     ArgumentValue=value)
    if value not in ("", NULL_VERSION):
        raise errors.InvalidArgument("Invalid version id specified",
                                     ArgumentName="version-id-marker", ArgumentValue=value)
    return value


async def list_object_versions(req: S3Request) -> web.StreamResponse:
    encode = key_encoder(req)
    prefix = req.query.get("prefix", "")
    delimiter = req.query.get("delimiter", "")
    key_marker = req.query.get("key-marker", "")
    version_marker = _version_id_marker(req, key_marker)
    max_keys = count_param(req.query.get("max-keys"), "max-keys", MAX_KEYS, MAX_KEYS)
    page = await list_page(req, prefix, delimiter, key_marker, max_keys)

    doc = XMLWriter("ListVersionsResult")
    doc.element("Name", req.bucket).element("Prefix", encode(prefix))
    doc.element("KeyMarker", encode(key_marker))
    doc.element("VersionIdMarker", version_marker or "")
    if page.truncated:
        doc.element("NextKeyMarker", encode(page.last_name))
        last_is_object = bool(page.objects) and page.objects[-1].key == page.last_name
        if last_is_object:
            doc.element("NextVersionIdMarker", NULL_VERSION)
    doc.element("MaxKeys", max_keys)
    if delimiter:
        doc.element("Delimiter", encode(delimiter))
    doc.element("IsTruncated", page.truncated)
    for obj in page.objects:
        doc.start("Version").element("Key", encode(obj.key))
        doc.element("VersionId", NULL_VERSION).element("IsLatest", True)
        object_fields(doc, obj)
        owner_xml(doc, req.owner)
        doc.element("StorageClass", "STANDARD").end("Version")
    for common in page.prefixes:
        doc.start("CommonPrefixes").element("Prefix", encode(common)).end("CommonPrefixes")
    if "encoding-type" in req.query:
        doc.element("EncodingType", "url")
    return xml_response(doc)
