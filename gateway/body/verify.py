"""Checks on a streamed body, each releasing the last chunk only once it passed.

Swift is sent a fixed Content-Length (or a chunked body whose end only comes
with the last chunk), so a check that raises before the final bytes are
released leaves the upstream request short and nothing stored; raising after
them could let Swift commit a body that failed. ``hold_back_last`` is that
rule, written once, and every check goes through it:

* a signed payload hash (``x-amz-content-sha256``): ``verified_body``;
* an aws-chunked body (``STREAMING-*`` markers): decoded by the parser of
  ``gateway.auth.chunked``, which verifies chunk and trailer signatures;
* an ``x-amz-checksum-*`` header or trailer: ``verified_checksum``; a checksum
  the gateway computes itself: ``computed_checksum``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable, Mapping

from gateway import checksums, errors
from gateway.auth.authenticate import AuthResult
from gateway.auth.chunked import MODES, AwsChunkedParser, ChunkedOptions
from gateway.auth.sigv4 import STREAMING_PREFIX, UNSIGNED_PAYLOAD
from gateway.checksums import Checksum, ChecksumRequest


async def hold_back_last(pieces: AsyncIterator[bytes], check: Callable[[], None],
                         update: Callable[[bytes], object] | None = None
                         ) -> AsyncIterator[bytes]:
    """Feed every piece to ``update``; release the last one only after ``check()`` passed.

    Each piece is yielded once its successor has arrived; empty pieces are dropped.
    """
    pending: bytes | None = None
    async for piece in pieces:
        if not piece:
            continue
        if update is not None:
            update(piece)
        if pending is not None:
            yield pending
        pending = piece
    check()
    if pending is not None:
        yield pending


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
    trailer, and receives the trailer values); markers without a decoder (the
    SigV4a ECDSA ones) raise ``NotImplemented`` right away, before any upstream
    request is started.
    """
    payload_hash = auth.payload_hash if auth is not None else None
    if payload_hash is None or payload_hash == UNSIGNED_PAYLOAD:
        return chunks
    if payload_hash.startswith(STREAMING_PREFIX):
        mode = MODES.get(payload_hash)
        if mode is None:
            raise errors.S3NotImplemented(
                f"Payload signing mode {payload_hash} is not supported.")
        assert auth is not None
        return aws_chunked_payload(chunks, mode.parser(auth, options or ChunkedOptions()))
    return _sha256_checked(chunks, payload_hash.lower())


def aws_chunked_payload(chunks: AsyncIterator[bytes],
                        parser: AwsChunkedParser) -> AsyncIterator[bytes]:
    """The decoded payload of ``chunks``; the last piece only once the framing verified."""
    return hold_back_last(_parsed(chunks, parser), parser.finish)


async def _parsed(chunks: AsyncIterator[bytes], parser: AwsChunkedParser) -> AsyncIterator[bytes]:
    async for data in chunks:
        for piece in parser.feed(data):
            yield piece


def _sha256_checked(chunks: AsyncIterator[bytes], expected: str) -> AsyncIterator[bytes]:
    """``chunks``, with the last one released only once the body hashed to ``expected``."""
    digest = hashlib.sha256()

    def check() -> None:
        computed = digest.hexdigest()
        if computed != expected:  # the digest is public; no need for constant time
            raise errors.XAmzContentSHA256Mismatch(ClientComputedContentSHA256=expected,
                                                   S3ComputedContentSHA256=computed)

    return hold_back_last(chunks, check, digest.update)


def verified_checksum(chunks: AsyncIterator[bytes], request: ChecksumRequest,
                      trailers: Mapping[str, str],
                      on_result: Callable[[Checksum], None]) -> AsyncIterator[bytes]:
    """Hash ``chunks``; release the last one only once the checksum matched.

    A trailer value is read from ``trailers`` after ``chunks`` is exhausted
    (the aws-chunked decoder has filled it in by then).
    """
    hasher = checksums.new_hasher(request.algorithm)

    def check() -> None:
        expected = request.expected
        if expected is None:
            assert request.trailer is not None
            value = trailers.get(request.trailer)
            if value is None:
                raise errors.MalformedTrailerError()
            expected = checksums.decode_value(request.algorithm, value, "trailing header")
        computed = hasher.digest()
        if not hmac.compare_digest(computed, expected):
            raise errors.BadDigest(f"The {request.algorithm} you specified did not match the "
                                   "calculated checksum.")
        on_result(Checksum(request.algorithm, _b64(computed)))

    return hold_back_last(chunks, check, hasher.update)


async def computed_checksum(chunks: AsyncIterator[bytes], algorithm: str,
                            on_result: Callable[[Checksum], None]) -> AsyncIterator[bytes]:
    """``chunks`` unchanged; ``on_result`` gets their ``algorithm`` checksum at the end."""
    hasher = checksums.new_hasher(algorithm)
    async for chunk in chunks:
        hasher.update(chunk)
        yield chunk
    on_result(Checksum(algorithm, _b64(hasher.digest())))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
