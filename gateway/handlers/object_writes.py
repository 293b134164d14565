"""PUT on an object means a copy when ``x-amz-copy-source`` is present."""

from __future__ import annotations

from aiohttp import web

from gateway.handlers import copy, multipart, objects
from gateway.s3request import S3Request


async def put_or_copy_object(req: S3Request) -> web.StreamResponse:
    if "x-amz-copy-source" in req.http.headers:
        return await copy.copy_object(req)
    return await objects.put_object(req)


async def upload_part_or_copy(req: S3Request) -> web.StreamResponse:
    if "x-amz-copy-source" in req.http.headers:
        return await copy.upload_part_copy(req)
    return await multipart.upload_part(req)
