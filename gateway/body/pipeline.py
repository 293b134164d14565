"""The body pipeline strung together: object data (PutObject, UploadPart) and
small XML documents.

``streamed_upload(req, max_size)`` validates the request's length and checksum
headers up front (raising before any upstream request starts) and returns an
``UploadBody`` whose ``chunks`` are the payload to hand to Swift:

* aws-chunked bodies (``STREAMING-*`` markers) decoded, chunk and trailer
  signatures verified, ``x-amz-decoded-content-length`` enforced;
* plain bodies checked against a signed ``x-amz-content-sha256``;
* ``Transfer-Encoding: chunked`` bodies without a length accepted, the size
  limit enforced while streaming (Swift then gets a chunked PUT);
* a body with nothing to check (a known length, no signed hash, no checksum)
  offered to the store as the client's socket (``splice_source``);
* an ``x-amz-checksum-*`` header or trailer verified (or, on request, a
  checksum computed: ``UploadBody.compute_checksum``; S3's default CRC64NVME
  for PutObject: ``UploadBody.add_default_checksum``).

Every check holds back the last chunk until it passed (``verify``), so a
failure always leaves Swift with a short (or unterminated chunked) body, and
nothing stored.

A computed checksum is only known after the body. For a small body (up to
``SMALL_BODY`` bytes, length known) the body is read first, so the checksum
goes in the PUT's own headers: one Swift request, as without a checksum. A
larger body streams, and the handler records the value with a Swift POST
afterwards (the body's transfer dwarfs that extra request), bound to the ETag
Swift returned for the PUT (``UploadBody.bind_to``), because that POST may land
after another writer's PUT of the same name.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

from gateway import checksums, errors
from gateway.auth.chunked import ChunkedOptions
from gateway.body.framing import decoded_length, is_chunked, size_limited
from gateway.body.receive import raw_chunks, send_continue
from gateway.body.splice_source import spliceable_body
from gateway.body.verify import (
    computed_checksum, streaming_marker, trailer_allowed, verified_body, verified_checksum)
from gateway.checksums import Checksum, ChecksumRequest
from gateway.s3request import S3Request
from gateway.storage.records import NewObject

# Bodies up to this size are read before the PUT when a checksum must be computed,
# so Swift gets it with the object (no POST); the memory held is at most this.
SMALL_BODY = 1024 * 1024


@dataclass
class UploadBody:
    """A request body ready to stream to Swift.

    ``chunks``: the decoded, verified payload (iterate it once, e.g. as the
    Swift request's ``data``). ``content_length``: the payload length for
    Swift's Content-Length, or ``None`` for a chunked PUT. ``checksum``: the
    verified checksum once ``chunks`` is exhausted (``None`` if none was sent).
    """

    chunks: AsyncIterator[bytes]
    content_length: int | None
    decoded: bool  # aws-chunked framing was removed
    checksum_request: ChecksumRequest | None
    checksum: Checksum | None = field(default=None)
    computed: bool = field(default=False)  # no checksum was sent: the gateway computes one
    read_ahead: bool = field(default=False)  # small body read before the PUT (checksum known)

    @property
    def checksum_in_trailer(self) -> bool:
        """True when the checksum is only known after the body (so not in the PUT headers)."""
        request = self.checksum_request
        if self.computed:
            return not self.read_ahead
        return request is not None and request.expected is None

    def compute_checksum(self, algorithm: str) -> None:
        """Compute ``algorithm`` over the payload (S3 does so for a FULL_OBJECT upload's
        parts sent without a checksum); ``checksum`` is set once ``chunks`` is exhausted."""
        assert self.checksum_request is None and not self.computed
        self.computed = True
        self.chunks = computed_checksum(self.chunks, algorithm, self._set_checksum)

    async def add_default_checksum(self, algorithm: str,
                                   swift_headers: dict[str, str] | None = None) -> None:
        """PutObject sent without a checksum: S3 computes and stores its default
        (``algorithm``, "" for none). Call before the PUT; a small body's value joins
        ``swift_headers`` right away (``read_small_body``), or ``known_checksum``."""
        if not algorithm or self.checksum_request is not None or self.computed:
            return
        self.compute_checksum(algorithm)
        await self.read_small_body(swift_headers)

    def reads_ahead(self, algorithm: str) -> bool:
        """True when ``add_default_checksum(algorithm)`` reads the body before the PUT."""
        length = self.content_length
        return (bool(algorithm) and self.checksum_request is None and not self.computed
                and length is not None and length <= SMALL_BODY)

    async def read_small_body(self, swift_headers: dict[str, str] | None = None) -> None:
        """Read a small body whose checksum is computed before the PUT, so the value
        goes in ``swift_headers`` and needs no POST afterwards.

        Every check runs while reading, so a bad body fails before Swift sees a
        byte; the chunks are then replayed as they came (no copy).
        """
        length = self.content_length
        if not self.computed or self.read_ahead or length is None or length > SMALL_BODY:
            return
        chunks = [chunk async for chunk in self.chunks]
        assert self.checksum is not None  # set when the hashed stream ended
        self.chunks = _replayed(chunks)
        self.read_ahead = True
        if swift_headers is not None:
            swift_headers.update(self.checksum.swift_metadata())

    def upfront_checksum(self) -> Checksum | None:
        """The checksum a header announced: verified by the time Swift commits the body."""
        request = self.checksum_request
        if request is None or request.expected is None:
            return None
        return Checksum(request.algorithm, base64.b64encode(request.expected).decode("ascii"))

    def known_checksum(self) -> Checksum | None:
        """The checksum that can go in the PUT headers: a header's, or one computed
        over a body already read (``read_small_body``)."""
        return self.checksum if self.read_ahead else self.upfront_checksum()

    def apply_headers(self, swift_headers: dict[str, str]) -> None:
        """Set Content-Length (or leave it out for a chunked PUT), add a known
        checksum's reserved metadata."""
        swift_headers.pop("Content-Length", None)
        if self.content_length is not None:
            swift_headers["Content-Length"] = str(self.content_length)
        known = self.known_checksum()
        if known is not None:
            swift_headers.update(known.swift_metadata())

    def object_to_store(self, new: NewObject) -> NewObject:
        """``new`` as this body stores it: its length (``None``: a chunked PUT) and a
        checksum known before the body (Content-Encoding comes without ``aws-chunked``
        already: ``object_headers.stored_headers``)."""
        return replace(new, content_length=self.content_length,
                       checksum=self.known_checksum())

    def bind_to(self, etag: str | None) -> None:
        """The PUT stored the body as Swift ETag ``etag`` (its response's): a checksum
        learned after the body gets bound to it, so that readers can tell whether
        the POST that stores it landed on these bytes (``gateway.checksums``)."""
        if self.checksum_in_trailer and self.checksum is not None and etag:
            self.checksum = self.checksum.bound_to(etag)

    def response_headers(self) -> dict[str, str]:
        """The checksum headers S3 returns from the upload."""
        checksum = self.checksum or self.upfront_checksum()
        return checksum.response_headers() if checksum is not None else {}

    def _set_checksum(self, checksum: Checksum) -> None:
        self.checksum = checksum


async def _replayed(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _after_continue(req: S3Request, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """``100 Continue`` goes out when the consumer first asks for the body."""
    await send_continue(req.http)
    async for chunk in chunks:
        yield chunk


async def streamed_upload(req: S3Request, max_size: int) -> UploadBody:
    """The upload body of ``req``; raises S3's error for bad headers right away."""
    http = req.http
    headers = http.headers
    marker = streaming_marker(req.auth)
    request = checksums.requested_checksum(headers, trailer_allowed(req.auth))
    options: ChunkedOptions | None = None
    if marker is not None:
        length: int | None = decoded_length(headers)
        options = ChunkedOptions(decoded_length=length,
                                 trailer=request.trailer if request is not None else None)
    else:
        length = http.content_length
        if length is None and not is_chunked(headers):
            raise errors.MissingContentLength()
    if length is not None and length > max_size:
        raise errors.EntityTooLarge(ProposedSize=length, MaxSizeAllowed=max_size)
    raw = raw_chunks(http, http.content_length)
    chunks = verified_body(raw, req.auth, options)
    unchecked = chunks is raw and request is None  # nothing to verify in transit
    if length is None:
        chunks = size_limited(chunks, max_size)
    upload = UploadBody(chunks, length, decoded=marker is not None, checksum_request=request)
    if request is not None:
        trailers = options.trailers if options is not None else {}
        chunks = verified_checksum(chunks, request, trailers, upload._set_checksum)
    upload.chunks = _after_continue(req, chunks)
    if unchecked and length is not None:
        upload.chunks = spliceable_body(http, upload.chunks, length)
    return upload


async def upload_body(req: S3Request) -> AsyncIterator[bytes]:
    """A (small) body, streamed and checked against the signed payload hash.

    Object data goes through ``streamed_upload`` instead, which also handles
    aws-chunked lengths, checksums and size limits.
    """
    await send_continue(req.http)
    async for chunk in verified_body(raw_chunks(req.http, req.http.content_length), req.auth):
        yield chunk


async def read_small_body(req: S3Request, limit: int = 1024 * 1024) -> bytes:
    """Read a whole (XML) body of at most ``limit`` bytes, checking its hash."""
    length = req.http.content_length
    if length is not None and length > limit:
        raise errors.MaxMessageLengthExceeded()
    parts: list[bytes] = []
    size = 0
    async for chunk in upload_body(req):
        size += len(chunk)
        if size > limit:
            raise errors.MaxMessageLengthExceeded()
        parts.append(chunk)
    return b"".join(parts)
