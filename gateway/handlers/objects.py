"""Object operations: PutObject, GetObject, HeadObject, DeleteObject."""

from __future__ import annotations

from aiohttp import web

import logging

from gateway import errors
from gateway.body import streamed_upload
from gateway.checksums import Checksum, checksum_mode
from gateway.authz.point import check_object
from gateway.handlers.acl import with_object_acl
from gateway.handlers.multipart_common import part_number_query
from gateway.handlers.object_headers import (
    check_key, new_object, response_overrides, s3_read_headers)
from gateway.relay import send_object_body
from gateway.s3request import S3Request
from gateway.storage.etags import etag_matches
from gateway.storage.errors import NotModified, StoreError
from gateway.storage.records import NewObject, ObjectInfo, ReadOptions, WriteConditions

log = logging.getLogger("gateway")

# GetObject bodies up to this size are read from the store before the response
# starts (the memory held per request is at most this); larger ones stream.
WHOLE_READ = 64 * 1024


async def require_bucket(req: S3Request) -> None:
    """``NoSuchBucket`` unless the bucket exists."""
    assert req.bucket is not None
    await req.store.head_bucket(req.account, req.bucket)


async def put_object(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    check_key(req.key)
    http = req.http
    # Lengths, aws-chunked decoding and checksums: see gateway.body.
    upload = await streamed_upload(req, req.config.swift.max_object_size)
    new = with_object_acl(req, new_object(http.headers))
    if_none_match = http.headers.get("If-None-Match")
    if if_none_match is not None and if_none_match.strip() != "*":
        raise errors.S3NotImplemented(Header="If-None-Match")  # S3 supports only "*" here
    if_match = http.headers.get("If-Match")
    if if_match is not None:
        await _check_if_match(req, if_match)  # before the client sends a byte
    # With Expect: 100-continue the store refuses a missing bucket before it pulls
    # the body (whose first pull sends 100), unless the body is read ahead here.
    withheld = http.headers.get("Expect", "").lower() == "100-continue"
    default_checksum = req.config.server.default_checksum
    if withheld and upload.reads_ahead(default_checksum):
        await require_bucket(req)
    await upload.add_default_checksum(default_checksum)
    new = upload.object_to_store(new)
    stored = await req.store.put_object(
        req.account, req.bucket, req.key, new, upload.chunks,
        WriteConditions(if_none_match_star=if_none_match is not None),
        body_withheld=withheld and not upload.read_ahead)  # read ahead: 100 is sent
    upload.bind_to(stored.backend_etag)
    if upload.checksum_in_trailer and upload.checksum is not None:
        await _record_checksum(req, new, upload.checksum)
    return web.Response(status=200, headers={"ETag": f'"{stored.etag}"',
                                             **upload.response_headers()})


async def _check_if_match(req: S3Request, condition: str) -> None:
    """PutObject's ``If-Match``: the object must exist with a matching S3 ETag.

    Checked against the current record before the body is read (a write by
    someone else in between is not seen), so the store is not asked again.
    """
    assert req.bucket is not None and req.key is not None
    try:
        current = await req.store.head_object(req.account, req.bucket, req.key)
    except StoreError:
        raise errors.NoSuchKey(Key=req.key) from None
    if not etag_matches(condition, current.etag):
        raise errors.PreconditionFailed(Condition="If-Match")


async def _record_checksum(req: S3Request, new: NewObject, checksum: Checksum) -> None:
    """A checksum learned after the body (trailer, or computed over a large body):
    stored when bound to the write's ETag; without it the object just has none."""
    assert req.bucket is not None and req.key is not None
    if checksum.etag is None:
        log.warning("request %s: trailing checksum not bound to the PUT's ETag, not stored",
                    req.request_id)
        return
    if not await req.store.record_checksum(req.account, req.bucket, req.key, new, checksum):
        log.warning("request %s: storing the trailing checksum failed", req.request_id)


def _read_options(req: S3Request, method: str) -> ReadOptions:
    """What a GET/HEAD asks of the store: range, part, conditions, checksum mode."""
    headers = req.http.headers
    return ReadOptions(
        byte_range=headers.get("Range"),
        part_number=part_number_query(req),
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
    if req.access is not None and not req.access.is_bucket_owner:
        # Another account or anonymous: READ is checked before any condition or
        # range, whose errors would tell that the key exists (one more HEAD, never
        # on the owner's path).
        check_object(req, await req.store.head_object(req.account, req.bucket, req.key))
    try:
        read = await req.store.get_object(req.account, req.bucket, req.key, options)
    except NotModified as exc:
        check_object(req, exc.info)  # type: ignore[arg-type]
        return _not_modified(exc.info)  # type: ignore[arg-type]
    async with read:
        check_object(req, read.info)  # the object's ACL came with its record
        headers = s3_read_headers(read.info, read.content_range)
        if read.checksum is not None:
            headers.update(read.checksum.response_headers())
        headers.update(overrides)
        if method == "GET" and read.length is not None and read.length <= WHOLE_READ:
            # Read whole, sent with the head in one response: no per-chunk writes,
            # and a read that stops half way is still an S3 error, not a cut.
            body = b"".join([chunk async for chunk in read.body])
            return web.Response(status=read.status, headers=headers, body=body)
        out = web.StreamResponse(status=read.status, headers=headers)
        if read.length is not None:
            out.content_length = read.length
        await out.prepare(req.http)
        if method == "GET" and not await send_object_body(req.http, out, read):
            return out  # cut half way: the client sees a short body, not a wrong one
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
