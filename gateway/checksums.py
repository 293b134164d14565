"""S3 additional checksums: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.

A client sends one as a header (``x-amz-checksum-<alg>``) or announces it in
``x-amz-trailer`` and sends it after an aws-chunked body. The gateway verifies
it while streaming (``gateway.body.verify``), holding back the last chunk
until it matched (so Swift never commits a body whose checksum fails), stores
it as reserved Swift metadata and returns it on GET/HEAD when
``x-amz-checksum-mode: ENABLED``.

A checksum only known after the body (a trailer, or one the gateway computes)
of a large body is stored by a Swift POST after the PUT. Swift's POST cannot
be made conditional, so a late POST may land on a newer writer's bytes. Such a
checksum is therefore *bound*: stored with the Swift ETag (MD5) the PUT
returned (``Checksum.etag``), and every reader ignores a bound checksum whose
ETag is not the object's current one. The worst case is a missing checksum,
never a wrong one. A checksum written by the same PUT as its bytes is unbound.

Multipart helpers: ``composite_checksum`` (checksum of the part checksums,
"-N" suffixed) and ``combine_full_object`` (CRC of the whole object from the
part CRCs and lengths, by GF(2) polynomial arithmetic, as zlib's crc32_combine).
Error codes and messages are the ones S3 answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from awscrt import checksums as crt

from gateway import errors

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
DIGEST_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
FULL_OBJECT = "FULL_OBJECT"
COMPOSITE = "COMPOSITE"
COMBINABLE = frozenset({"CRC32", "CRC32C", "CRC64NVME"})  # FULL_OBJECT multipart algorithms

HEADER_PREFIX = "x-amz-checksum-"
# x-amz-checksum-* headers that are not checksums themselves.
NOT_CHECKSUMS = frozenset({"x-amz-checksum-mode", "x-amz-checksum-type",
                           "x-amz-checksum-algorithm"})
# Reserved Swift metadata (hidden from S3 user metadata by object_headers).
META_PREFIX = "X-Object-Meta-S3gw-Checksum-"
META_TYPE = "X-Object-Meta-S3gw-Checksum-Type"
# The Swift ETag of the bytes a POST-stored checksum describes (see the module doc).
META_ETAG = "X-Object-Meta-S3gw-Checksum-Etag"
_META_PREFIX_LOWER = META_PREFIX.lower()
MD5_HEX_LENGTH = 32

_MULTIPLE = ("Expecting a single x-amz-checksum- header. "
             "Multiple checksum Types are not allowed.")

# Reflected polynomials (zlib convention: bit width-1 is x^0).
_CRC_POLYS = {"CRC32": (0xEDB88320, 32), "CRC32C": (0x82F63B78, 32),
              "CRC64NVME": (0x9A6C9329AC4BC9B5, 64)}


class Hasher(Protocol):
    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


class _Crc:
    """An incremental CRC over a ``(data, previous) -> crc`` function."""

    def __init__(self, func: Callable[[bytes, int], int], size: int) -> None:
        self._func = func
        self._size = size
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = self._func(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


def new_hasher(algorithm: str) -> Hasher:
    """A fresh hasher for ``algorithm`` (one of ``ALGORITHMS``)."""
    if algorithm == "CRC32":
        return _Crc(zlib.crc32, 4)
    if algorithm == "CRC32C":
        return _Crc(crt.crc32c, 4)
    if algorithm == "CRC64NVME":
        return _Crc(crt.crc64nvme, 8)
    if algorithm == "SHA1":
        return hashlib.sha1(usedforsecurity=False)
    if algorithm == "SHA256":
        return hashlib.sha256()
    raise ValueError(f"unknown checksum algorithm {algorithm}")


def checksum_of(algorithm: str, data: bytes) -> str:
    """The base64 checksum of ``data``, as S3 headers carry it."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode("ascii")


