"""S3 user metadata as Swift object metadata, with no name lost.

Swift keeps metadata as ``X-Object-Meta-<name>`` headers, but not every name
S3 accepts survives that. Swift's WSGI server turns header names into CGI
variables, where ``_`` and ``-`` collide, so it drops names with ``_``; it
refuses names longer than ``max_meta_name_length``; and every entry costs
about 48 bytes of the object's extended attributes beside its name and value,
which ext4 limits to about 4 KiB per file: 200 small entries, well within
S3's 2 KB, do not fit as 200 headers (the object server answers 507).

So metadata is stored as native headers (which Swift clients see as usual)
when every name is one Swift carries and the entries are few enough; anything
else is packed, all of it, into the reserved ``X-Object-Meta-S3gw-Meta-<n>``
values: ``name=value`` entries joined by ``,`` (``%``, ``,`` and, in names,
``=`` percent-escaped), cut into pieces that each fit a Swift value and are
wrapped in ``[...]`` because HTTP strips a header value's outer whitespace.
Clients cannot write ``s3gw-`` names (``handlers.user_metadata`` refuses them), so a packed entry is
always the gateway's. Within S3's own limits (2 KB of metadata in an 8 KB
request header: at most ~360 entries) the packed form stays under
``PACKED_LIMIT`` unless values are dense with ``,`` and ``%``; such metadata
is refused (``storage.errors.MetadataTooLarge``) rather than stored in part. Near that
size and beside a key near 1024 bytes, ext4 may still answer 507 (503 here).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gateway.storage import errors as store

SWIFT_META = "x-object-meta-"
RESERVED_META = "x-object-meta-s3gw-"
PACKED_META = "X-Object-Meta-S3gw-Meta-"
MAX_USER_METADATA = 2048  # S3's limit, which the packing is sized for
# Swift's constraints (gateway/embedded/swift_configs.py, README): a value, a name.
SWIFT_VALUE_BYTES = 2048
SWIFT_NAME_LENGTH = 128
# What one native entry costs on disk beside its name and value: the
# ``X-Object-Meta-`` prefix and the pickle's framing (measured: 48 bytes).
NATIVE_ENTRY_COST = 48
NATIVE_BUDGET = MAX_USER_METADATA + 2 * NATIVE_ENTRY_COST
PACKED_LIMIT = 2560
# Names Swift stores and returns as sent (case aside): HTTP tokens without "_".
_NATIVE_NAME = re.compile(r"[a-z0-9!#$%&'*+.^`|~-]+")
_UNESCAPE = re.compile(r"%(25|2C|3D)", re.IGNORECASE)
_PIECE_NUMBER = re.compile(r"[0-9]{1,4}")


def _native_fits(meta: Mapping[str, str]) -> bool:
    if not all(len(k) <= SWIFT_NAME_LENGTH and _NATIVE_NAME.fullmatch(k) for k in meta):
        return False
    cost = sum(len(k) + len(v.encode("utf-8")) + NATIVE_ENTRY_COST for k, v in meta.items())
    return cost <= NATIVE_BUDGET


def _escape(text: str, specials: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in specials else c for c in text)


def _pieces(packed: str, limit: int) -> list[str]:
    """``packed`` cut at character boundaries into pieces of at most ``limit`` UTF-8 bytes."""
    pieces: list[str] = []
    start = size = 0
    for index, char in enumerate(packed):
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(packed[start:index])
            start, size = index, 0
        size += width
    pieces.append(packed[start:])
    return pieces


def swift_metadata(meta: Mapping[str, str]) -> dict[str, str]:
    """The Swift headers that store ``meta``: native, or packed (see the module doc)."""
    if _native_fits(meta):
        return {SWIFT_META + k: v for k, v in meta.items()}
    if not meta:
        return {}
    packed = ",".join(f"{_escape(k, '%,=')}={_escape(v, '%,')}" for k, v in meta.items())
    size = len(packed.encode("utf-8"))
    if size > PACKED_LIMIT:  # only with many escaped characters (, and %) in values
        raise store.MetadataTooLarge(
            f"Your metadata needs {size} bytes as stored in Swift, more than its "
            f"{PACKED_LIMIT}.", Size=size, MaxSizeAllowed=PACKED_LIMIT)
    pieces = _pieces(packed, SWIFT_VALUE_BYTES - 2)
    return {f"{PACKED_META}{n}": f"[{piece}]" for n, piece in enumerate(pieces)}


def is_user_metadata(swift_name: str) -> bool:
    """Whether a Swift header holds user metadata (native or packed), not gateway state."""
    lower = swift_name.lower()
    if lower.startswith(PACKED_META.lower()):
        return _PIECE_NUMBER.fullmatch(lower[len(PACKED_META):]) is not None
    return lower.startswith(SWIFT_META) and not lower.startswith(RESERVED_META)


def metadata_of_object(swift_headers: Mapping[str, str]) -> dict[str, str]:
    """The S3 user metadata of a Swift object's headers (names lower-cased)."""
    meta: dict[str, str] = {}
    pieces: dict[int, str] = {}
    for name, value in swift_headers.items():
        lower = name.lower()
        if not is_user_metadata(lower):
            continue
        if lower.startswith(PACKED_META.lower()):
            pieces[int(lower[len(PACKED_META):])] = value
        else:
            meta[lower[len(SWIFT_META):]] = value
    packed = "".join(_unwrap(pieces[n]) for n in sorted(pieces))
    for entry in packed.split(",") if packed else ():
        name, _, value = entry.partition("=")
        meta[_unescape(name)] = _unescape(value)
    return meta


def _unwrap(piece: str) -> str:
    return piece[1:-1] if piece.startswith("[") and piece.endswith("]") else piece


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
