"""aws-chunked bodies: decoded while streaming, chunk and trailer signatures verified.

The framing (``Content-Encoding: aws-chunked``, announced by an
``x-amz-content-sha256: STREAMING-*`` marker) is::

    <hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n ... 0[;chunk-signature=<sig>]\\r\\n
    [<trailer name>:<value>\\r\\n ... [x-amz-trailer-signature:<sig>\\r\\n]]\\r\\n

``AwsChunkedParser`` is an incremental state machine fed arbitrary slices of
that stream; it returns the decoded payload. In signed modes a chunk's data is
only released once its signature verified, and the body pipeline
(``gateway.body.verify.aws_chunked_payload``) withholds the last piece until
the whole framing (final chunk, trailer, its signature) checked out, so a
consumer streaming to Swift with a fixed Content-Length never completes a
body that fails a check. Messages and codes follow what S3 answers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from gateway import errors
from gateway.auth.authenticate import AuthResult

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_LINE = 4096  # a chunk header or trailer line, CRLF excluded
MAX_TRAILER_BYTES = 16 * 1024
# A signed chunk is held in memory until its signature checks out; SDKs use
# 64-128 KiB chunks, so this bound only stops abuse.
MAX_SIGNED_CHUNK = 16 * 1024 * 1024
TRAILER_SIGNATURE = "x-amz-trailer-signature"

_HEX_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)

TERMINATED = "The request body terminated unexpectedly"


def truncated() -> errors.S3Error:
    """S3's answer to broken or cut-off framing."""
    return errors.IncompleteBody(TERMINATED)


def length_mismatch(expected: int, provided: int) -> errors.S3Error:
    return errors.IncompleteBody(NumberBytesExpected=expected, NumberBytesProvided=provided)


