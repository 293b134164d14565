"""Header mapping between S3 objects and Swift objects.

User metadata ``x-amz-meta-*`` is stored as ``X-Object-Meta-*`` or packed
(``gateway.handlers.user_metadata``). State the gateway itself keeps on
objects uses the reserved ``X-Object-Meta-S3gw-*`` names (Swift's gatekeeper
would strip sysmeta from us) and is never shown to S3 clients as user metadata.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from multidict import CIMultiDictProxy

from gateway import errors
from gateway.body.framing import stored_content_encoding
from gateway.handlers.user_metadata import USER_META, mail_safe, metadata_of_request
from gateway.reserved import has_etag_param
from gateway.storage.records import NewObject, ObjectInfo
from gateway.timefmt import http_date_of

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
# Object headers S3 stores and returns as they were sent.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding",
                  "Content-Language", "Expires")
MAX_KEY_BYTES = 1024
# S3 overrides a GET's response headers from these query parameters.
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


# What RFC 9110 forbids in a field value (HTAB aside): aiohttp refuses CR and LF
# only when it writes the response, too late for an S3 error document.
_NOT_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def response_overrides(query: Mapping[str, str]) -> dict[str, str]:
    """The response headers a GET's ``response-*`` parameters ask for.

    A value that cannot be a header value (CR, LF, other control characters)
    is InvalidArgument before Swift is asked, never a header split or a 500.
    """
    out: dict[str, str] = {}
    for param, header in RESPONSE_OVERRIDES.items():
        value = query.get(param)
        if value is None:
            continue
        if _NOT_IN_HEADER.search(value):
            raise errors.InvalidArgument(
                f"Header value cannot contain control characters: {param}",
                ArgumentName=param, ArgumentValue=value)
        out[header] = value
    return out


def check_key(key: str) -> None:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise errors.KeyTooLongError(Size=len(key.encode("utf-8")), MaxSizeAllowed=MAX_KEY_BYTES)


def md5_etag(content_md5: str) -> str:
    """Content-MD5 (base64) → the hex ETag Swift checks the body against."""
    try:
        digest = base64.b64decode(content_md5.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidDigest(**{"Content-MD5": content_md5}) from None
    if len(digest) != 16:
        raise errors.InvalidDigest(**{"Content-MD5": content_md5})
    return digest.hex()


def stored_headers(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    """The ``STORED_HEADERS`` a write keeps: as sent, but Content-Encoding without
    ``aws-chunked`` (a framing of this request's body, never the object's coding)."""
    out: dict[str, str] = {}
    for name in STORED_HEADERS:
        value = headers.get(name)
        if value is not None and name == "Content-Encoding":
            value = stored_content_encoding(value)
        if value is not None:
            out[name] = value
    return out


def new_object(headers: CIMultiDictProxy[str]) -> NewObject:
    """What a PutObject's headers ask to store besides the bytes (the body's length
    and checksum: ``UploadBody.object_to_store``)."""
    content_md5 = headers.get("Content-MD5")
    return NewObject(
        content_type=_content_type(headers),
        content_headers=stored_headers(headers),
        user_metadata=metadata_of_request(headers),
        content_md5=md5_etag(content_md5) if content_md5 is not None else None)


def _content_type(headers: CIMultiDictProxy[str]) -> str:
    content_type = headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
    if has_etag_param(content_type):
        # Listings read the multipart ETag from this parameter: never a client's.
        raise errors.InvalidArgument("The content type parameter s3gw_etag is reserved.",
                                     ArgumentName="Content-Type", ArgumentValue=content_type)
    return content_type


def s3_read_headers(info: ObjectInfo, content_range: str | None = None) -> dict[str, str]:
    """The S3 GET/HEAD response headers of an object's record."""
    out = {USER_META + name: mail_safe(value) for name, value in info.user_metadata.items()}
    out.update(info.content_headers)
    if info.last_modified is not None:
        out["Last-Modified"] = http_date_of(info.last_modified)
    if content_range is not None:
        out["Content-Range"] = content_range
    if info.content_type:
        out["Content-Type"] = info.content_type
    out["ETag"] = f'"{info.etag}"'
    if info.parts_count is not None:
        out["x-amz-mp-parts-count"] = str(info.parts_count)
    out["Accept-Ranges"] = "bytes"
    return out
