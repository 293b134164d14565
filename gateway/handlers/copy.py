"""CopyObject and UploadPartCopy: server-side copies from ``x-amz-copy-source``."""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.s3request import S3Request


async def copy_object(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()


async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()
