"""Object operations: PutObject, GetObject, HeadObject, DeleteObject."""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.body import send_continue
from gateway.checksums import checksum_mode
from gateway.handlers import multipart_objects
from gateway.handlers.common import s3_etag
from gateway.handlers.object_headers import (
    check_key, response_overrides, s3_read_headers, swift_put_headers)
from gateway.s3request import S3Request
from gateway.storage.errors import NotModified, ReadInterrupted
from gateway.storage.records import ObjectInfo, ReadOptions
from gateway.swift.status import StatusMap, raise_for_status
from gateway.uploads import store_trailing_checksum, streamed_upload

PUT_OBJECT_ERRORS: StatusMap = {
    404: errors.NoSuchBucket, 400: errors.InvalidArgument, 412: errors.PreconditionFailed}


async def require_bucket(req: S3Request) -> None:
    """``NoSuchBucket`` unless the bucket exists."""
    assert req.bucket is not None
    await req.store.head_bucket(req.account, req.bucket)


async def put_object(req: S3Request) -> web.StreamResponse:
    assert req.key is not None
    check_key(req.key)
    http = req.http
    # Lengths, aws-chunked decoding and checksums: see gateway.uploads.
    upload = await streamed_upload(req, req.config.swift.max_object_size)
    headers = swift_put_headers(http.headers)
    upload.apply_headers(headers)
    if_none_match = http.headers.get("If-None-Match")
    if if_none_match is not None:
        if if_none_match.strip() != "*":  # S3 supports only "*" here
            raise errors.S3NotImplemented(Header="If-None-Match")
        headers["If-None-Match"] = "*"  # Swift refuses the PUT (412) if the key exists
    if_match = http.headers.get("If-Match")
    # The object this PUT replaces: its segments to clean up, and If-Match's subject.
    replaced = multipart_objects.ReplacedObject.start(req, always=if_match is not None)
    if if_match is not None:
        await replaced.check_if_match(if_match)
    if http.headers.get("Expect", "").lower() == "100-continue":
        await require_bucket(req)  # all checks before the client sends a byte
        await send_continue(http)
    await upload.add_default_checksum(req.config.server.default_checksum, headers)
    resp = await req.swift.request(
        "PUT", req.account, req.bucket, req.key, headers=headers,
        data=upload.chunks)
    raise_for_status(resp, PUT_OBJECT_ERRORS)
    resp.release()
    await replaced.cleanup()
    upload.bind_to(resp.headers.get("Etag"))
    await store_trailing_checksum(req, upload, headers, req.bucket or "", req.key)
    return web.Response(status=200, headers={"ETag": s3_etag(resp.headers.get("Etag")),
                                             **upload.response_headers()})


def _read_options(req: S3Request, method: str) -> ReadOptions:
    """What a GET/HEAD asks of the store: range, part, conditions, checksum mode."""
    headers = req.http.headers
    return ReadOptions(
        byte_range=headers.get("Range"),
        part_number=multipart_objects.part_number_query(req),
        if_match=headers.get("If-Match"), if_none_match=headers.get("If-None-Match"),
        if_modified_since=headers.get("If-Modified-Since"),
        if_unmodified_since=headers.get("If-Unmodified-Since"),
        checksum_mode=checksum_mode(headers), with_body=method == "GET")


def _not_modified(info: ObjectInfo) -> web.Response:
    headers = s3_read_headers(info)
    return web.Response(status=304, headers={
        k: v for k, v in headers.items() if k in ("ETag", "Last-Modified")})


async def _get_or_head(req: S3Request, method: str) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    options = _read_options(req, method)
    overrides = response_overrides(req.query)
    try:
        read = await req.store.get_object(req.account, req.bucket, req.key, options)
    except NotModified as exc:
        return _not_modified(exc.info)  # type: ignore[arg-type]
    async with read:
        headers = s3_read_headers(read.info, read.content_range)
        if read.checksum is not None:
            headers.update(read.checksum.response_headers())
        headers.update(overrides)
        out = web.StreamResponse(status=read.status, headers=headers)
        if read.length is not None:
            out.content_length = read.length
        await out.prepare(req.http)
        if method == "GET":
            try:
                async for chunk in read.body:
                    await out.write(chunk)
            except (ReadInterrupted, ConnectionError):
                # Headers are gone already: all that is left is to cut the
                # connection, so the client sees a short body, not a wrong one.
                if req.http.transport is not None:
                    req.http.transport.close()
                return out
        await out.write_eof()
        return out


async def get_object(req: S3Request) -> web.StreamResponse:
    return await _get_or_head(req, "GET")


async def head_object(req: S3Request) -> web.StreamResponse:
    return await _get_or_head(req, "HEAD")


async def delete_object(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    await req.store.delete_object(req.account, req.bucket, req.key)  # absent: still 204
    return web.Response(status=204)
