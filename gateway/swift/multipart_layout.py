"""Where multipart uploads live in Swift, and how S3-only state rides along.

An upload of ``key`` in bucket ``b`` keeps its state in two hidden containers
of the same account (ListBuckets hides both suffixes):

- ``b+uploads`` holds one upload marker per upload in progress, named
  ``<key>\\x01<upload_id>``: an empty object whose metadata holds what
  CreateMultipartUpload was given for the final object (content type,
  ``x-amz-meta-*``, stored headers, checksum algorithm and type). Markers live
  apart from the parts so that ListMultipartUploads lists markers only, instead
  of scanning every segment of every completed object. The ``\\x01`` separator
  (not ``/``) keeps Swift's name order equal to S3's (key, upload id) order:
  with ``/``, ``a.txt/…`` would sort before ``a/…``.
- ``b+segments`` holds one object per part, ``<key>/<upload_id>/<part:05d>``.

Completing writes a Static Large Object manifest at ``b/key`` over the parts,
which then stay in ``b+segments`` as the SLO's segments. The S3 ETag of such an
object (``md5-of-part-md5s-N``) travels as the content type parameter
``s3gw_etag``, because the content type is the only per-object field Swift
copies into container listings, and both list APIs must show it. The manifest
also records the upload it was completed from (``UPLOAD_ID_META``), which is how
overwrites and deletes find the segments to remove, and how a retried Complete
recognises its own result.

Each part's additional checksum (verified or computed while it streamed, or
computed from the source of an UploadPartCopy) is kept twice: as reserved
metadata on the part object, and as the content type parameter
``s3gw_checksum=<algorithm>.<hex digest>`` (RFC token characters only: Swift's
listing drops a parameter value it cannot parse), so that ListParts, Complete
and ``GET ?partNumber`` read every part's checksum from one container listing
instead of a HEAD per part. A checksum stored by a POST after the part's
PUT is bound to the part's Swift ETag (``gateway.checksums``) and the parameter
gets it as a third field, ``s3gw_checksum=<algorithm>.<hex digest>.<etag>``;
readers compare it with the listing entry's ``hash`` (``listed_part_checksum``),
so a late POST from an earlier UploadPart of the same number never labels
newer bytes. The two-field form (checksums written with the part, and parts
stored before bindings existed) still reads. The completed object keeps its
final checksum (COMPOSITE or FULL_OBJECT) as reserved metadata.

Likewise an upload marker of an upload created with a checksum algorithm
carries ``s3gw_upload_checksum=<algorithm>.<type>`` in its content type, so
ListMultipartUploads shows both from the ``+uploads`` listing alone. Those
parameters are the gateway's, never the client's: ``content_type_with_etag``
drops every ``s3gw_`` parameter before the final object's content type is
built from the marker's, and CreateMultipartUpload refuses a content type that
already carries one (``gateway.reserved.has_reserved_param``).

An upload created by another account than the bucket's owner (a grantee with
WRITE), or whose object another account will own, also carries
``s3gw_initiator=<account>`` and ``s3gw_owner=<account>`` (percent-encoded:
RFC 7230 token characters only), so ListMultipartUploads names the real
initiator and owner from the same listing, with no HEAD per upload. Absent, the
bucket's owner is both.

Upload ids start with the creation time in hex, so the uploads of one key list
in the order they were initiated, as in S3.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Mapping
from urllib.parse import quote, unquote

from gateway.checksums import (
    ALGORITHMS, COMPOSITE, DIGEST_SIZES, FULL_OBJECT, Checksum, binding_holds)
from gateway.reserved import (
    CONTENT_TYPE_PARAM_PREFIX, ETAG_PARAM, SEGMENTS_SUFFIX, UPLOADS_SUFFIX)

MARKER_SEPARATOR = "\x01"
CHECKSUM_PARAM = "s3gw_checksum"
UPLOAD_CHECKSUM_PARAM = "s3gw_upload_checksum"
INITIATOR_PARAM = "s3gw_initiator"
OWNER_PARAM = "s3gw_owner"
GATEWAY_PARAM_PREFIX = CONTENT_TYPE_PARAM_PREFIX
UPLOAD_CHECKSUM_TYPES = (COMPOSITE, FULL_OBJECT)
PART_CONTENT_TYPE = "application/octet-stream"
# Reserved metadata on the manifest: the upload it was completed from.
UPLOAD_ID_META = "X-Object-Meta-S3gw-Upload-Id"
# Reserved metadata on the upload marker.
CHECKSUM_ALGORITHM_META = "X-Object-Meta-S3gw-Checksum-Algorithm"
CHECKSUM_TYPE_META = "X-Object-Meta-S3gw-Checksum-Type"


def segments_container(bucket: str) -> str:
    return bucket + SEGMENTS_SUFFIX


def uploads_container(bucket: str) -> str:
    return bucket + UPLOADS_SUFFIX


def new_upload_id() -> str:
    """Time-ordered (µs, hex), then random; URL-safe and free of '/' and '\\x01'."""
    stamp = f"{time.time_ns() // 1000:014x}"
    return stamp + base64.urlsafe_b64encode(os.urandom(12)).decode("ascii")


def upload_marker_name(key: str, upload_id: str) -> str:
    return f"{key}{MARKER_SEPARATOR}{upload_id}"


def split_marker_name(name: str) -> tuple[str, str]:
    """``<key>\\x01<upload_id>`` → (key, upload_id)."""
    key, _, upload_id = name.rpartition(MARKER_SEPARATOR)
    return key, upload_id


def valid_upload_id(upload_id: str) -> bool:
    """Ids that cannot name a path: anything else is an unknown upload."""
    return bool(upload_id) and "/" not in upload_id and MARKER_SEPARATOR not in upload_id


def part_prefix(key: str, upload_id: str) -> str:
    return f"{key}/{upload_id}/"


def part_name(key: str, upload_id: str, part_number: int) -> str:
    return f"{key}/{upload_id}/{part_number:05d}"


def part_number_of(name: str) -> int:
    return int(name.rpartition("/")[2])



def content_type_with_etag(content_type: str, s3_etag: str) -> str:
    """A completed object's content type; the marker's ``s3gw_`` parameters stay behind."""
    return f"{strip_gateway_params(content_type)};{ETAG_PARAM}={s3_etag}"




def strip_gateway_params(content_type: str) -> str:
    """``text/plain;s3gw_upload_checksum=crc32.composite`` → ``text/plain``.

    Every other parameter is kept byte for byte, so a client's content type
    comes back exactly as it was sent.
    """
    if GATEWAY_PARAM_PREFIX not in content_type.lower():
        return content_type
    base, *params = content_type.split(";")
    kept = [p for p in params if not p.partition("=")[0].strip().lower().startswith(GATEWAY_PARAM_PREFIX)]
    return ";".join([base, *kept])


def marker_content_type(content_type: str, algorithm: str | None, kind: str | None,
                        initiator: str | None = None, owner: str | None = None) -> str:
    """An upload marker's content type: the client's, plus the checksum settings and
    the accounts that initiated the upload and will own the object (when given)."""
    if algorithm is not None and kind is not None:
        content_type += f";{UPLOAD_CHECKSUM_PARAM}={algorithm.lower()}.{kind.lower()}"
    if initiator is not None:
        content_type += f";{INITIATOR_PARAM}={quote(initiator, safe='')}"
    if owner is not None:
        content_type += f";{OWNER_PARAM}={quote(owner, safe='')}"
    return content_type


def marker_parties(content_type: str) -> tuple[str | None, str | None]:
    """(initiator, owner) accounts from a marker's content type; ``None`` when absent."""
    found: dict[str, str] = {}
    if INITIATOR_PARAM in content_type or OWNER_PARAM in content_type:
        for param in content_type.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name in (INITIATOR_PARAM, OWNER_PARAM) and value:
                found[name] = unquote(value)
    return found.get(INITIATOR_PARAM), found.get(OWNER_PARAM)