def decode_value(algorithm: str, value: str, where: str = "header") -> bytes:
    """The raw digest of a base64 checksum value; ``InvalidRequest`` if malformed."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != DIGEST_SIZES[algorithm]:
        raise errors.InvalidRequest(
            f"Value for x-amz-checksum-{algorithm.lower()} {where} is invalid.")
    return raw


# --- multipart helpers --------------------------------------------------------

def composite_checksum(algorithm: str, part_checksums_b64: list[str]) -> str:
    """COMPOSITE multipart checksum: the checksum of the concatenated raw part
    checksums, then ``-<number of parts>``."""
    hasher = new_hasher(algorithm)
    for value in part_checksums_b64:
        hasher.update(decode_value(algorithm, value))
    return f"{base64.b64encode(hasher.digest()).decode('ascii')}-{len(part_checksums_b64)}"


def _multmodp(a: int, b: int, poly: int, width: int) -> int:
    """a * b modulo the reflected polynomial (zlib's multmodp, any width)."""
    m = 1 << (width - 1)
    product = 0
    while a:
        if a & m:
            product ^= b
            a ^= m
        m >>= 1
        b = (b >> 1) ^ poly if b & 1 else b >> 1
    return product


@lru_cache(maxsize=None)
def _x2n_table(poly: int, width: int) -> tuple[int, ...]:
    """x^(2^k) mod poly for k = 0..width+67 (enough for lengths below 2^64 bytes)."""
    table = [1 << (width - 2)]  # x^1
    for _ in range(width + 67):
        table.append(_multmodp(table[-1], table[-1], poly, width))
    return tuple(table)


def crc_combine(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    """CRC(A || B) from CRC(A), CRC(B) and len(B) (zlib's crc32_combine, generalised)."""
    poly, width = _CRC_POLYS[algorithm]
    table = _x2n_table(poly, width)
    factor, k, n = 1 << (width - 1), 3, length2  # x^0; x^(8*len) = prod of x^(2^(k+3))
    while n:
        if n & 1:
            factor = _multmodp(table[k], factor, poly, width)
        n >>= 1
        k += 1
    return _multmodp(factor, crc1, poly, width) ^ crc2


def combine_full_object(algorithm: str, parts: list[tuple[str, int]]) -> str:
    """FULL_OBJECT multipart checksum (CRC algorithms only) from ``(b64 crc, length)`` parts."""
    if algorithm not in _CRC_POLYS:
        raise ValueError(f"{algorithm} checksums cannot be combined")
    size = DIGEST_SIZES[algorithm]
    total = 0
    for value, length in parts:
        crc = int.from_bytes(decode_value(algorithm, value), "big")
        total = crc_combine(algorithm, total, crc, length)  # the CRC of b"" is 0
    return base64.b64encode(total.to_bytes(size, "big")).decode("ascii")


# --- what the request asks for ------------------------------------------------

@dataclass(frozen=True)
class ChecksumRequest:
    """The checksum a request wants verified: from a header (``expected``) or a trailer."""

    algorithm: str
    expected: bytes | None = None  # the raw digest when sent as a header
    trailer: str | None = None  # the trailer name (lower case) when sent after the body

    @property
    def header(self) -> str:
        return HEADER_PREFIX + self.algorithm.lower()


def _declared_trailers(value: str | None) -> list[str]:
    if value is None:
        return []
    names = [item.strip().lower() for item in value.split(",")]
    while names and not names[-1]:
        names.pop()  # S3 tolerates trailing commas
    for name in names:
        algorithm = name[len(HEADER_PREFIX):].upper()
        if not name.startswith(HEADER_PREFIX) or algorithm not in ALGORITHMS:
            raise errors.InvalidRequest(
                "The value specified in the x-amz-trailer header is not supported")
    return names


def requested_checksum(headers: Mapping[str, str],
                       trailer_allowed: bool) -> ChecksumRequest | None:
    """Validate the checksum headers of an upload, as S3 does, before any byte is read.

    ``trailer_allowed``: the body is aws-chunked with a ``*-TRAILER`` marker.
    """
    found: list[tuple[str, str]] = []
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith(HEADER_PREFIX) and lower not in NOT_CHECKSUMS:
            algorithm = lower[len(HEADER_PREFIX):].upper()
            if algorithm not in ALGORITHMS:
                raise errors.InvalidRequest(
                    "The algorithm type you specified in x-amz-checksum- header is invalid.")
            found.append((algorithm, value))
    trailers = _declared_trailers(headers.get("x-amz-trailer"))
    if len(found) > 1 or len(trailers) > 1:
        raise errors.InvalidRequest(_MULTIPLE)
    if found and trailers:
        raise errors.InvalidRequest("Expecting a single x-amz-checksum- header")
    if trailers and not trailer_allowed:
        raise errors.MalformedTrailerError()
    sdk_algorithm = headers.get("x-amz-sdk-checksum-algorithm")
    request: ChecksumRequest | None = None
    if found:
        algorithm, value = found[0]
        request = ChecksumRequest(algorithm, expected=decode_value(algorithm, value))
    elif trailers:
        request = ChecksumRequest(trailers[0][len(HEADER_PREFIX):].upper(), trailer=trailers[0])
    if sdk_algorithm is not None:
        if request is None:
            raise errors.InvalidRequest(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding "
                "x-amz-checksum-* or x-amz-trailer headers were found.")
        if sdk_algorithm.strip().upper() != request.algorithm:
            raise errors.InvalidRequest(
                "Value for x-amz-sdk-checksum-algorithm header is invalid.")
    return request


# --- the result: stored with the object, returned to the client ---------------

@dataclass(frozen=True)
class Checksum:
    """A verified checksum: algorithm, base64 value and S3 checksum type.

    ``etag``: for a checksum stored after its bytes (a POST), the Swift ETag of
    those bytes; ``None`` when the same PUT stored both (nothing else to describe).
    """

    algorithm: str
    value: str
    type: str = FULL_OBJECT
    etag: str | None = None

    def response_headers(self) -> dict[str, str]:
        return {HEADER_PREFIX + self.algorithm.lower(): self.value,
                "x-amz-checksum-type": self.type}

    def swift_metadata(self) -> dict[str, str]:
        meta = {META_PREFIX + self.algorithm.capitalize(): self.value, META_TYPE: self.type}
        if self.etag is not None:
            meta[META_ETAG] = self.etag
        return meta

    def bound_to(self, etag: str) -> Checksum:
        """This checksum, bound to the Swift ETag of the bytes it was computed over."""
        return replace(self, etag=normal_etag(etag))

    def unbound(self) -> Checksum:
        """This checksum for a PUT that writes it with its bytes (no binding needed)."""
        return replace(self, etag=None)


def normal_etag(value: str) -> str:
    """A Swift ETag without quotes (an SLO's has them), lower case."""
    return value.strip().strip('"').lower()


def valid_binding(etag: str) -> bool:
    """True for what a binding holds: a plain object's Swift ETag, an MD5 in hex."""
    return len(etag) == MD5_HEX_LENGTH and all(c in "0123456789abcdef" for c in etag)


def binding_holds(bound: str | None, current: str | None) -> bool:
    """True if a checksum bound to ``bound`` (``None``: unbound) describes an object
    whose current Swift ETag is ``current`` (``None``: unknown, so a binding fails)."""
    if bound is None:
        return True
    bound = normal_etag(bound)
    return (current is not None and valid_binding(bound)
            and hmac.compare_digest(bound, normal_etag(current)))


def stored_checksum(swift_headers: Mapping[str, str]) -> Checksum | None:
    """The checksum kept in an object's reserved metadata (case-insensitive headers).

    A bound checksum counts only if it names ``swift_headers``' ``Etag`` (the
    object's current bytes); else, as without one, the object has no checksum.
    """
    lowered: dict[str, str] = {}
    etag: str | None = None
    for name, value in swift_headers.items():  # one pass: this runs on every GET/HEAD
        lower = name.lower()
        if lower.startswith(_META_PREFIX_LOWER):
            lowered[lower] = value
        elif etag is None and lower == "etag":
            etag = value
    if not lowered:
        return None
    bound = lowered.get(META_ETAG.lower())
    if not binding_holds(bound, etag):
        return None
    checksum_type = lowered.get(META_TYPE.lower(), FULL_OBJECT)
    for algorithm in ALGORITHMS:
        value = lowered.get((META_PREFIX + algorithm).lower())
        if value:
            return Checksum(algorithm, value, checksum_type,
                            normal_etag(bound) if bound is not None else None)
    return None


def checksum_mode(request_headers: Mapping[str, str]) -> bool:
    """GET/HEAD asked for the checksum (``x-amz-checksum-mode: ENABLED``)."""
    return request_headers.get("x-amz-checksum-mode", "").strip().upper() == "ENABLED"


def checksum_response_headers(swift_headers: Mapping[str, str],
                              request_headers: Mapping[str, str],
                              status: int = 200) -> dict[str, str]:
    """GET/HEAD: the stored checksum, only if asked for (and not for a partial body)."""
    if not checksum_mode(request_headers):
        return {}
    if status == 206:
        return {}
    checksum = stored_checksum(swift_headers)
    return checksum.response_headers() if checksum is not None else {}
