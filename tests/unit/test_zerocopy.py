"""``gateway.zerocopy`` on real sockets (TCP pairs on loopback): exact lengths,
early ends, silence, a gone sink, a sink slower than the source."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Iterator

import pytest

from gateway import zerocopy


def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
    for sock in (client, accepted):
        sock.setblocking(False)
    return client, accepted


@pytest.fixture
def pairs() -> Iterator[tuple[tuple[socket.socket, socket.socket], tuple[socket.socket, socket.socket]]]:
    """(source writer, source) and (sink, sink reader): the relay sits between."""
    source_pair, sink_pair = _tcp_pair(), _tcp_pair()
    yield source_pair, sink_pair
    for sock in (*source_pair, *sink_pair):
        sock.close()


async def _send_all(loop: asyncio.AbstractEventLoop, sock: socket.socket, data: bytes) -> None:
    await loop.sock_sendall(sock, data)


async def _receive(loop: asyncio.AbstractEventLoop, sock: socket.socket, count: int,
                   piece: int = 1 << 20) -> bytes:
    got = bytearray()
    while len(got) < count:
        chunk = await loop.sock_recv(sock, min(piece, count - len(got)))
        if not chunk:
            break
        got += chunk
    return bytes(got)


def test_moves_exactly_the_length_and_leaves_what_follows(pairs) -> None:  # noqa: ANN001
    (writer, source), (sink, reader) = pairs
    body = os.urandom(3 * zerocopy.PIPE_BYTES + 12345)

    async def main() -> tuple[int, bytes, bytes]:
        loop = asyncio.get_running_loop()
        sending = asyncio.ensure_future(_send_all(loop, writer, body + b"NEXT"))
        receiving = asyncio.ensure_future(_receive(loop, reader, len(body)))
        moved = await zerocopy.splice_between(source.fileno(), sink.fileno(), len(body),
                                              read_timeout=30)
        await sending
        return moved, await receiving, await _receive(loop, source, 4)

    moved, received, rest = asyncio.run(main())
    assert moved == len(body)
    assert received == body
    assert rest == b"NEXT"  # not one byte past the length was taken
    # The source's next reader (an upload's connection, its next request) is woken
    # by any byte again, not only by a pipeful.
    assert source.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT) == 1


def test_a_slow_sink_gets_every_byte_in_order(pairs) -> None:  # noqa: ANN001
    (writer, source), (sink, reader) = pairs
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    body = os.urandom(2 * zerocopy.PIPE_BYTES + 1)

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        asyncio.ensure_future(_send_all(loop, writer, body))
        receiving = asyncio.ensure_future(_receive(loop, reader, len(body), piece=4096))
        await zerocopy.splice_between(source.fileno(), sink.fileno(), len(body),
                                      read_timeout=30)
        return await receiving

    assert asyncio.run(main()) == body


def test_a_source_that_closes_early_is_an_error(pairs) -> None:  # noqa: ANN001
    (writer, source), (sink, _reader) = pairs

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await _send_all(loop, writer, b"x" * 1000)
        writer.shutdown(socket.SHUT_WR)
        await zerocopy.splice_between(source.fileno(), sink.fileno(), 5000, read_timeout=30)

    with pytest.raises(zerocopy.SourceEnded, match="closed early"):
        asyncio.run(main())


def test_a_silent_source_ends_after_the_read_timeout(pairs) -> None:  # noqa: ANN001
    (writer, source), (sink, _reader) = pairs

    async def main() -> None:
        await _send_all(asyncio.get_running_loop(), writer, b"x" * 1000)
        await zerocopy.splice_between(source.fileno(), sink.fileno(), 5000, read_timeout=0.2)

    with pytest.raises(zerocopy.SourceSilent, match="silent"):
        asyncio.run(main())


def test_a_source_trickling_less_than_a_pipeful_is_not_silent(pairs) -> None:  # noqa: ANN001
    """The mover waits for a pipeful (``SO_RCVLOWAT``); bytes that keep arriving
    below that amount are a live source, whatever the read timeout."""
    (writer, source), (sink, reader) = pairs
    writer.setblocking(True)
    piece, pieces = b"t" * 1000, 30

    def trickle() -> None:  # its own thread: a stalled event loop cannot delay it
        for _ in range(pieces):
            writer.sendall(piece)
            time.sleep(0.05)

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        sender = loop.run_in_executor(None, trickle)
        received = asyncio.ensure_future(_receive(loop, reader, len(piece) * pieces))
        moved = await zerocopy.splice_between(source.fileno(), sink.fileno(),
                                              len(piece) * pieces, read_timeout=0.5)
        await sender
        assert moved == len(piece) * pieces
        return await received

    assert asyncio.run(main()) == piece * pieces


def test_a_gone_sink_is_a_connection_error(pairs) -> None:  # noqa: ANN001
    (writer, source), (sink, reader) = pairs
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    reader.close()  # an RST: the client is gone

    async def main() -> None:
        loop = asyncio.get_running_loop()
        asyncio.ensure_future(_send_all(loop, writer, b"x" * (4 << 20)))
        await zerocopy.splice_between(source.fileno(), sink.fileno(), 4 << 20, read_timeout=30)

    with pytest.raises(ConnectionError):
        asyncio.run(main())
