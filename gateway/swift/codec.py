"""The one codec between S3 object state and Swift headers (reads, listings, writes).

A Swift object's headers hold S3 state in these places (see
``gateway.swift.multipart_layout`` for why each is where it is):

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
ACL (if not default)   ``X-Object-Meta-S3gw-Acl`` (``gateway.authz.acl`` stored form),
                       or ``@<sha256>`` naming its record when it is too large
                       (``gateway.swift.acl_records``)
=====================  ===============================================

Multipart uploads (``marker_headers``/``upload_info``, ``part_headers``/``part_info``,
``manifest_headers``): an upload marker keeps what CreateMultipartUpload was given
for the final object (the same ``NewObject`` state as a PutObject) plus the
checksum settings; a part keeps its checksum (reserved metadata, and in its
content type for listings); the manifest written by Complete carries the
marker's ``NewObject`` again, with the final checksum, the S3 ETag and the
upload id.

What a write carries (``put_headers``, ``metadata_headers``): a PutObject
stores all of ``NewObject``; a metadata update (Swift POST, which replaces
every metadata header and the content type) must repeat all of it, so it
takes the same record without the request-only Content-Length and ETag.

What a copy carries of the source's gateway state (``copy_headers``; the
metadata itself is the source's, COPY, or the request's ``NewObject``,
REPLACE), one row per kind of copy (``CopyKind``):

=======================  ==========================  =========  ===============
copy                     checksum                    upload id  multipart ETag
=======================  ==========================  =========  ===============
plain object             kept (same bytes, same      dropped    none
                         Swift ETag: a binding holds)
multipart object's data  FULL_OBJECT only, unbound   dropped    none
                         (COMPOSITE described parts)
manifest onto itself     kept                        kept       kept
=======================  ==========================  =========  ===============

A checksum whose binding already fails is no checksum (``stored_checksum``),
so it is never carried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from dataclasses import replace
from datetime import datetime, timezone
from enum import Enum

from gateway.checksums import FULL_OBJECT, Checksum, stored_checksum
from gateway.reserved import has_etag_param
from gateway.swift.multipart_layout import (
    CHECKSUM_ALGORITHM_META, CHECKSUM_TYPE_META, UPLOAD_ID_META, content_type_with_etag,
    listed_part_checksum, marker_checksum, marker_content_type, marker_parties,
    part_content_type,
    part_number_of, split_etag_param, split_marker_name, strip_gateway_params)
from gateway.storage.records import (
    BucketInfo, ListedObject, NewObject, ObjectInfo, PartInfo, UploadInfo)
from gateway.swift.user_metadata import SWIFT_META, metadata_of_object, swift_metadata
from gateway.timefmt import parse_http_date

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
_META_LENGTH = len(SWIFT_META)
# An object's ACL, when it has one of its own; copies never carry the source's.
ACL_META = "X-Object-Meta-S3gw-Acl"
# An ACL up to this size rides in the object's metadata (every canned ACL does); a
# larger one in a record the metadata names (``gateway.swift.acl_records``).
INLINE_ACL_BYTES = 512
RECORD_MARK = "@"  # a stored ACL is JSON, which starts with "{"
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
        acl=_acl_of(headers) if has_meta else None,
        backend_etag=headers.get("Etag") or "",
    )


def stored_acl_value(acl: bytes) -> str:
    """What an object's ACL metadata holds: the ACL, or ``@<sha256>`` naming its record
    (a value read back from such metadata is kept as it is)."""
    if len(acl) <= INLINE_ACL_BYTES or acl.startswith(RECORD_MARK.encode()):
        return acl.decode()
    return RECORD_MARK + hashlib.sha256(acl).hexdigest()


def _acl_of(headers: Mapping[str, str]) -> bytes | None:
    value = headers.get(ACL_META)
    return value.encode() if value else None


def listed_object(entry: Mapping[str, Any]) -> ListedObject:
    """An object of a Swift container listing (``format=json``).

    A listing page decodes a thousand of these. Swift lists every object with a
    string name, hash, date and content type and an integer size; a content type
    without parameters cannot carry the multipart ETag, so such an entry is taken
    as it is (0.20 against 0.39 ms per 1,000 entries, measured). An entry with
    parameters or a missing field goes the careful way."""
    try:
        if ";" not in entry["content_type"]:
            return ListedObject(entry["name"], entry["hash"].strip('"'), entry["bytes"],
                                entry["last_modified"])
    except (KeyError, TypeError, AttributeError):
        pass
    return _listed_object_carefully(entry)


def _listed_object_carefully(entry: Mapping[str, Any]) -> ListedObject:
    """``listed_object`` for an entry with content-type parameters or a missing field."""
    etag = str(entry.get("hash") or "")
    content_type = str(entry.get("content_type") or "")
    if has_etag_param(content_type):
        etag = split_etag_param(content_type)[1] or etag
    return ListedObject(str(entry["name"]), etag.strip('"'),
                        int(entry.get("bytes") or 0),  # type: ignore[call-overload]
                        str(entry.get("last_modified") or ""))


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
    if new.acl is not None:
        out[ACL_META] = stored_acl_value(new.acl)
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


def is_manifest(info: ObjectInfo) -> bool:
    """Whether a record read from Swift is a multipart object (a Static Large
    Object): Swift quotes an SLO's ``Etag`` (its segments' ETags' MD5), never
    a plain object's (its bytes' MD5)."""
    return info.backend_etag.startswith('"')


class CopyKind(Enum):
    """What a server-side copy makes of its source (``copy_headers``' table)."""

    PLAIN = "plain object"
    MULTIPART_DATA = "multipart object's data"
    MANIFEST_ONTO_ITSELF = "manifest onto itself"

    @classmethod
    def of(cls, source: ObjectInfo, onto_itself: bool) -> CopyKind:
        """A multipart object copied onto itself stays a manifest over the same
        segments; copied elsewhere, its data becomes a plain object (sharing
        segments between two manifests would let one delete the other's data)."""
        if not is_manifest(source):
            return cls.PLAIN
        return cls.MANIFEST_ONTO_ITSELF if onto_itself else cls.MULTIPART_DATA


def _carried_checksum(source: ObjectInfo, kind: CopyKind) -> Checksum | None:
    checksum = source.checksum
    if kind is CopyKind.MULTIPART_DATA:
        # The copy PUT writes it with the bytes (pinned to the source's ETag), so
        # unbound: the new object's ETag is an MD5 of its bytes, not the manifest's.
        return checksum.unbound() if checksum and checksum.type == FULL_OBJECT else None
    return checksum


def copy_headers(source: ObjectInfo, new: NewObject | None, kind: CopyKind,
                 acl: bytes | None = None) -> dict[str, str]:
    """The Swift headers of a copy of ``source``: its metadata (COPY, ``new`` None)
    or ``new``'s (REPLACE; its length, MD5 and checksum are the source's business),
    the gateway state ``kind`` carries, and the copy's own ``acl``."""
    if new is None:
        new = NewObject(content_type=source.content_type or DEFAULT_CONTENT_TYPE,
                        content_headers=source.content_headers,
                        user_metadata=source.user_metadata)
    out = metadata_headers(replace(new, checksum=_carried_checksum(source, kind), acl=acl))
    if kind is CopyKind.MANIFEST_ONTO_ITSELF:
        if source.upload_id is not None:
            out[UPLOAD_ID_META] = source.upload_id
        out["Content-Type"] = content_type_with_etag(out["Content-Type"], source.etag)
    return out


def copy_checksum(headers: Mapping[str, str], etag: str) -> Checksum | None:
    """The checksum a copy written with ``headers`` has, given its ``etag`` (a
    carried binding holds only if the bytes are the same)."""
    return stored_checksum({**headers, "Etag": etag})


def listing_time(value: object) -> datetime | None:
    """A Swift listing's ``last_modified`` (``2024-05-01T10:20:30.123456``, UTC)."""
    try:
        return datetime.fromisoformat(str(value or "")).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


# --- multipart uploads ---------------------------------------------------------------

def marker_headers(new: NewObject, algorithm: str | None, kind: str | None,
                   initiator: str | None = None, owner: str | None = None) -> dict[str, str]:
    """An upload marker's PUT headers: ``new`` for the final object, the checksum
    settings (also in the content type, for ListMultipartUploads), the initiator
    and owner accounts (in the content type only), no body."""
    out = metadata_headers(new)
    if algorithm is not None and kind is not None:
        out[CHECKSUM_ALGORITHM_META] = algorithm
        out[CHECKSUM_TYPE_META] = kind
    out["Content-Type"] = marker_content_type(new.content_type, algorithm, kind, initiator,
                                              owner)
    out["Content-Length"] = "0"
    return out


def upload_info(key: str, upload_id: str, headers: Mapping[str, str]) -> UploadInfo:
    """An upload's record from its marker's (HEAD) headers."""
    modified = headers.get("Last-Modified")
    content_type = headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
    new = NewObject(
        content_type=strip_gateway_params(content_type),
        content_headers={name: headers[name] for name in STORED_HEADERS if name in headers},
        user_metadata=metadata_of_object(headers), acl=_acl_of(headers))
    initiator, owner = marker_parties(content_type)
    return UploadInfo(key=key, upload_id=upload_id,
                      initiated=parse_http_date(modified) if modified else None, new=new,
                      checksum_algorithm=headers.get(CHECKSUM_ALGORITHM_META),
                      checksum_type=headers.get(CHECKSUM_TYPE_META),
                      initiator=initiator, owner=owner)


def listed_upload(entry: Mapping[str, object]) -> UploadInfo:
    """An upload of the ``+uploads`` listing (its checksum settings, initiator and
    owner from the marker's content type; the final object's metadata is not listed)."""
    key, upload_id = split_marker_name(str(entry["name"]))
    content_type = str(entry.get("content_type") or "")
    settings = marker_checksum(content_type)
    algorithm, kind = settings if settings is not None else (None, None)
    initiator, owner = marker_parties(content_type)
    return UploadInfo(key=key, upload_id=upload_id,
                      initiated=listing_time(entry.get("last_modified")),
                      checksum_algorithm=algorithm, checksum_type=kind,
                      initiator=initiator, owner=owner)


def part_headers(length: int | None, checksum: Checksum | None,
                 content_md5: str | None) -> dict[str, str]:
    """A part's PUT headers: its length (none: chunked), the MD5 Swift checks, and a
    checksum known before the body (metadata, and the content type for listings)."""
    out = {"Content-Type": part_content_type(checksum)}
    if length is not None:
        out["Content-Length"] = str(length)
    if checksum is not None:
        out.update(checksum.swift_metadata())
    if content_md5 is not None:
        out["ETag"] = content_md5
    return out


def part_checksum_headers(checksum: Checksum) -> dict[str, str]:
    """The POST headers that record a checksum learned after a part's body."""
    return {"Content-Type": part_content_type(checksum), **checksum.swift_metadata()}


def part_info(entry: Mapping[str, object]) -> PartInfo:
    """A part of the ``+segments`` listing, with the checksum its content type carries."""
    return PartInfo(number=part_number_of(str(entry["name"])), etag=str(entry.get("hash", "")),
                    size=int(entry.get("bytes") or 0),  # type: ignore[call-overload]
                    last_modified=listing_time(entry.get("last_modified")),
                    checksum=listed_part_checksum(entry))


def manifest_headers(new: NewObject, upload_id: str, etag: str,
                     checksum: Checksum | None) -> dict[str, str]:
    """The completed object's (SLO manifest PUT) headers: what Create was given, the
    final checksum, the S3 ETag in the content type and the upload it came from."""
    final = replace(new, content_type=content_type_with_etag(new.content_type, etag),
                    checksum=checksum)
    return {"Accept": "application/json", UPLOAD_ID_META: upload_id,
            **metadata_headers(final)}