def marker_checksum(content_type: str) -> tuple[str, str] | None:
    """(algorithm, type) from a marker's content type (as listed by Swift), if it has them.

    Markers written before the parameter existed have none: no checksum elements.
    """
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() != UPLOAD_CHECKSUM_PARAM:
            continue
        algorithm, _, kind = value.strip().upper().partition(".")
        if algorithm in ALGORITHMS and kind in UPLOAD_CHECKSUM_TYPES:
            return algorithm, kind
        return None
    return None


def split_etag_param(content_type: str) -> tuple[str, str | None]:
    """``text/plain;s3gw_etag=abc-2`` → (``text/plain``, ``abc-2``).

    A ``swift_bytes`` parameter SLO appends after ours is dropped too.
    """
    marker = f";{ETAG_PARAM}="
    index = content_type.find(marker)
    if index < 0:
        return content_type, None
    rest = content_type[index + len(marker):]
    etag, _, tail = rest.partition(";")
    params = [p for p in tail.split(";") if p and not p.strip().startswith("swift_bytes=")]
    return content_type[:index] + "".join(";" + p for p in params), etag


def part_content_type(checksum: Checksum | None) -> str:
    """A part's content type, carrying its checksum and binding (hex and ``.``: an
    RFC 7230 token)."""
    if checksum is None:
        return PART_CONTENT_TYPE
    value = f"{checksum.algorithm.lower()}.{base64.b64decode(checksum.value).hex()}"
    if checksum.etag is not None:
        value += f".{checksum.etag}"
    return f"{PART_CONTENT_TYPE};{CHECKSUM_PARAM}={value}"


def part_checksum(content_type: str, etag: str | None = None) -> Checksum | None:
    """The checksum a part's content type (as listed by Swift) carries, if any.

    ``etag``: the part's current Swift ETag. A bound value naming another ETag
    (or any bound value, without ``etag``) describes other bytes: ``None``.
    """
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name != CHECKSUM_PARAM:
            continue
        fields = value.split(".")
        if len(fields) not in (2, 3):
            return None
        algorithm, digest = fields[0].upper(), fields[1]
        bound = fields[2] if len(fields) == 3 else None
        try:
            raw = bytes.fromhex(digest)
        except ValueError:
            return None
        if algorithm not in ALGORITHMS or len(raw) != DIGEST_SIZES[algorithm]:
            return None
        if not binding_holds(bound, etag):
            return None
        return Checksum(algorithm, base64.b64encode(raw).decode("ascii"), etag=bound)
    return None


def listed_part_checksum(entry: Mapping[str, object]) -> Checksum | None:
    """The checksum of a part from its Swift listing entry (content type and ``hash``)."""
    etag = entry.get("hash")
    return part_checksum(str(entry.get("content_type", "")),
                         str(etag) if etag is not None else None)
