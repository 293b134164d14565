"""The fast date readers and writer agree with the standard library they replace."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from gateway.timefmt import AMZ_DATE_FORMAT, parse_amz_date
from gateway.timefmt import http_date_of, parse_http_date


def _stdlib_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _stdlib_amz_date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


HTTP_DATES = [
    "Wed, 02 Dec 2026 03:20:06 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
    "Mon, 29 Feb 2024 23:59:59 GMT", "Tue, 29 Feb 2023 10:00:00 GMT",  # no such day
    "Sun, 31 Dec 9999 23:59:59 GMT", "Fri, 01 Jan 0099 00:00:00 GMT",  # 2-digit year rule
    "Sat, 10 Oct 2020 24:00:00 GMT", "Sat, 10 Oct 2020 23:60:00 GMT",
    "Sat, 10 Oct 2020 23:59:60 GMT", "Sat, 00 Oct 2020 10:00:00 GMT",
    "Mon, 10 Oct 2020 10:00:00 GMT",  # wrong weekday: ignored by both
    "Sat, 10 Oct 2020 10:00:00 +0200", "Saturday, 10-Oct-20 10:00:00 GMT",
    "Sat Oct 10 10:00:00 2020", " Sat, 10 Oct 2020 10:00:00 GMT", "", "garbage",
]


@pytest.mark.parametrize("value", HTTP_DATES)
def test_parse_http_date_matches_email_utils(value: str) -> None:
    assert parse_http_date(value) == _stdlib_http_date(value)
    parsed = parse_http_date(value)
    if parsed is not None:
        assert parsed.utcoffset() == _stdlib_http_date(value).utcoffset()  # type: ignore[union-attr]


AMZ_DATES = [
    "20261202T032006Z", "19700101T000000Z", "20240229T235959Z", "20230229T000000Z",
    "20201301T000000Z", "20201010T240000Z", "20201010T236000Z", "20201010T235960Z",
    "20201010T235961Z", "00001010T000000Z", "2020101T0000000Z", "20201010T000000",
    "20201010t000000Z", "2020-10-10T00:00:00Z", "", "２０２０1010T000000Z",
]


@pytest.mark.parametrize("value", AMZ_DATES)
def test_parse_amz_date_matches_strptime(value: str) -> None:
    assert parse_amz_date(value) == _stdlib_amz_date(value)


@pytest.mark.parametrize("moment", [
    datetime(2026, 12, 2, 3, 20, 6, 123456, tzinfo=timezone.utc),
    datetime(1970, 1, 1, tzinfo=timezone.utc),
    datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    datetime(999, 5, 17, 1, 2, 3, tzinfo=timezone.utc),
])
def test_http_date_of_matches_format_datetime(moment: datetime) -> None:
    expected = format_datetime(moment.astimezone(timezone.utc), usegmt=True)
    assert http_date_of(moment) == expected


def test_every_day_of_a_leap_year_round_trips() -> None:
    start = datetime(2024, 1, 1, 13, 5, 9, tzinfo=timezone.utc)
    for day in range(366):
        moment = start + timedelta(days=day)
        text = http_date_of(moment)
        assert text == format_datetime(moment, usegmt=True)
        assert parse_http_date(text) == moment
