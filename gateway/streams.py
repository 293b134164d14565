"""Checking a streamed body without letting Swift commit it before the check passed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable


async def checked_stream(chunks: AsyncIterator[bytes], update: Callable[[bytes], object],
                         check: Callable[[], None]) -> AsyncIterator[bytes]:
    """Feed every chunk to ``update``; release the last one only after ``check()`` passed.

    Each chunk is yielded once its successor has arrived. Swift is sent a fixed
    Content-Length (or a chunked body whose end only comes with the last chunk),
    so if ``check`` raises, the upstream request ends short and nothing is stored;
    raising after the final bytes could let Swift commit a body that failed.
    """
    pending: bytes | None = None
    async for chunk in chunks:
        if not chunk:
            continue
        update(chunk)
        if pending is not None:
            yield pending
        pending = chunk
    check()
    if pending is not None:
        yield pending
