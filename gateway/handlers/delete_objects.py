"""DeleteObjects: the multi-object delete (POST ?delete)."""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.s3request import S3Request


async def delete_objects(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()
