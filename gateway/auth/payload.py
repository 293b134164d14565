"""Verify the body against the payload hash the SigV4 signature covers.

The verifier holds back the last chunk until the digest is known: the consumer
streams chunks to Swift with a fixed Content-Length, so raising before the
final bytes are released makes Swift see a short body and store nothing,
whereas raising after them could let Swift commit a tampered object.

Payload markers map to body filters in ``_STREAMING``: the aws-chunked
decoders of ``gateway.auth.chunked`` (which verify chunk and trailer
signatures the same hold-back way).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable

from gateway.auth.authenticate import AuthResult
from gateway.streams import checked_stream
from gateway.auth.chunked import MODES, ChunkedOptions
from gateway.auth.sigv4 import STREAMING_PREFIX, UNSIGNED_PAYLOAD
from gateway.errors import S3NotImplemented, XAmzContentSHA256Mismatch

BodyFilter = Callable[[AsyncIterator[bytes], AuthResult, ChunkedOptions], AsyncIterator[bytes]]

# STREAMING-* marker -> body filter (decodes and verifies); unknown markers
# (the SigV4a ECDSA ones) are refused as not implemented.
_STREAMING: dict[str, BodyFilter] = dict(MODES)


def streaming_marker(auth: AuthResult | None) -> str | None:
    """The request's ``STREAMING-*`` marker, if its body is aws-chunked."""
    payload_hash = auth.payload_hash if auth is not None else None
    if payload_hash is not None and payload_hash.startswith(STREAMING_PREFIX):
        return payload_hash
    return None


def trailer_allowed(auth: AuthResult | None) -> bool:
    """True when the body's framing may carry trailing headers (``*-TRAILER`` markers)."""
    marker = streaming_marker(auth)
    mode = MODES.get(marker) if marker is not None else None
    return mode is not None and mode.trailer


def verified_body(chunks: AsyncIterator[bytes], auth: AuthResult | None,
                  options: ChunkedOptions | None = None) -> AsyncIterator[bytes]:
    """Wrap ``chunks`` so they are checked against ``auth.payload_hash``.

    Unsigned payloads get ``chunks`` back untouched (zero overhead). Streaming
    markers are decoded (``options`` carries the declared decoded length and
    trailer, and receives the trailer values); markers without a decoder raise
    ``NotImplemented`` right away, before any upstream request is started.
    """
    payload_hash = auth.payload_hash if auth is not None else None
    if payload_hash is None or payload_hash == UNSIGNED_PAYLOAD:
        return chunks
    if payload_hash.startswith(STREAMING_PREFIX):
        decoder = _STREAMING.get(payload_hash)
        if decoder is None:
            raise S3NotImplemented(f"Payload signing mode {payload_hash} is not supported.")
        assert auth is not None
        return decoder(chunks, auth, options or ChunkedOptions())
    return _sha256_checked(chunks, payload_hash.lower())


def _sha256_checked(chunks: AsyncIterator[bytes], expected: str) -> AsyncIterator[bytes]:
    """``chunks``, with the last one released only once the body hashed to ``expected``."""
    digest = hashlib.sha256()

    def check() -> None:
        computed = digest.hexdigest()
        if computed != expected:  # the digest is public; no need for constant time
            raise XAmzContentSHA256Mismatch(ClientComputedContentSHA256=expected,
                                            S3ComputedContentSHA256=computed)

    return checked_stream(chunks, digest.update, check)
