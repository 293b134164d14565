"""GetObject and HeadObject on Swift: conditions, ranges and parts as S3 has them.

If-Match / If-None-Match are checked here against the S3 ETag, because Swift
would compare a multipart object's SLO ETag; the date conditions go to Swift.
Swift's SLO serves ``?part-number=N`` itself (206, ``X-Parts-Count``); a plain
object is its own part 1. With checksum mode, a part read answers that part's
checksum: the N-th entry of the object's segment listing (Complete removed
every part it did not use) carries it in its content type, one listing and no
HEAD per part.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import aiohttp

from gateway.checksums import Checksum
from gateway.swift.multipart_layout import listed_part_checksum
from gateway.storage import errors as store
from gateway.storage.etags import etag_matches
from gateway.storage.records import (
    ObjectInfo, ObjectRead, PartsPage, ReadOptions, SocketBody)
from gateway.streams import MAY_BE_HELD_BACK, body_pieces, held_bytes
from gateway.swift.codec import object_info
from gateway.swift.objects import SwiftObjects
from gateway.swift.outcomes import OutcomeMap, raise_for
from gateway.swift.parts import list_parts_of, parts_page

GET_OBJECT: OutcomeMap = {
    404: store.ObjectNotFound, 412: store.PreconditionFailed, 416: store.RangeNotSatisfiable}


def _swift_read_headers(options: ReadOptions) -> dict[str, str]:
    """Range and date conditions for Swift, S3's precedence applied (RFC 7232):
    If-Unmodified-Since yields to If-Match, If-Modified-Since to If-None-Match."""
    out: dict[str, str] = {}
    if options.if_modified_since is not None and options.if_none_match is None:
        out["If-Modified-Since"] = options.if_modified_since
    if options.if_unmodified_since is not None and options.if_match is None:
        out["If-Unmodified-Since"] = options.if_unmodified_since
    if options.byte_range and "," not in options.byte_range:  # one range per request
        out["Range"] = options.byte_range
    return out


async def _streamed(resp: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in body_pieces(resp.content):
            yield chunk
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as exc:
        raise store.ReadInterrupted("Swift stopped sending the body") from exc


def _socket_taker(resp: aiohttp.ClientResponse, length: int,
                  read_timeout: float) -> Callable[[], SocketBody | None]:
    """``ObjectRead.take_socket`` for a Swift response with a Content-Length.

    The connection stops reading from its socket first (which also drops
    aiohttp's read timer: the relay keeps its own); then everything aiohttp
    already took off the socket is collected: its reader's buffer and what its
    parser held back at the reader's high-water mark (each drain re-feeds it).
    The rest is on the socket. aiohttp's parser never sees that rest; the
    ``SocketBody``'s ``done`` (the reader's end, as the parser would have fed
    it) lets the connection go back to the pool once the rest went by.
    Released without it, the connection is closed."""
    def take() -> SocketBody | None:
        connection = resp.connection
        if connection is None or connection.transport is None or connection.protocol is None:
            return None
        transport, protocol = connection.transport, connection.protocol
        sock = transport.get_extra_info("socket")
        if sock is None or transport.get_extra_info("ssl_object") is not None:
            return None  # only plain TCP: TLS bytes need decrypting in user space
        if length - resp.content.total_bytes <= MAY_BE_HELD_BACK:
            return None  # the body may be whole already: aiohttp would pool the connection
        protocol.pause_reading()
        try:
            head = held_bytes(resp.content)
        except (RuntimeError, aiohttp.ClientError, OSError, asyncio.TimeoutError):
            return None  # a failed read: the iterator path reports it
        finally:
            protocol.pause_reading()  # a drain resumes reading: no socket read happened yet
        # Once every byte went by, the body's end resumes reading and ends the
        # response: the connection goes back to the pool (else it is closed).
        return SocketBody(head=head, fd=sock.fileno(), remaining=length - len(head),
                          read_timeout=read_timeout, done=resp.content.feed_eof)
    return take


class SwiftReads(SwiftObjects):
    """``Store.get_object`` (and HEAD through it, ``ReadOptions.with_body``)."""

    async def head_object(self, account: str, bucket: str, key: str,
                          options: ReadOptions | None = None) -> ObjectInfo:
        """With ``options``: a HEAD with its conditions and part number, as
        ``get_object`` reads (``NotModified``, ``PreconditionFailed``,
        ``PartNumberNotSatisfiable``...); the record of the part it names."""
        if options is None:
            return await super().head_object(account, bucket, key)
        read = await self.get_object(account, bucket, key, replace(options, with_body=False))
        read.close()
        return read.info

    async def get_object(self, account: str, bucket: str, key: str,
                         options: ReadOptions) -> ObjectRead:
        number = options.part_number
        resp = await self.swift.request(
            "GET" if options.with_body else "HEAD", account, bucket, key,
            headers=_swift_read_headers(options),
            params={"part-number": str(number)} if number is not None else None)
        try:
            return await self._opened(account, bucket, key, options, resp)
        except BaseException:
            resp.release()
            raise

    async def _opened(self, account: str, bucket: str, key: str, options: ReadOptions,
                      resp: aiohttp.ClientResponse) -> ObjectRead:
        number = options.part_number
        if resp.status == 304:
            raise store.NotModified(
                await self.with_acl_record(account, bucket, object_info(key, resp.headers)))
        if resp.status == 404:
            resp.release()
            raise await self.missing_object(account, bucket, key)
        if resp.status == 416 and number is not None:
            raise store.PartNumberNotSatisfiable(part_number=number)
        if resp.status == 416:
            size = resp.headers.get("Content-Range", "").rpartition("/")[2]
            raise store.RangeNotSatisfiable(requested=options.byte_range or "",
                                            size=size or None)
        raise_for(resp, GET_OBJECT, bucket=bucket, key=key)
        info = await self.with_acl_record(account, bucket, object_info(key, resp.headers))
        if options.if_match is not None and not etag_matches(options.if_match, info.etag):
            raise store.PreconditionFailed(condition="If-Match")
        if options.if_none_match is not None and etag_matches(options.if_none_match, info.etag):
            raise store.NotModified(info)
        length_header = resp.headers.get("Content-Length")
        read = ObjectRead(info=info, status=resp.status,
                          length=int(length_header) if length_header is not None else None,
                          content_range=resp.headers.get("Content-Range"),
                          body=_streamed(resp), release=resp.release)
        if read.length is not None and options.with_body:
            read.take_socket = _socket_taker(resp, read.length,
                                             self.swift.read_timeout_seconds)
        if number is not None and info.parts_count is None:
            _as_single_part(read, number)
        if options.checksum_mode:
            read.checksum = await self._read_checksum(account, bucket, read, number,
                                                      resp.status)
        return read

    async def list_object_parts(self, account: str, bucket: str, obj: ObjectInfo,
                                marker: int, max_parts: int) -> PartsPage:
        """One page of the object's segment listing (its ``upload_id`` names them):
        Complete removed every part it did not use, so the segments are the parts."""
        if obj.upload_id is None:
            return PartsPage([], False)
        return await parts_page(self.swift, account, bucket, obj.key, obj.upload_id,
                                marker, max_parts)

    async def _read_checksum(self, account: str, bucket: str, read: ObjectRead,
                             number: int | None, swift_status: int) -> Checksum | None:
        whole = read.info.checksum
        if number is None:
            return whole if swift_status != 206 else None
        if whole is None:
            return None
        upload_id = read.info.upload_id
        if upload_id is None or read.info.parts_count is None:
            return whole
        entries = await list_parts_of(self.swift, account, bucket, read.info.key, upload_id,
                                      limit=number)
        if len(entries) < number:
            return None
        part = listed_part_checksum(entries[number - 1])
        if part is None or part.algorithm != whole.algorithm:
            return None
        return Checksum(part.algorithm, part.value, whole.type)


def _as_single_part(read: ObjectRead, number: int) -> None:
    """A plain object read as ``partNumber=1``: all of it, as a 206 of the whole.

    No ``x-amz-mp-parts-count``: S3 sends it for multipart objects only."""
    if number != 1:
        raise store.PartNumberNotSatisfiable(part_number=number, actual_part_count=1)
    length = read.length or 0
    if length == 0:
        return
    read.status = 206
    read.content_range = f"bytes 0-{length - 1}/{length}"
