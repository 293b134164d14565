"""What plain object operations need to know about multipart objects.

- GET/HEAD ``partNumber``: Swift's SLO serves ``?part-number=N`` itself (206,
  ``X-Parts-Count``); a non-multipart object has one part.
- With ``x-amz-checksum-mode: ENABLED``, a ``partNumber`` read answers that
  part's checksum (``part_checksum_headers``), never the whole object's.
- ``If-Match``/``If-None-Match`` on reads are evaluated here against the S3 ETag,
  because Swift would compare a multipart object's SLO ETag instead.
- Overwriting or deleting a multipart object removes its segments: every
  write or delete of a key in a bucket that may hold multipart objects ends
  with ``segment_sweep.sweep_segments``, which also finds what racing writers
  replaced (see there for the invariant and the races).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp

from gateway import checksums, errors
from gateway.handlers.object_headers import s3_object_headers
from gateway.handlers.multipart_common import (
    completed_upload_id, list_parts_of, parse_part_number)
from gateway.handlers.segment_sweep import SEGMENTS, sweep_segments
from gateway.multipart_layout import listed_part_checksum
from gateway.s3request import S3Request

log = logging.getLogger("gateway")

InvalidPartNumber = errors.InvalidPartNumber


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


def take_etag_conditions(swift_headers: dict[str, str]) -> tuple[str | None, str | None]:
    """Remove If-Match / If-None-Match from what goes to Swift; they are checked here."""
    return swift_headers.pop("If-Match", None), swift_headers.pop("If-None-Match", None)


def etag_matches(condition: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in condition.split(",")}
    return "*" in tags or etag.strip('"') in tags


def read_status(swift_resp: aiohttp.ClientResponse, headers: dict[str, str],
                part_number: int | None, if_match: str | None,
                if_none_match: str | None) -> int:
    """The S3 status of a successful Swift GET/HEAD: 200, 206 or 304 (412 raises).

    ``headers`` (the S3 response headers) gain a part's Content-Range for a
    non-multipart object asked for part 1.
    """
    etag = headers.get("ETag", "")
    if if_match is not None and not etag_matches(if_match, etag):
        raise errors.PreconditionFailed(Condition="If-Match")
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return 304
    if part_number is None or "X-Parts-Count" in swift_resp.headers:
        return swift_resp.status
    if part_number != 1:
        raise InvalidPartNumber(PartNumberRequested=part_number, ActualPartCount=1)
    length = int(swift_resp.headers.get("Content-Length", "0"))
    if length == 0:
        return swift_resp.status
    headers["Content-Range"] = f"bytes 0-{length - 1}/{length}"
    headers["x-amz-mp-parts-count"] = "1"
    return 206


async def part_checksum_headers(req: S3Request, swift_headers: Mapping[str, str],
                                part_number: int) -> dict[str, str]:
    """``GET/HEAD ?partNumber=N`` with checksum mode: the checksum of that part, as S3.

    A plain object is its own part 1, so its checksum describes the body. For a
    multipart object the N-th part is the N-th entry of its segment listing
    (Complete removed every part it did not use), whose content type carries the
    part's checksum: one listing, no HEAD. Swift's SLO serves the part itself.
    """
    if not checksums.checksum_mode(req.http.headers):
        return {}
    whole = checksums.stored_checksum(swift_headers)
    if whole is None:
        return {}
    upload_id = completed_upload_id(swift_headers)
    if upload_id is None or "X-Parts-Count" not in swift_headers:
        return whole.response_headers()
    assert req.key is not None
    entries = await list_parts_of(req, req.key, upload_id, limit=part_number)
    if len(entries) < part_number:
        return {}
    part = listed_part_checksum(entries[part_number - 1])
    if part is None or part.algorithm != whole.algorithm:
        return {}
    return checksums.Checksum(part.algorithm, part.value, whole.type).response_headers()


@dataclass
class ReplacedObject:
    """The object a PUT replaces: If-Match's subject, and the segment sweep after it.

    Only If-Match needs the old object (HEAD while the PUT starts); the sweep
    finds replaced segments after the write, whoever wrote them.
    """

    req: S3Request
    always: bool = False  # If-Match: HEAD the old object
    task: asyncio.Task[Mapping[str, str] | None] = field(init=False)

    presence: asyncio.Task[bool] = field(init=False)

    def __post_init__(self) -> None:
        self.task = asyncio.ensure_future(self._head())
        self.presence = asyncio.ensure_future(self._may_hold_multipart())

    async def _may_hold_multipart(self) -> bool:
        try:
            return await SEGMENTS.may_hold_multipart(self.req)
        except errors.S3Error:
            return True  # unknown: sweep rather than leak

    @classmethod
    def start(cls, req: S3Request, always: bool = False) -> ReplacedObject:
        return cls(req, always)

    async def _head(self) -> Mapping[str, str] | None:
        if not self.always:
            return None
        try:
            resp = await self.req.swift.request("HEAD", self.req.account, self.req.bucket,
                                                self.req.key)
        except errors.S3Error:
            return None
        resp.release()
        return resp.headers if resp.status == 200 else None

    async def check_if_match(self, condition: str) -> None:
        """PutObject's ``If-Match``: the object must exist with a matching S3 ETag.

        Swift cannot check it on a PUT, so it is checked against the HEAD before
        the PUT is sent. A write by someone else between the two is not seen.
        """
        old = await asyncio.shield(self.task)
        if old is None:
            raise errors.NoSuchKey(Key=self.req.key)
        if not etag_matches(condition, s3_object_headers(old).get("ETag", "")):
            raise errors.PreconditionFailed(Condition="If-Match")

    async def cleanup(self) -> None:
        """After a successful write: remove segments nothing owns any more."""
        await sweep_segments(self.req, may_hold=await self.presence)


async def delete_if_multipart(req: S3Request) -> bool:
    """Delete a multipart object with its segments; False when it is not one."""
    if not await SEGMENTS.may_hold_multipart(req):
        return False
    head = await req.swift.request("HEAD", req.account, req.bucket, req.key)
    head.release()
    if head.status != 200 or completed_upload_id(head.headers) is None:
        return False
    resp = await req.swift.request(
        "DELETE", req.account, req.bucket, req.key, params={"multipart-manifest": "delete"},
        headers={"Accept": "application/json"})
    try:
        if resp.status != 200:
            return False
        try:
            result = json.loads((await resp.read()).strip() or b"{}")
        except ValueError:
            return False
    finally:
        resp.release()
    if not str(result.get("Response Status", "")).startswith("200"):
        log.warning("multipart delete of %s: %s", req.key, result)
        return False  # e.g. replaced meanwhile by a plain object: delete it plainly
    return True
