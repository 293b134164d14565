"""Object operations: PutObject, GetObject, HeadObject, DeleteObject."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from gateway import errors
from gateway.body import send_continue
from gateway.checksums import checksum_response_headers
from gateway.handlers import multipart_objects
from gateway.handlers.common import s3_etag
from gateway.handlers.segment_sweep import sweep_segments
from gateway.handlers.object_headers import (
    check_key, response_overrides, s3_object_headers, swift_put_headers)
from gateway.s3request import S3Request
from gateway.swift.status import StatusMap, raise_for_status
from gateway.uploads import store_trailing_checksum, streamed_upload

PUT_OBJECT_ERRORS: StatusMap = {
    404: errors.NoSuchBucket, 400: errors.InvalidArgument, 412: errors.PreconditionFailed}
GET_OBJECT_ERRORS: StatusMap = {
    404: errors.NoSuchKey, 412: errors.PreconditionFailed, 416: errors.InvalidRange}
DELETE_OBJECT_ERRORS: StatusMap = {}

_CONDITIONS = ("If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")


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


def _read_headers(http: web.Request) -> dict[str, str]:
    """Range and conditions for Swift, ordered as S3 evaluates them.

    S3 (like RFC 7232) ignores If-Unmodified-Since when If-Match is present and
    If-Modified-Since when If-None-Match is present; Swift checks all four.
    """
    out = {name: http.headers[name] for name in _CONDITIONS if name in http.headers}
    if "If-Match" in out:
        out.pop("If-Unmodified-Since", None)
    if "If-None-Match" in out:
        out.pop("If-Modified-Since", None)
    byte_range = http.headers.get("Range")
    if byte_range and "," not in byte_range:  # S3 serves one range per request
        out["Range"] = byte_range
    return out


async def _get_or_head(req: S3Request, method: str) -> web.StreamResponse:
    assert req.key is not None
    part_number = multipart_objects.part_number_query(req)
    overrides = response_overrides(req.query)
    swift_headers = _read_headers(req.http)
    # Checked against the S3 ETag, not Swift's (an SLO's differs): multipart_objects.
    if_match, if_none_match = multipart_objects.take_etag_conditions(swift_headers)
    resp = await req.swift.request(
        method, req.account, req.bucket, req.key, headers=swift_headers,
        params={"part-number": str(part_number)} if part_number is not None else None)
    try:
        if resp.status == 304:
            headers = s3_object_headers(resp.headers)
            return web.Response(status=304, headers={
                k: v for k, v in headers.items() if k in ("ETag", "Last-Modified")})
        if resp.status == 404:
            resp.release()
            await require_bucket(req)
            raise errors.NoSuchKey(Key=req.key)
        if resp.status == 416 and part_number is not None:
            raise multipart_objects.InvalidPartNumber(PartNumberRequested=part_number)
        if resp.status == 416:
            size = resp.headers.get("Content-Range", "").rpartition("/")[2]
            raise errors.InvalidRange(RangeRequested=req.http.headers.get("Range", ""),
                                      ActualObjectSize=size or None)
        raise_for_status(resp, GET_OBJECT_ERRORS)
        headers = s3_object_headers(resp.headers)
        status = multipart_objects.read_status(resp, headers, part_number, if_match,
                                               if_none_match)
        if status == 304:
            return web.Response(status=304, headers={
                k: v for k, v in headers.items() if k in ("ETag", "Last-Modified")})
        if part_number is None:
            headers.update(checksum_response_headers(resp.headers, req.http.headers,
                                                     resp.status))
        else:
            headers.update(await multipart_objects.part_checksum_headers(
                req, resp.headers, part_number))
        headers.update(overrides)
        out = web.StreamResponse(status=status, headers=headers)
        length = resp.headers.get("Content-Length")
        if length is not None:
            out.content_length = int(length)
        await out.prepare(req.http)
        if method == "GET":
            try:
                async for chunk in resp.content.iter_any():
                    await out.write(chunk)
            except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError):
                # Headers are gone already: all that is left is to cut the
                # connection, so the client sees a short body, not a wrong one.
                if req.http.transport is not None:
                    req.http.transport.close()
                return out
        await out.write_eof()
        return out
    finally:
        resp.release()


async def get_object(req: S3Request) -> web.StreamResponse:
    return await _get_or_head(req, "GET")


async def head_object(req: S3Request) -> web.StreamResponse:
    return await _get_or_head(req, "HEAD")


async def delete_object(req: S3Request) -> web.StreamResponse:
    if not await multipart_objects.delete_if_multipart(req):  # with its segments
        resp = await req.swift.request("DELETE", req.account, req.bucket, req.key)
        if resp.status == 404:
            resp.release()
            await require_bucket(req)  # an absent key is still a success
        else:
            raise_for_status(resp, DELETE_OBJECT_ERRORS)
            resp.release()
    # Also what racing writers left (no-op in buckets without multipart objects).
    await sweep_segments(req)
    return web.Response(status=204)
