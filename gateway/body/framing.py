"""How long a body is and how it is framed: declared lengths, size limits,
``Transfer-Encoding: chunked`` and the ``aws-chunked`` content coding."""

from __future__ import annotations

from collections.abc import AsyncIterator

from multidict import CIMultiDictProxy

from gateway import errors

AWS_CHUNKED = "aws-chunked"

def stored_content_encoding(value: str) -> str | None:
    """Content-Encoding as S3 stores it: without ``aws-chunked`` wherever it stands
    ("aws-chunked, gzip" -> "gzip"; None if nothing is left), whether or not the body
    was framed so; a value without it is kept as sent."""
    codings = [c.strip() for c in value.split(",")]
    if not any(c.lower() == AWS_CHUNKED for c in codings):
        return value
    kept = [c for c in codings if c and c.lower() != AWS_CHUNKED]
    return ", ".join(kept) or None


def decoded_length(headers: CIMultiDictProxy[str]) -> int:
    """An aws-chunked body's payload length (``x-amz-decoded-content-length``)."""
    value = headers.get("x-amz-decoded-content-length", "").strip()
    if not value.isdigit():  # S3 says "Content-Length", meaning this header
        raise errors.MissingContentLength()
    return int(value)


def is_chunked(headers: CIMultiDictProxy[str]) -> bool:
    return "chunked" in headers.get("Transfer-Encoding", "").lower()


async def size_limited(chunks: AsyncIterator[bytes], max_size: int) -> AsyncIterator[bytes]:
    """For bodies of unknown length: refuse the byte that crosses ``max_size``."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_size:
            raise errors.EntityTooLarge(MaxSizeAllowed=max_size)
        yield chunk
