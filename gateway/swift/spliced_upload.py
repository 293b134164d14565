"""An upload body moved from the client's socket to Swift's by ``splice``.

The Swift client hands a ``SpliceableBody`` (``gateway.storage.records``) to
aiohttp as this payload. aiohttp calls ``write`` once it holds the Swift
connection (and, for a request with ``Expect``, Swift's ``100 Continue``); the
payload then takes the client's socket, writes the request head with the body
bytes the gateway already holds, and lets the kernel move the rest: no ``recv``
into Python, no parser copy, no ``send`` (``gateway.zerocopy``). aiohttp's
parser only ever reads Swift's answer, so the connection is pooled as usual.

A TLS connection to Swift, or a client socket that cannot be handed over,
gets the chunks instead. A move that fails raises what the source says (the
client's fault: ``IncompleteBody``, ``RequestTimeout``) or the sink's error;
either way Swift's request is cut short, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from aiohttp import payload
from aiohttp.abc import AbstractStreamWriter

from gateway import zerocopy
from gateway.storage.records import SpliceableBody


class SplicedPayload(payload.Payload):
    """aiohttp's view of a ``SpliceableBody``: one write, never replayed."""

    _autoclose = True  # holds no resource of its own

    def __init__(self, body: SpliceableBody, read_timeout: float | None) -> None:
        super().__init__(body)
        self._size = body.length
        self._body = body
        self._read_timeout = read_timeout

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("a streamed upload body cannot be decoded")

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(self, writer: AbstractStreamWriter,
                                content_length: int | None) -> None:
        self._consumed = True
        transport = writer.transport
        sink = _plain_socket_fd(transport)
        source = self._body.source
        taken = await source.take() if sink is not None else None
        if taken is None or transport is None or sink is None:
            async for chunk in self._body.chunks:
                await writer.write(chunk)
            return
        try:
            await writer.write(taken.head)  # the request head goes with it, even when empty
            await zerocopy.flushed(transport, writer.drain)
            await zerocopy.splice_between(taken.fd, sink, taken.remaining,
                                          read_timeout=self._read_timeout)
        except zerocopy.SourceEnded as exc:
            raise source.failed(exc) from exc
        except BaseException as exc:
            source.failed(exc)
            raise
        if taken.done is not None:
            taken.done()  # all of it went by (``splice_between`` raises otherwise)


def _plain_socket_fd(transport: Any) -> int | None:
    """The socket under an open, unencrypted transport."""
    if transport is None or transport.is_closing():
        return None
    if transport.get_extra_info("ssl_object") is not None:
        return None
    sock = transport.get_extra_info("socket")
    return sock.fileno() if sock is not None else None
