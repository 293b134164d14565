"""What plain object operations need to know about multipart objects.

- GET/HEAD ``partNumber``: validated here; the store serves the part
  (``gateway.swift.reads``, with its checksum in checksum mode).
- Overwriting or deleting a multipart object removes its segments: every
  write or delete of a key in a bucket that may hold multipart objects ends
  with ``segment_sweep.sweep_segments``, which also finds what racing writers
  replaced (see there for the invariant and the races).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway import errors
from gateway.handlers.object_headers import s3_object_headers
from gateway.handlers.multipart_common import parse_part_number
from gateway.handlers.segment_sweep import may_hold_multipart, sweep_segments
from gateway.s3request import S3Request
from gateway.storage.conditions import etag_matches
from gateway.storage.errors import StoreError

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
            return await may_hold_multipart(self.req)
        except (errors.S3Error, StoreError):
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
        except (errors.S3Error, StoreError):
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
