"""``raw_chunks``: a request body piece by piece, as aiohttp's parser fed it."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp.base_protocol import BaseProtocol
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader
from aiohttp.test_utils import make_mocked_request

from gateway import errors
from gateway.body.receive import raw_chunks


async def _collect(payload: StreamReader, expected: int | None) -> list[bytes]:
    request = make_mocked_request("PUT", "/b/k", payload=payload)
    return [chunk async for chunk in raw_chunks(request, expected)]


def _reader() -> StreamReader:
    loop = asyncio.get_running_loop()
    return StreamReader(BaseProtocol(loop), 1 << 16, loop=loop)  # no transport: no flow control


def test_buffered_pieces_come_one_by_one_not_joined() -> None:
    async def main() -> list[bytes]:
        payload = _reader()
        for piece in (b"abc", b"defg", b"h"):
            payload.feed_data(piece)
        payload.feed_eof()
        return await _collect(payload, 8)

    assert asyncio.run(main()) == [b"abc", b"defg", b"h"]


def test_chunk_ends_of_a_chunked_body_are_not_its_end() -> None:
    async def main() -> list[bytes]:
        payload = _reader()
        for piece in (b"first", b"second"):
            payload.begin_http_chunk_receiving()
            payload.feed_data(piece)
            payload.end_http_chunk_receiving()
        payload.begin_http_chunk_receiving()  # the zero-length last chunk
        payload.end_http_chunk_receiving()
        payload.feed_eof()
        return await _collect(payload, None)

    assert asyncio.run(main()) == [b"first", b"second"]


def test_the_shared_empty_body_ends_every_time() -> None:
    """aiohttp's one empty reader serves every bodiless request; after its first
    use it answers (b"", True) forever, which must still read as the end."""
    async def main() -> list[list[bytes]]:
        return [await _collect(EMPTY_PAYLOAD, None) for _ in range(3)]  # type: ignore[arg-type]

    # In a thread: the failure this guards against is a loop that never awaits.
    results: list[list[list[bytes]]] = []
    reader = threading.Thread(target=lambda: results.append(asyncio.run(main())), daemon=True)
    reader.start()
    reader.join(30)
    assert results == [[[], [], []]], "raw_chunks never ended on the empty body"


def test_a_body_shorter_than_its_length_is_incomplete() -> None:
    async def main() -> list[bytes]:
        payload = _reader()
        payload.feed_data(b"short")
        payload.feed_eof()
        return await _collect(payload, 10)

    with pytest.raises(errors.IncompleteBody):
        asyncio.run(main())
