"""Verify the body against the payload hash the SigV4 signature covers.

The verifier holds back the last chunk until the digest is known: the consumer
streams chunks to Swift with a fixed Content-Length, so raising before the
final bytes are released makes Swift see a short body and store nothing,
whereas raising after them could let Swift commit a tampered object.

Payload markers map to verifier factories in ``_STREAMING``; an aws-chunked
decoder for ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` (and friends) slots in there.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable

from gateway.auth.authenticate import AuthResult
from gateway.auth.sigv4 import STREAMING_PREFIX, UNSIGNED_PAYLOAD
from gateway.errors import S3NotImplemented, XAmzContentSHA256Mismatch

BodyFilter = Callable[[AsyncIterator[bytes], AuthResult], AsyncIterator[bytes]]

# STREAMING-* marker -> body filter (decodes and verifies). Empty until the
# aws-chunked decoder lands; unknown markers are refused as not implemented.
_STREAMING: dict[str, BodyFilter] = {}


def verified_body(chunks: AsyncIterator[bytes],
                  auth: AuthResult | None) -> AsyncIterator[bytes]:
    """Wrap ``chunks`` so they are checked against ``auth.payload_hash``.

    Unsigned payloads get ``chunks`` back untouched (zero overhead). Streaming
    markers without a decoder raise ``NotImplemented`` right away, before any
    upstream request is started.
    """
    payload_hash = auth.payload_hash if auth is not None else None
    if payload_hash is None or payload_hash == UNSIGNED_PAYLOAD:
        return chunks
    if payload_hash.startswith(STREAMING_PREFIX):
        decoder = _STREAMING.get(payload_hash)
        if decoder is None:
            raise S3NotImplemented(f"Payload signing mode {payload_hash} is not supported.")
        assert auth is not None
        return decoder(chunks, auth)
    return _sha256_checked(chunks, payload_hash.lower())


async def _sha256_checked(chunks: AsyncIterator[bytes], expected: str) -> AsyncIterator[bytes]:
    """Yield each chunk once its successor has arrived; release the last one
    only after the whole body hashed to ``expected``."""
    digest = hashlib.sha256()
    pending: bytes | None = None
    async for chunk in chunks:
        if not chunk:
            continue
        digest.update(chunk)
        if pending is not None:
            yield pending
        pending = chunk
    computed = digest.hexdigest()
    if computed != expected:  # the digest is public; no need for constant time
        raise XAmzContentSHA256Mismatch(ClientComputedContentSHA256=expected,
                                        S3ComputedContentSHA256=computed)
    if pending is not None:
        yield pending
