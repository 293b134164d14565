"""An upload body handed over as the client's socket (PutObject's and UploadPart's
zero-copy relay).

A body that needs no check in transit (no signed payload hash, no checksum, a
known length) can go from the client's connection to Swift's by ``splice``
(``gateway.zerocopy``), as a large GET's body goes the other way: the store
takes the socket through ``SocketSource.take`` when its own connection allows
it (``gateway.swift.spliced_upload``), and reads the chunks otherwise.

aiohttp's parser never sees the spliced bytes, so this module puts the
connection back in order: the request's reader ends, and the connection gets a
fresh parser for its next request (``S3RequestHandler.body_bypassed``). After
a failed move it is closed once the answer is out: how much of the body is
still on its way is unknowable.
"""

from __future__ import annotations

from functools import partial
from typing import Protocol, cast

from aiohttp import web

from gateway import errors, zerocopy
from gateway.body.receive import send_continue
from gateway.s3request import SPLICED_BYTES
from gateway.storage.records import Body, SocketBody, SpliceableBody
from gateway.streams import MAY_BE_HELD_BACK, held_bytes


class _BypassableConnection(Protocol):
    """The connection protocol of ``gateway.http_server.S3RequestHandler``."""

    def body_bypassed(self) -> None: ...

    def resume_reading(self) -> None: ...

    def close(self) -> None: ...


def spliceable_body(request: web.Request, chunks: Body, length: int) -> Body:
    """``chunks`` (the whole unchecked body of ``length`` bytes), offered as the
    client's socket where that can work: Linux, plain TCP, the gateway's own
    connection protocol, a body of ``zerocopy.SPLICE_FROM`` bytes or more."""
    protocol = request.protocol
    transport = request.transport
    if (length < zerocopy.SPLICE_FROM or not zerocopy.available()
            or not callable(getattr(protocol, "body_bypassed", None)) or transport is None
            or transport.get_extra_info("ssl_object") is not None
            or transport.get_extra_info("socket") is None):
        return chunks
    connection = cast(_BypassableConnection, protocol)
    return SpliceableBody(chunks, length, _ClientSocket(request, connection, length))


class _ClientSocket:
    """``SocketSource`` over one request's connection."""

    def __init__(self, request: web.Request, protocol: _BypassableConnection,
                 length: int) -> None:
        self._request = request
        self._protocol = protocol
        self._length = length

    async def take(self) -> SocketBody | None:
        request = self._request
        await send_continue(request)
        transport, content = request.transport, request.content
        if transport is None or transport.is_closing() or content.exception() is not None:
            return None
        sock = transport.get_extra_info("socket")
        if sock is None or self._length - content.total_bytes <= MAY_BE_HELD_BACK:
            return None  # the rest may all be held by aiohttp already: read as chunks
        transport.pause_reading()
        try:
            head = held_bytes(content)  # may resume reading: no await, so no read yet
        finally:
            if transport.is_reading():
                transport.pause_reading()
        remaining = self._length - content.total_bytes
        return SocketBody(head=head, fd=sock.fileno(), remaining=remaining, read_timeout=None,
                          done=partial(self._moved, remaining))

    def _moved(self, count: int) -> None:
        """All of the body went by: the connection goes on with a fresh parser."""
        content = self._request.content
        content.total_bytes += count  # the access log's and metrics' bytes in
        self._request[SPLICED_BYTES] = count
        content.feed_eof()
        self._protocol.body_bypassed()
        self._protocol.resume_reading()

    def failed(self, exc: BaseException) -> BaseException:
        self._request.content.feed_eof()  # nothing left to wait for (no lingering read)
        self._protocol.close()  # after the answer
        if isinstance(exc, zerocopy.SourceSilent):
            return errors.RequestTimeout()
        if isinstance(exc, zerocopy.SourceEnded):
            return errors.IncompleteBody()
        return exc
