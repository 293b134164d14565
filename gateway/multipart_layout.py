"""Where multipart uploads live in Swift, and how S3-only state rides along.

An upload of ``key`` in bucket ``b`` keeps everything in the segments container
``b+segments`` of the same account:

- ``<key>/<upload_id>``: the upload marker, an empty object whose metadata holds
  what CreateMultipartUpload was given for the final object (content type,
  ``x-amz-meta-*``, stored headers, checksum algorithm);
- ``<key>/<upload_id>/<part:05d>``: one object per part.

Completing writes a Static Large Object manifest at ``b/key`` over the parts.
The S3 ETag of such an object (``md5-of-part-md5s-N``) travels as the content
type parameter ``s3gw_etag``, because the content type is the only per-object
field Swift copies into container listings, and both list APIs must show it.
"""

from __future__ import annotations

import base64
import os

SEGMENTS_SUFFIX = "+segments"
ETAG_PARAM = "s3gw_etag"
# Reserved metadata on the manifest: the upload it was completed from.
UPLOAD_ID_META = "X-Object-Meta-S3gw-Upload-Id"
MIN_PART_NUMBER = 1
MAX_PART_NUMBER = 10000


def segments_container(bucket: str) -> str:
    return bucket + SEGMENTS_SUFFIX


def new_upload_id() -> str:
    """Opaque, URL-safe and free of '/', so it is one path element."""
    return base64.urlsafe_b64encode(os.urandom(18)).decode("ascii")


def upload_marker_name(key: str, upload_id: str) -> str:
    return f"{key}/{upload_id}"


def part_prefix(key: str, upload_id: str) -> str:
    return f"{key}/{upload_id}/"


def part_name(key: str, upload_id: str, part_number: int) -> str:
    return f"{key}/{upload_id}/{part_number:05d}"


def content_type_with_etag(content_type: str, s3_etag: str) -> str:
    return f"{content_type};{ETAG_PARAM}={s3_etag}"


def split_etag_param(content_type: str) -> tuple[str, str | None]:
    """``text/plain;s3gw_etag=abc-2`` → (``text/plain``, ``abc-2``)."""
    marker = f";{ETAG_PARAM}="
    index = content_type.find(marker)
    if index < 0:
        return content_type, None
    rest = content_type[index + len(marker):]
    etag, _, tail = rest.partition(";")
    return content_type[:index] + (";" + tail if tail else ""), etag
