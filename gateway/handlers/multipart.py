"""Multipart uploads on Swift Static Large Objects (see gateway.multipart_layout)."""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.s3request import S3Request


async def create_multipart_upload(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()


async def upload_part(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()


async def complete_multipart_upload(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()


async def abort_multipart_upload(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()


async def list_parts(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()


async def list_multipart_uploads(req: S3Request) -> web.StreamResponse:
    raise errors.S3NotImplemented()