class ChunkSigner:
    """Chains chunk signatures from the seed signature, as SigV4 streaming defines."""

    def __init__(self, signing_key: bytes, amz_date: str, scope: str, seed_signature: str) -> None:
        self._key = signing_key
        self._amz_date = amz_date
        self._scope = scope
        self.previous = seed_signature

    def _sign(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def chunk_signature(self, data_sha256: str) -> str:
        return self._sign("\n".join(("AWS4-HMAC-SHA256-PAYLOAD", self._amz_date, self._scope,
                                     self.previous, EMPTY_SHA256, data_sha256)))

    def trailer_signature(self, canonical_trailers: bytes) -> str:
        return self._sign("\n".join(("AWS4-HMAC-SHA256-TRAILER", self._amz_date, self._scope,
                                     self.previous,
                                     hashlib.sha256(canonical_trailers).hexdigest())))

    def _check(self, expected: str, provided: str) -> None:
        if not hmac.compare_digest(expected.encode(), provided.encode("utf-8", "replace")):
            raise errors.SignatureDoesNotMatch(SignatureProvided=provided)
        self.previous = expected

    def verify_chunk(self, data_sha256: str, provided: str) -> None:
        self._check(self.chunk_signature(data_sha256), provided)

    def verify_trailer(self, canonical_trailers: bytes, provided: str) -> None:
        self._check(self.trailer_signature(canonical_trailers), provided)


@dataclass
class ChunkedOptions:
    """What the request headers announced about an aws-chunked body.

    ``trailers`` is filled in by the decoder, so later stages (the checksum
    verifier) can read the trailing values once the body is exhausted.
    """

    decoded_length: int | None = None
    trailer: str | None = None  # the declared x-amz-trailer name, lower case
    trailers: dict[str, str] = field(default_factory=dict)


class AwsChunkedParser:
    """Incremental aws-chunked decoder; ``feed`` any slices, then ``finish``."""

    def __init__(self, signer: ChunkSigner | None, trailers_allowed: bool,
                 options: ChunkedOptions | None = None) -> None:
        self._signer = signer
        self._trailers_allowed = trailers_allowed
        self._options = options or ChunkedOptions()
        self._state = _SIZE
        self._line = bytearray()  # a partial header/trailer line, or a partial CRLF
        self._remaining = 0  # data bytes left in the current chunk
        self._total = 0  # decoded bytes announced so far
        self._chunk_signature = ""
        self._chunk_hash = hashlib.sha256()
        self._chunk_data: list[bytes] = []  # a signed chunk, until verified
        self._canonical = bytearray()  # the signed trailer text
        self._trailer_bytes = 0
        self._trailer_signed = False

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def feed(self, data: bytes) -> list[bytes]:
        """Decode ``data``; returns the payload pieces it completed (maybe none)."""
        out: list[bytes] = []
        pos, end = 0, len(data)
        while pos < end and self._state != _DONE:  # bytes after the end are ignored, as S3 does
            if self._state == _DATA:
                take = min(self._remaining, end - pos)
                piece = data if pos == 0 and take == end else data[pos:pos + take]
                pos += take
                self._remaining -= take
                if self._signer is None:
                    out.append(piece)
                else:
                    self._chunk_hash.update(piece)
                    self._chunk_data.append(piece)
                if self._remaining == 0:
                    self._state = _DATA_END
            elif self._state == _DATA_END:
                take = min(2 - len(self._line), end - pos)
                self._line += data[pos:pos + take]
                pos += take
                if len(self._line) == 2:
                    if self._line != b"\r\n":
                        raise truncated()
                    self._line.clear()
                    self._end_chunk(out)
            else:
                newline = data.find(b"\n", pos)
                stop = end if newline < 0 else newline + 1
                self._line += data[pos:stop]
                pos = stop
                if len(self._line) > MAX_LINE + 2:
                    raise truncated()
                if newline >= 0:
                    if not self._line.endswith(b"\r\n"):
                        raise truncated()
                    line = bytes(self._line[:-2])
                    self._line.clear()
                    if self._state == _SIZE:
                        self._size_line(line)
                    else:
                        self._trailer_line(line)
        return out

    def finish(self) -> None:
        """The body ended: raise unless the framing was complete and verified."""
        if self._state == _TRAILER and not self._line:
            self._end_trailers()  # S3 tolerates a missing final CRLF
        if self._state != _DONE:
            raise truncated()

    # --- chunks ---------------------------------------------------------------

    def _size_line(self, line: bytes) -> None:
        size_text, _, extensions = line.partition(b";")
        size_text = size_text.strip()
        if not _HEX_SIZE.fullmatch(size_text):
            raise truncated()
        size = int(size_text, 16)
        signature = None
        for extension in extensions.split(b";") if extensions else ():
            name, _, value = extension.partition(b"=")
            if name.strip() == b"chunk-signature":
                signature = value.strip().decode("latin-1")
        if self._signer is not None:
            if not signature:
                raise truncated()
            if size > MAX_SIGNED_CHUNK:
                raise errors.InvalidRequest(
                    f"Signed chunks larger than {MAX_SIGNED_CHUNK} bytes are not supported.")
            self._chunk_signature = signature
        declared = self._options.decoded_length
        if declared is not None and (self._total + size > declared
                                     or (size == 0 and self._total != declared)):
            raise length_mismatch(declared, self._total + size)
        self._total += size
        if size == 0:
            if self._signer is not None:
                self._signer.verify_chunk(EMPTY_SHA256, signature or "")
            self._state = _TRAILER
        else:
            self._remaining = size
            self._state = _DATA

    def _end_chunk(self, out: list[bytes]) -> None:
        if self._signer is not None:
            self._signer.verify_chunk(self._chunk_hash.hexdigest(), self._chunk_signature)
            out.extend(self._chunk_data)
            self._chunk_data = []
            self._chunk_hash = hashlib.sha256()
        self._state = _SIZE

    # --- trailers ---------------------------------------------------------------

    def _trailer_line(self, line: bytes) -> None:
        if not line:
            self._end_trailers()
            return
        self._trailer_bytes += len(line)
        if not self._trailers_allowed or self._trailer_bytes > MAX_TRAILER_BYTES:
            raise errors.MalformedTrailerError()
        raw_name, colon, raw_value = line.partition(b":")
        if not colon:
            raise errors.MalformedTrailerError()
        name = raw_name.strip().lower().decode("latin-1")
        value = raw_value.strip().decode("latin-1")
        if name == TRAILER_SIGNATURE:
            if self._signer is None or self._trailer_signed:
                raise errors.MalformedTrailerError()
            self._signer.verify_trailer(bytes(self._canonical) or b"\n", value)
            self._trailer_signed = True
            return
        if self._trailer_signed or name != self._options.trailer:
            raise errors.MalformedTrailerError()
        self._options.trailers[name] = value  # a repeated trailer: the last one counts
        self._canonical += f"{name}:{value}\n".encode("latin-1")

    def _end_trailers(self) -> None:
        declared = self._options.trailer
        if declared is not None and declared not in self._options.trailers:
            raise errors.MalformedTrailerError()
        if self._signer is not None and self._trailers_allowed and not self._trailer_signed:
            raise truncated()
        self._state = _DONE


@dataclass(frozen=True)
class StreamingMode:
    """One ``STREAMING-*`` payload marker: are chunks signed, may trailers follow."""

    signed: bool
    trailer: bool

    def parser(self, auth: AuthResult, options: ChunkedOptions) -> AwsChunkedParser:
        """A parser for a body in this mode, its signatures chained from ``auth``'s."""
        signer = None
        if self.signed:
            if (auth.signing_key is None or auth.amz_date is None or auth.scope is None
                    or auth.seed_signature is None):
                raise errors.AccessDenied("Chunk signatures need a SigV4 signature to chain from")
            signer = ChunkSigner(auth.signing_key, auth.amz_date, auth.scope,
                                 auth.seed_signature)
        return AwsChunkedParser(signer, self.trailer, options)


MODES: dict[str, StreamingMode] = {
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": StreamingMode(signed=True, trailer=False),
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": StreamingMode(signed=True, trailer=True),
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER": StreamingMode(signed=False, trailer=True),
}
