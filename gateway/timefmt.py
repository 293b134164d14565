"""Time formats S3 uses: ISO 8601 with milliseconds in XML, RFC 7231 in headers."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTHS, 1)}
# RFC 7231's IMF-fixdate, as Swift sends Last-Modified: read by slicing, which is
# several times cheaper than email.utils on a path every GET/HEAD/PUT takes. Years
# before 1000 are left to email.utils (it reads "0099" as 1999).
_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [1-9][0-9]{3} "
    r"[0-9]{2}:[0-9]{2}:[0-9]{2} GMT")


def iso_from_swift_listing(value: str) -> str:
    """Swift's ``2024-05-01T10:20:30.123456`` (UTC) → S3's ``2024-05-01T10:20:30.123Z``."""
    if not value:
        return "1970-01-01T00:00:00.000Z"
    if len(value) >= 23 and value.find(".") == 19:  # Swift's shape: a listing's hot path
        return value[:23] + "Z"
    date, _, fraction = value.partition(".")
    return f"{date}.{(fraction + '000')[:3]}Z"


def iso_from_timestamp(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, tz=timezone.utc), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP date (any form email.utils reads) → an aware datetime; ``None`` if invalid."""
    if _IMF_FIXDATE.fullmatch(value):
        try:
            return datetime(int(value[12:16]), _MONTH_NUMBERS[value[8:11]], int(value[5:7]),
                            int(value[17:19]), int(value[20:22]), int(value[23:25]),
                            tzinfo=timezone.utc)
        except ValueError:
            return None
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
    """A record's date → an HTTP date (``Wed, 01 May 2024 10:20:30 GMT``), as
    ``email.utils.format_datetime`` writes it, without its generic overhead."""
    utc = moment.astimezone(timezone.utc)
    return (f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
            f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} GMT")


AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# ``yyyyMMddTHHmmssZ`` in ASCII digits: every field at a fixed place, so it is read
# by slicing (strptime costs ~15 us, on every signed request); anything else is
# left to strptime, which decides as before.
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")


def parse_amz_date(value: str) -> datetime | None:
    """SigV4's ``x-amz-date`` / ``X-Amz-Date`` (UTC); None if it is not one."""
    try:
        if _AMZ_DATE.fullmatch(value):
            return datetime(int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[9:11]),
                            int(value[11:13]), int(value[13:15]), tzinfo=timezone.utc)
        return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
