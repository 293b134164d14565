"""aws-chunked decoding: AWS's published streaming vector, every split point,
malformed framing, trailers and their signatures."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

import pytest
from multidict import CIMultiDict

from gateway import errors
from gateway.auth import sigv4
from gateway.auth.authenticate import AuthResult
from gateway.auth.chunked import (
    EMPTY_SHA256, MAX_LINE, MODES, AwsChunkedParser, ChunkedOptions, ChunkSigner)
from gateway.body.verify import aws_chunked_payload
from gateway.credentials.base import Credential

# AWS "Signature Calculations for the Authorization Header: Transferring Payload
# in Multiple Chunks", Example: PUT Object.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AMZ_DATE = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
CHUNK_SIGNATURES = ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]
EXAMPLE_HEADERS = {
    "Host": "s3.amazonaws.com",
    "x-amz-date": AMZ_DATE,
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        f"x-amz-decoded-content-length;x-amz-storage-class,Signature={SEED}"),
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "Content-Encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "Content-Length": "66824",
}
KEY = sigv4.signing_key(SECRET, "20130524", "us-east-1", "s3")
CRED = Credential("AKIAIOSFODNN7EXAMPLE", SECRET, "AUTH_test")


def example_body(tamper: bool = False) -> bytes:
    parts = []
    for size, signature in zip((65536, 1024, 0), CHUNK_SIGNATURES):
        data = bytearray(b"a" * size)
        if tamper and size == 1024:
            data[10:11] = b"b"
        parts.append(b"%x;chunk-signature=%s\r\n%s\r\n" % (size, signature.encode(), data))
    return b"".join(parts)


def signer() -> ChunkSigner:
    return ChunkSigner(KEY, AMZ_DATE, SCOPE, SEED)


def frame(chunks: list[bytes], sign: ChunkSigner | None = None,
          trailers: list[tuple[str, str]] | None = None, sign_trailer: bool = False) -> bytes:
    """Frame ``chunks`` (the empty final chunk is added) as a client would."""
    out = bytearray()
    for chunk in [*chunks, b""]:
        if sign is None:
            out += b"%x\r\n" % len(chunk)
        else:
            signature = sign.chunk_signature(hashlib.sha256(chunk).hexdigest())
            sign.previous = signature
            out += b"%x;chunk-signature=%s\r\n" % (len(chunk), signature.encode())
        if chunk:
            out += chunk + b"\r\n"
    if trailers is None and not sign_trailer:
        return bytes(out + b"\r\n")
    canonical = "".join(f"{name}:{value}\n" for name, value in trailers or [])
    out += canonical.replace("\n", "\r\n").encode()
    if sign_trailer:
        assert sign is not None
        signature = sign.trailer_signature(canonical.encode() or b"\n")
        out += f"x-amz-trailer-signature:{signature}\r\n".encode()
    return bytes(out + b"\r\n")


def run(parser: AwsChunkedParser, pieces: list[bytes]) -> bytes:
    out: list[bytes] = []
    for piece in pieces:
        out.extend(parser.feed(piece))
    parser.finish()
    return b"".join(out)


def unsigned(trailer: str | None = None, length: int | None = None) -> AwsChunkedParser:
    return AwsChunkedParser(None, True, ChunkedOptions(decoded_length=length, trailer=trailer))


def signed(trailers: bool = False, trailer: str | None = None,
           length: int | None = None) -> AwsChunkedParser:
    return AwsChunkedParser(signer(), trailers,
                            ChunkedOptions(decoded_length=length, trailer=trailer))


# --- AWS's vector -----------------------------------------------------------------

def test_seed_signature_of_the_aws_example_verifies() -> None:
    headers = CIMultiDict(EXAMPLE_HEADERS)
    auth = sigv4.parse_authorization(headers["Authorization"], headers)
    assert sigv4.verify(auth, SECRET, "PUT", "/examplebucket/chunkObject.txt", headers) == KEY


def test_chunk_signatures_of_the_aws_example() -> None:
    sign = signer()
    for data, expected in zip((b"a" * 65536, b"a" * 1024, b""), CHUNK_SIGNATURES):
        got = sign.chunk_signature(hashlib.sha256(data).hexdigest())
        assert got == expected
        sign.previous = got


@pytest.mark.parametrize("piece", [1, 7, 4096, 65536 + 88, 1 << 20])
def test_aws_example_decodes_in_any_slices(piece: int) -> None:
    body = example_body()
    assert len(body) == int(EXAMPLE_HEADERS["Content-Length"])
    pieces = [body[i:i + piece] for i in range(0, len(body), piece)]
    assert run(signed(length=66560), pieces) == b"a" * 66560


def test_tampered_chunk_is_never_released() -> None:
    parser = signed(length=66560)
    released: list[bytes] = []
    with pytest.raises(errors.SignatureDoesNotMatch):
        for i in range(0, len(example_body(tamper=True)), 1000):
            released.extend(parser.feed(example_body(tamper=True)[i:i + 1000]))
    assert b"".join(released) == b"a" * 65536  # the first, genuine chunk only


async def test_decode_holds_back_until_the_final_signature() -> None:
    body = example_body()
    bad_final = body.replace(CHUNK_SIGNATURES[2].encode(), b"0" * 64)

    async def source() -> AsyncIterator[bytes]:
        yield bad_final

    out: list[bytes] = []
    with pytest.raises(errors.SignatureDoesNotMatch):
        async for piece in aws_chunked_payload(source(), signed(length=66560)):
            out.append(piece)
    assert len(b"".join(out)) < 66560  # the last verified piece was withheld


async def test_streaming_mode_needs_the_seed() -> None:
    auth = AuthResult(CRED, "v4", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", seed_signature=SEED,
                      signing_key=KEY, scope=SCOPE, amz_date=AMZ_DATE)

    async def source() -> AsyncIterator[bytes]:
        yield example_body()

    mode = MODES["STREAMING-AWS4-HMAC-SHA256-PAYLOAD"]
    out = [p async for p in aws_chunked_payload(
        source(), mode.parser(auth, ChunkedOptions(decoded_length=66560)))]
    assert b"".join(out) == b"a" * 66560
    with pytest.raises(errors.AccessDenied):
        mode.parser(AuthResult(CRED, "v4", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                    ChunkedOptions())


# --- framing, split anywhere ------------------------------------------------------

SMALL = [b"hello ", b"aws\r\nchunked", b"!"]
SMALL_TRAILED = frame(SMALL, trailers=[("x-amz-checksum-crc32", "AAAAAA==")])


@pytest.mark.parametrize("body,make", [
    (frame(SMALL), lambda: unsigned(length=19)),
    (SMALL_TRAILED, lambda: unsigned("x-amz-checksum-crc32", 19)),
    (frame(SMALL, signer()), lambda: signed(length=19)),
    (frame(SMALL, signer(), [("x-amz-checksum-crc32", "AAAAAA==")], sign_trailer=True),
     lambda: signed(True, "x-amz-checksum-crc32", 19)),
])
def test_every_split_point(body: bytes, make) -> None:  # noqa: ANN001 - parser factory
    expected = b"".join(SMALL)
    for i in range(len(body) + 1):
        assert run(make(), [body[:i], body[i:]]) == expected, i
    assert run(make(), [body[i:i + 1] for i in range(len(body))]) == expected
    for i in range(0, len(body), 3):  # and three-way splits
        j = min(len(body), i + 5)
        assert run(make(), [body[:i], body[i:j], body[j:]]) == expected


def test_unsigned_chunks_stream_without_waiting_for_the_chunk_end() -> None:
    parser = unsigned()
    assert parser.feed(b"10\r\n01234") == [b"01234"]


def test_chunk_extensions_and_spaces_are_tolerated() -> None:
    sign = signer()
    sig = sign.chunk_signature(hashlib.sha256(b"abc").hexdigest())
    sign.previous = sig
    final = sign.chunk_signature(EMPTY_SHA256)
    body = (b"3 ; ext=1; chunk-signature = %s \r\nabc\r\n0;chunk-signature=%s\r\n\r\n"
            % (sig.encode(), final.encode()))
    assert run(signed(), [body]) == b"abc"


@pytest.mark.parametrize("body", [
    b"zz\r\nab\r\n0\r\n\r\n",  # not hex
    b"-2\r\nab\r\n0\r\n\r\n",  # negative
    b"\r\n",  # empty size
    b"2\r\nabXY0\r\n\r\n",  # no CRLF after the data
    b"2\nab\n0\n\n",  # bare LF
    b"2\rab\r0\r\r",  # bare CR
    b"1" * 17 + b"\r\n",  # more than 16 hex digits
    b"2\r\nab\r\n",  # no final chunk
    b"2\r\na",  # cut in the data
    b"2\r\nab\r\n0\r\nx-amz-checksum-crc32:AAAAAA==",  # cut in a trailer line
])
def test_malformed_framing_is_incomplete_body(body: bytes) -> None:
    with pytest.raises(errors.IncompleteBody) as info:
        run(unsigned("x-amz-checksum-crc32"), [body])
    assert info.value.detail == "The request body terminated unexpectedly"


def test_oversized_chunk_line() -> None:
    parser = unsigned()
    with pytest.raises(errors.IncompleteBody):
        parser.feed(b"1;" + b"x" * MAX_LINE + b"\r\n")
    parser = unsigned()
    with pytest.raises(errors.IncompleteBody):  # refused before the line even ends
        for _ in range(10):
            parser.feed(b"1" + b";" * 1000)


def test_signed_chunk_without_signature() -> None:
    with pytest.raises(errors.IncompleteBody):
        run(signed(), [b"3\r\nabc\r\n0\r\n\r\n"])
    with pytest.raises(errors.SignatureDoesNotMatch):
        run(signed(), [b"3;chunk-signature=invalid\r\nabc\r\n0;chunk-signature=x\r\n\r\n"])


@pytest.mark.parametrize("chunks,declared,provided", [
    ([b"abcd"], 3, 4),  # more than declared: refused at the chunk header
    ([b"ab"], 3, 2),  # fewer
])
def test_decoded_length_mismatch(chunks: list[bytes], declared: int, provided: int) -> None:
    with pytest.raises(errors.IncompleteBody) as info:
        run(unsigned(length=declared), [frame(chunks)])
    assert info.value.fields == {"NumberBytesExpected": str(declared),
                                 "NumberBytesProvided": str(provided)}


def test_zero_chunk_mid_stream() -> None:
    with pytest.raises(errors.IncompleteBody) as info:
        run(unsigned(length=6), [b"3\r\nabc\r\n0\r\n\r\n3\r\ndef\r\n0\r\n\r\n"])
    assert info.value.fields["NumberBytesProvided"] == "3"


def test_too_much_data_is_refused_before_release() -> None:
    parser = unsigned(length=3)
    with pytest.raises(errors.IncompleteBody):
        parser.feed(b"4\r\nabcd")


# --- trailers -----------------------------------------------------------------------

def test_trailer_values_are_collected() -> None:
    options = ChunkedOptions(trailer="x-amz-checksum-crc32")
    parser = AwsChunkedParser(None, True, options)
    body = frame([b"abc"])[:-2] + b"X-Amz-Checksum-CRC32 :  AAAAAA== \r\n\r\n"
    assert run(parser, [body]) == b"abc"
    assert options.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_repeated_trailer_last_one_counts() -> None:
    options = ChunkedOptions(trailer="x-amz-checksum-crc32")
    body = frame([b"abc"], trailers=[("x-amz-checksum-crc32", "one"),
                                     ("x-amz-checksum-crc32", "two")])
    run(AwsChunkedParser(None, True, options), [body])
    assert options.trailers["x-amz-checksum-crc32"] == "two"


@pytest.mark.parametrize("body", [
    frame([b"abc"]),  # declared, never sent
    frame([b"abc"], trailers=[("x-amz-checksum-crc32c", "AAAAAA==")]),  # another one
    frame([b"abc"], trailers=[("x-amz-checksum-crc32", "AAAAAA=="), ("bonus", "x")]),
    frame([b"abc"])[:-2] + b"\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",  # blank line first
    frame([b"abc"])[:-2] + b"no colon\r\n\r\n",
])
def test_malformed_trailers(body: bytes) -> None:
    with pytest.raises(errors.MalformedTrailerError):
        run(unsigned("x-amz-checksum-crc32"), [body])


def test_trailer_in_a_mode_without_trailers() -> None:
    body = frame([b"abc"], signer(), [("x-amz-checksum-crc32", "AAAAAA==")])
    with pytest.raises(errors.MalformedTrailerError):
        run(signed(trailers=False), [body])


def test_end_of_body_tolerance() -> None:
    # S3 accepts a body without the final CRLF, and ignores bytes after the end.
    assert run(unsigned(), [frame([b"abc"])[:-2]]) == b"abc"
    assert run(unsigned(), [frame([b"abc"]) + b"\xff\xde\xad junk"]) == b"abc"


def test_signed_trailer() -> None:
    trailer = [("x-amz-checksum-crc32", "AAAAAA==")]
    good = frame([b"abc"], signer(), trailer, sign_trailer=True)
    assert run(signed(True, "x-amz-checksum-crc32"), [good]) == b"abc"
    tampered = good.replace(b"AAAAAA==", b"AAAAAQ==")
    with pytest.raises(errors.SignatureDoesNotMatch):
        run(signed(True, "x-amz-checksum-crc32"), [tampered])
    unsigned_trailer = frame([b"abc"], signer(), trailer)
    with pytest.raises(errors.IncompleteBody):  # the signature line is required
        run(signed(True, "x-amz-checksum-crc32"), [unsigned_trailer])


def test_signed_trailer_without_trailers_signs_a_newline() -> None:
    body = frame([b"abc"], signer(), [], sign_trailer=True)
    assert run(signed(True), [body]) == b"abc"


def test_trailer_signature_chains_from_the_final_chunk() -> None:
    sign = signer()
    body = frame([b"abc"], sign, [("x-amz-checksum-crc32", "AAAAAA==")], sign_trailer=True)
    # Recompute by hand, independently of ChunkSigner.
    def hm(text: str) -> str:
        return hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()

    first = hm("\n".join(["AWS4-HMAC-SHA256-PAYLOAD", AMZ_DATE, SCOPE, SEED, EMPTY_SHA256,
                          hashlib.sha256(b"abc").hexdigest()]))
    final = hm("\n".join(["AWS4-HMAC-SHA256-PAYLOAD", AMZ_DATE, SCOPE, first, EMPTY_SHA256,
                          EMPTY_SHA256]))
    trailer_sig = hm("\n".join(["AWS4-HMAC-SHA256-TRAILER", AMZ_DATE, SCOPE, final,
                                hashlib.sha256(b"x-amz-checksum-crc32:AAAAAA==\n").hexdigest()]))
    assert f"x-amz-trailer-signature:{trailer_sig}\r\n".encode() in body
