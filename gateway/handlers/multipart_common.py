"""The upload id and part number parameters (multipart operations, and GET/HEAD ``partNumber``)."""

from __future__ import annotations

from gateway import errors
from gateway.s3request import S3Request

MIN_PART_NUMBER = 1
MAX_PART_NUMBER = 10000
MIN_PART_SIZE = 5 * 1024 * 1024  # every part but the last


def upload_id_param(req: S3Request) -> str:
    return req.query.get("uploadId", "")


def parse_part_number(value: str | None) -> int:
    """partNumber of UploadPart: an integer in 1..10000, as AWS words the error."""
    try:
        number = int(value or "")
    except ValueError:
        number = 0
    if not MIN_PART_NUMBER <= number <= MAX_PART_NUMBER:
        raise errors.InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber", ArgumentValue=value)
    return number


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
