"""Service-level operations: ListBuckets, whole or paginated (AWS, 2024).

Without ``max-buckets``, ``continuation-token``, ``prefix`` or ``bucket-region``
every bucket is listed, as S3 does for accounts within its default quota; with
any of them the answer is a page (10000 buckets by default) and, when more
follow, a ``ContinuationToken``: the last name listed, base64-encoded and tagged
so that no other token (a ListObjectsV2 one, say) is taken for it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from aiohttp import web

from gateway import errors
from gateway.handlers.bucket import AWS_REGIONS
from gateway.handlers.common import MAX_INT, owner_xml, xml_response
from gateway.s3request import S3Request
from gateway.timefmt import iso_from_datetime
from gateway.xml import XMLWriter

MAX_BUCKETS = 10000
PAGE_PARAMETERS = ("max-buckets", "continuation-token", "prefix", "bucket-region")
_TOKEN_TAG = b"ListBuckets:"
_INTEGER = re.compile(r"[-+]?[0-9]+")
_KNOWN_REGIONS = frozenset(region.lower() for region in AWS_REGIONS)


@dataclass(frozen=True)
class BucketPage:
    """What a ListBuckets request asks for; ``limit`` None: every bucket."""

    prefix: str | None
    after: str
    limit: int | None


def continuation_token(name: str) -> str:
    return base64.urlsafe_b64encode(_TOKEN_TAG + name.encode()).decode("ascii")


def _name_of_token(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        if not raw.startswith(_TOKEN_TAG):
            raise ValueError(token)
        return raw[len(_TOKEN_TAG):].decode("utf-8")
    except (ValueError, binascii.Error):  # UnicodeError is a ValueError
        raise errors.InvalidArgument("The continuation token provided is incorrect",
                                     ArgumentName="continuation-token") from None


def _max_buckets(value: str | None) -> int:
    """``max-buckets``: 1..10000 (10000 when absent or empty), refused as S3 words it."""
    if not value:
        return MAX_BUCKETS
    number = int(value) if _INTEGER.fullmatch(value) else None
    if number is None or abs(number) > MAX_INT:
        raise errors.InvalidArgument("Provided max-buckets not an integer or within integer "
                                     "range", ArgumentName="max-buckets", ArgumentValue=value)
    if not 1 <= number <= MAX_BUCKETS:
        raise errors.InvalidArgument(
            f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS}",
            ArgumentName="max-buckets", ArgumentValue=number)
    return number


def _check_bucket_region(value: str | None, region: str) -> None:
    """Every bucket is in the gateway's region: asking for it lists them all; another
    region is S3's refusal of a request sent to the wrong regional endpoint."""
    if value is None or value.lower() == region.lower():
        return
    if value.lower() not in _KNOWN_REGIONS:
        raise errors.InvalidArgument(f"Argument value {value} is not a valid AWS Region",
                                     ArgumentName="bucket-region")
    raise errors.InvalidArgument("Requests with bucket-region specified must be made to the "
                                 "corresponding regional endpoint", ArgumentName="bucket-region")


def page_of(req: S3Request) -> BucketPage:
    """The page ``req`` asks for, its parameters checked in S3's order."""
    query = req.query
    if not any(name in query for name in PAGE_PARAMETERS):
        return BucketPage(prefix=None, after="", limit=None)
    limit = _max_buckets(query.get("max-buckets"))
    _check_bucket_region(query.get("bucket-region"), req.config.server.region)
    token = query.get("continuation-token")
    after = _name_of_token(token) if token else ""
    return BucketPage(prefix=query.get("prefix"), after=after, limit=limit)


async def list_buckets(req: S3Request) -> web.StreamResponse:
    page = page_of(req)
    # One more than the page, to know whether a token is due.
    wanted = None if page.limit is None else page.limit + 1
    buckets = await req.store.list_buckets(req.caller_account, prefix=page.prefix or "",
                                           marker=page.after, limit=wanted)
    truncated = page.limit is not None and len(buckets) > page.limit
    if truncated:
        buckets = buckets[:page.limit]
    region = req.config.server.region
    doc = XMLWriter("ListAllMyBucketsResult")
    owner_xml(doc, req.caller)
    doc.start("Buckets")
    for bucket in buckets:
        doc.start("Bucket").element("Name", bucket.name)
        doc.element("CreationDate", iso_from_datetime(bucket.created))
        doc.element("BucketRegion", region)
        doc.end("Bucket")
    doc.end("Buckets")
    if page.prefix is not None:
        doc.element("Prefix", page.prefix)
    if truncated:
        doc.element("ContinuationToken", continuation_token(buckets[-1].name))
    return xml_response(doc)
