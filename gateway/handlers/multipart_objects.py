"""What plain object operations need to know about multipart objects.

- GET/HEAD ``partNumber``: validated here; the store serves the part
  (``gateway.swift.reads``, with its checksum in checksum mode).
- Overwriting or deleting a multipart object removes its segments: the store
  does it (``gateway.swift.segment_sweep``, after every write or delete of a
  key in a bucket that may hold multipart objects).
"""

from __future__ import annotations

from gateway import errors
from gateway.handlers.multipart_common import parse_part_number
from gateway.s3request import S3Request
from gateway.storage.conditions import etag_matches

InvalidPartNumber = errors.InvalidPartNumber
__all__ = ["InvalidPartNumber", "etag_matches", "part_number_query"]


def part_number_query(req: S3Request) -> int | None:
    """``partNumber`` of a GET/HEAD, validated; never together with Range."""
    value = req.query.get("partNumber")
    if value is None:
        return None
    number = parse_part_number(value)
    if "Range" in req.http.headers:
        raise errors.InvalidRequest(
            "Cannot specify both Range header and partNumber query parameter")
    return number
