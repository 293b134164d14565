"""A GetObject body from the store to the client: by the kernel when it can, in chunks otherwise.

A body of 1 MiB or more, with a known length, over plain TCP on both sides,
goes by ``splice`` (``gateway.zerocopy``): the bytes never enter Python, and
the store's connection goes back to its pool once they are all through
(``SocketBody.done``). A smaller body would not pay back the splice's set-up
(a pipe, its wake-ups). Everything else
(TLS on either side, a backend without sockets, chunked answers) goes through
the body iterator as before. Either way, a body that stops half way cuts the
client's connection: its head is gone, so a short body is all S3 can show.
"""

from __future__ import annotations

from aiohttp import web

from gateway import zerocopy
from gateway.s3request import SPLICED_BYTES
from gateway.storage.errors import ReadInterrupted
from gateway.storage.records import ObjectRead, SocketBody


async def send_object_body(request: web.Request, out: web.StreamResponse,
                           read: ObjectRead) -> bool:
    """Send ``read``'s body after ``out``'s (prepared) head; False if it was cut."""
    try:
        spliceable = _spliceable(request, read)
        if spliceable is None:
            async for chunk in read.body:
                await out.write(chunk)
        else:
            await _splice(request, out, *spliceable)
    except (ReadInterrupted, ConnectionError):
        if request.transport is not None:
            request.transport.close()
        return False
    return True


def _spliceable(request: web.Request, read: ObjectRead) -> tuple[SocketBody, int] | None:
    """The rest of the body as a socket and the client's socket, if this body
    may be spliced (the store then hands its socket over)."""
    if read.take_socket is None or read.length is None or read.length < zerocopy.SPLICE_FROM:
        return None
    transport = request.transport
    if transport is None or transport.is_closing() or not zerocopy.available():
        return None
    if transport.get_extra_info("ssl_object") is not None:
        return None
    sock = transport.get_extra_info("socket")
    if sock is None:
        return None
    body = read.take_socket()
    return (body, sock.fileno()) if body is not None else None


async def _splice(request: web.Request, out: web.StreamResponse, body: SocketBody,
                  sink_fd: int) -> None:
    await out.write(body.head)  # the response head goes with it, even when empty
    transport = request.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("the client left")
    await zerocopy.flushed(transport, request.writer.drain)
    moved = await zerocopy.splice_between(body.fd, sink_fd, body.remaining,
                                          read_timeout=body.read_timeout)
    request.writer.output_size += moved  # the access log's and metrics' bytes out
    request[SPLICED_BYTES] = moved
    if body.done is not None:
        body.done()  # Swift's connection goes back to the pool
