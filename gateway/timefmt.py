"""Time formats S3 uses: ISO 8601 with milliseconds in XML, RFC 7231 in headers."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime


def iso_from_swift_listing(value: str) -> str:
    """Swift's ``2024-05-01T10:20:30.123456`` (UTC) → S3's ``2024-05-01T10:20:30.123Z``."""
    if not value:
        return "1970-01-01T00:00:00.000Z"
    date, _, fraction = value.partition(".")
    return f"{date}.{(fraction + '000')[:3]}Z"


def iso_from_timestamp(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, tz=timezone.utc), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def iso_from_datetime(moment: datetime | None) -> str:
    """A record's date (naive: UTC) → S3's ``2024-05-01T10:20:30.123Z`` (ms truncated)."""
    if moment is None:
        return "1970-01-01T00:00:00.000Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def http_date_of(moment: datetime) -> str:
    """A record's date → an HTTP date (``Wed, 01 May 2024 10:20:30 GMT``)."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)
