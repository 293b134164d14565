"""S3 user metadata (``x-amz-meta-*``) of a request: S3's naming and size rules.

How the store keeps it in Swift (native ``X-Object-Meta-*`` headers, or packed
into reserved entries when Swift could not carry it) is the Swift store's
business (``swift/user_metadata.py``).
"""

from __future__ import annotations

import base64

from multidict import CIMultiDictProxy

from gateway import errors

USER_META = "x-amz-meta-"
MAX_USER_METADATA = 2048  # S3: names and values, in UTF-8 bytes
# Names the gateway keeps its own state under (a client could forge a checksum).
RESERVED_PREFIX = "s3gw-"


def mail_safe(value: str) -> str:
    """A metadata value as S3 returns it: US-ASCII as it is, anything else as one
    RFC 2047 encoded-word (``=?UTF-8?B?...?=``), so that no client reads the UTF-8
    bytes as Latin-1. A value the client sent encoded is ASCII: it comes back as sent."""
    if value.isascii():
        return value
    encoded = base64.b64encode(value.encode("utf-8", "surrogateescape")).decode("ascii")
    return f"=?UTF-8?B?{encoded}?="


def metadata_of_request(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    """The request's user metadata, names lower-cased as S3 does, repeated names joined
    with ``,``; ``MetadataTooLarge`` beyond S3's 2 KB."""
    meta: dict[str, str] = {}
    for name, value in headers.items():
        if not name.lower().startswith(USER_META):
            continue
        key = name[len(USER_META):].lower()
        if key.startswith(RESERVED_PREFIX):
            # The gateway keeps its own state under these names: a client
            # must not be able to forge a stored checksum or upload id.
            raise errors.InvalidArgument(
                "User metadata names starting with s3gw- are reserved by this gateway.",
                ArgumentName=name, ArgumentValue=value)
        if not _is_utf8(value):  # Swift keeps only UTF-8 metadata
            raise errors.InvalidArgument("User metadata values must be UTF-8.",
                                         ArgumentName=name)
        meta[key] = f"{meta[key]},{value}" if key in meta else value
    size = sum(len(k.encode("utf-8")) + len(v.encode("utf-8")) for k, v in meta.items())
    if size > MAX_USER_METADATA:
        raise errors.MetadataTooLarge(Size=size, MaxSizeAllowed=MAX_USER_METADATA)
    return meta


def _is_utf8(value: str) -> bool:
    """False for bytes the HTTP parser could not decode (kept as surrogate escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
