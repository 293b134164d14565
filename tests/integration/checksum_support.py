"""Expected S3 checksums, computed in the tests by implementations other than the gateway's."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable

from awscrt import checksums as crt

Digest = Callable[[bytes], bytes]
DIGESTS: dict[str, Digest] = {
    "CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
    "CRC32C": lambda d: crt.crc32c(d).to_bytes(4, "big"),
    "CRC64NVME": lambda d: crt.crc64nvme(d).to_bytes(8, "big"),
    "SHA1": lambda d: hashlib.sha1(d).digest(),
    "SHA256": lambda d: hashlib.sha256(d).digest(),
}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def full(algorithm: str, data: bytes) -> str:
    """The header value of ``algorithm`` over ``data`` (a FULL_OBJECT checksum)."""
    return b64(DIGESTS[algorithm](data))


def crc32(data: bytes) -> str:
    """The ``x-amz-checksum-crc32`` value of ``data``."""
    return full("CRC32", data)


def crc64(data: bytes) -> str:
    """The ``x-amz-checksum-crc64nvme`` value of ``data``."""
    return full("CRC64NVME", data)


def composite(algorithm: str, chunks: list[bytes]) -> str:
    """S3's COMPOSITE multipart checksum: the checksum of the part checksums, ``-N``."""
    digest = DIGESTS[algorithm]
    return f"{b64(digest(b''.join(digest(c) for c in chunks)))}-{len(chunks)}"
