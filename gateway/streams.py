"""An aiohttp body, request or response, piece by piece as it arrived (or all it holds).

``readany`` (and ``iter_any``) join, i.e. copy, every piece already buffered
into one ``bytes``; ``readchunk`` hands over one piece per socket read. Its
one trap lives here: aiohttp's shared empty reader (every bodiless request's
and response's ``content``) answers ``(b"", True)`` forever after its first use,
so the end of a chunk of a chunked body counts as "more follows" only while
the reader is not at its end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import StreamReader

# What aiohttp may hold beyond its reader's count: the rest of one socket read
# (asyncio reads up to 256 KiB) that its parser kept back at the high-water mark.
MAY_BE_HELD_BACK = 256 << 10


async def body_pieces(content: StreamReader) -> AsyncIterator[bytes]:
    """Every non-empty piece of ``content``, none joined to another."""
    while True:
        piece, chunk_ended = await content.readchunk()
        if piece:
            yield piece
        elif not chunk_ended or content.at_eof():
            return


def held_bytes(content: StreamReader) -> bytes:
    """Every body byte aiohttp holds, without reading the socket (no await): its
    reader's buffer, and what its parser kept back at the reader's high-water
    mark (each read re-feeds it). For handing the rest of the body to ``splice``."""
    parts = []
    while chunk := content.read_nowait():
        parts.append(chunk)
    return b"".join(parts)
