"""What the multipart handlers share: the upload id and part number parameters."""

from __future__ import annotations

from gateway import errors
from gateway.multipart_layout import MAX_PART_NUMBER, MIN_PART_NUMBER
from gateway.s3request import S3Request


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
