"""How long a body is and how it is framed: declared lengths, size limits,
``Transfer-Encoding: chunked`` and the ``aws-chunked`` content coding."""

from __future__ import annotations

from collections.abc import AsyncIterator

from multidict import CIMultiDictProxy

from gateway import errors

AWS_CHUNKED = "aws-chunked"

def stored_content_encoding(value: str) -> str | None:
    """Content-Encoding without ``aws-chunked`` ("aws-chunked,gzip" -> "gzip")."""
    codings = [c.strip() for c in value.split(",")]
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
