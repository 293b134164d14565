"""The one codec between S3 object state and Swift headers (reads, listings, writes).

A Swift object's headers hold S3 state in these places (see
``gateway.multipart_layout`` for why each is where it is):

=====================  ===============================================
S3 state               Swift headers
=====================  ===============================================
ETag                   ``Etag``; a multipart object's in ``Content-Type``
                       parameter ``s3gw_etag`` (listings show it too)
Content-Type           ``Content-Type`` without gateway parameters
content headers        ``Cache-Control`` ... ``Expires`` (``STORED_HEADERS``)
user metadata          ``X-Object-Meta-*`` or packed ``X-Object-Meta-S3gw-Meta-<n>``
checksum               ``X-Object-Meta-S3gw-Checksum-*`` (bound to ``Etag``)
parts count            ``X-Parts-Count`` (SLO, on a ``part-number`` read)
completed upload       ``X-Object-Meta-S3gw-Upload-Id``
=====================  ===============================================

What a write carries (``put_headers``, ``metadata_headers``): a PutObject
stores all of ``NewObject``; a metadata update (Swift POST, which replaces
every metadata header and the content type) must repeat all of it, so it
takes the same record without the request-only Content-Length and ETag.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from gateway.checksums import stored_checksum
from gateway.handlers.user_metadata import SWIFT_META, metadata_of_object, swift_metadata
from gateway.multipart_layout import UPLOAD_ID_META, split_etag_param
from gateway.storage.records import BucketInfo, ListedObject, NewObject, ObjectInfo
from gateway.timefmt import parse_http_date

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
_META_LENGTH = len(SWIFT_META)
# Object headers S3 stores and returns as they were sent.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding",
                  "Content-Language", "Expires")


def s3_etag_of(headers: Mapping[str, str]) -> str:
    """The S3 ETag (unquoted) of a Swift object's headers."""
    multipart = split_etag_param(headers.get("Content-Type") or "")[1]
    return (multipart or headers.get("Etag") or "").strip('"')


def object_info(key: str, headers: Mapping[str, str]) -> ObjectInfo:
    """The S3 record of a Swift object's (HEAD or GET) response headers."""
    content_type = split_etag_param(headers.get("Content-Type") or "")[0]
    modified = headers.get("Last-Modified")
    parts = headers.get("X-Parts-Count")
    # User metadata and checksums are both X-Object-Meta-*: without any, neither
    # needs its own walk over the headers (every GET/HEAD of a plain object).
    has_meta = any(name[:_META_LENGTH].lower() == SWIFT_META for name in headers)
    return ObjectInfo(
        key=key,
        etag=s3_etag_of(headers),
        size=int(headers.get("Content-Length") or 0),
        last_modified=parse_http_date(modified) if modified else None,
        content_type=content_type,
        content_headers={name: headers[name] for name in STORED_HEADERS if name in headers},
        user_metadata=metadata_of_object(headers) if has_meta else {},
        checksum=stored_checksum(headers) if has_meta else None,
        parts_count=int(parts) if parts and parts.isdigit() else None,
        upload_id=headers.get(UPLOAD_ID_META),
        backend_etag=headers.get("Etag") or "",
    )


def listed_object(entry: Mapping[str, object]) -> ListedObject:
    """An object of a Swift container listing (``format=json``)."""
    multipart = split_etag_param(str(entry.get("content_type") or ""))[1]
    etag = multipart or str(entry.get("hash") or "")
    return ListedObject(key=str(entry["name"]), etag=etag.strip('"'),
                        size=int(entry.get("bytes") or 0),  # type: ignore[call-overload]
                        last_modified=str(entry.get("last_modified") or ""))


def bucket_info(account: str, entry: Mapping[str, object]) -> BucketInfo:
    """A bucket of a Swift account listing (``format=json``)."""
    try:
        created = datetime.fromisoformat(str(entry.get("last_modified") or ""))
    except ValueError:
        created = None
    return BucketInfo(name=str(entry["name"]), owner=account, created=created)


def metadata_headers(new: NewObject) -> dict[str, str]:
    """The Swift headers that keep ``new``'s S3 state (a POST's, or part of a PUT's)."""
    out = swift_metadata(new.user_metadata)
    out.update(new.content_headers)
    out["Content-Type"] = new.content_type
    if new.checksum is not None:
        out.update(new.checksum.swift_metadata())
    return out


def put_headers(new: NewObject) -> dict[str, str]:
    """The Swift PUT headers storing ``new``: its state, the length (none: a chunked
    PUT) and the MD5 Swift checks the body against."""
    out = metadata_headers(new)
    if new.content_length is not None:
        out["Content-Length"] = str(new.content_length)
    if new.content_md5 is not None:
        out["ETag"] = new.content_md5
    return out
