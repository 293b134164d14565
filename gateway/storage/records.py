"""Typed records the storage interface speaks: S3 state, never backend headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from gateway.checksums import Checksum

Body = AsyncIterator[bytes]


@dataclass(frozen=True)
class BucketInfo:
    """A bucket: its name, owning account and creation date.

    ``documents`` names the per-bucket S3 configuration documents the bucket
    holds (``"tagging"``, ``"cors"``, ``"policy"``...), when the backend
    listed them; read each with ``Store.get_bucket_document``.
    """

    name: str
    owner: str
    created: datetime | None = None
    documents: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ObjectLock:
    """Room for S3 Object Lock state (retention mode and date, legal hold)."""

    mode: str | None = None
    retain_until: datetime | None = None
    legal_hold: bool = False


@dataclass(frozen=True)
class ObjectInfo:
    """One object's S3 state.

    ``etag``: the S3 ETag, unquoted (``<md5>`` or ``<md5>-<parts>``).
    ``content_type``: as the client stored it (no backend parameters).
    ``content_headers``: Cache-Control, Content-Disposition, Content-Encoding,
    Content-Language, Expires, as stored. ``user_metadata``: ``x-amz-meta-*``
    names (lower case, without the prefix) to values. ``checksum``: the S3
    additional checksum that describes the current bytes, if any.
    ``parts_count``: for a multipart object, its number of parts.
    ``tags``, ``acl``, ``version_id``, ``lock``: room for the next capabilities
    (``None``: the backend keeps none). ``backend_etag``: an opaque token of the
    stored bytes, for pinning a later read or copy to exactly this version.
    """

    key: str
    etag: str
    size: int
    last_modified: datetime | None
    content_type: str = "binary/octet-stream"
    content_headers: Mapping[str, str] = field(default_factory=dict)
    user_metadata: Mapping[str, str] = field(default_factory=dict)
    checksum: Checksum | None = None
    parts_count: int | None = None
    upload_id: str | None = None
    tags: Mapping[str, str] | None = None
    acl: bytes | None = None
    version_id: str | None = None
    lock: ObjectLock | None = None
    backend_etag: str = ""

    @property
    def is_multipart(self) -> bool:
        return self.parts_count is not None


@dataclass(slots=True)
class ListedObject:
    """An object as a listing shows it.

    Not frozen, unlike the other records: a frozen dataclass's ``__init__`` sets
    each field through ``object.__setattr__``, about 3x the cost, and a listing
    page builds a thousand of these (measured: ~2 ms of a 1,000-key page). Treat
    it as read-only all the same.
    """

    key: str
    etag: str
    size: int
    # ISO 8601 as the backend lists it (``timefmt.iso_from_swift_listing``): kept a
    # string because parsing and formatting a datetime per entry would add ~6 ms to
    # every 1,000-key page (measured), for no S3 decision that needs the date.
    last_modified: str


@dataclass(frozen=True)
class ListQuery:
    """One page of a bucket listing: keys after ``marker`` (a key or common prefix)."""

    prefix: str = ""
    delimiter: str = ""
    marker: str = ""
    max_keys: int = 1000


@dataclass
class ObjectPage:
    """A listing page; ``last_name``: the last key or common prefix returned."""

    objects: list[ListedObject]
    prefixes: list[str]
    truncated: bool
    last_name: str = ""


@dataclass(frozen=True)
class ReadOptions:
    """How to read an object.

    ``byte_range``: an HTTP ``Range`` value (one range). ``part_number``: read
    one part of a multipart object (a plain object has one). Conditions are
    compared with the S3 ETag (weak ``W/`` tags match too) and Last-Modified,
    with S3's precedence (If-Match over If-Unmodified-Since, If-None-Match over
    If-Modified-Since).
    """

    byte_range: str | None = None
    part_number: int | None = None
    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_unmodified_since: str | None = None
    checksum_mode: bool = False  # fill ``ObjectRead.checksum`` (x-amz-checksum-mode)
    with_body: bool = True  # False: a HEAD


@dataclass(frozen=True)
class SocketBody:
    """The rest of a body, to be moved by the kernel: a read's from the backend
    (GET's zero-copy relay) or an upload's from the client (``SpliceableBody``).

    ``head`` is what was already read off the connection; ``remaining`` more
    bytes arrive on the socket ``fd``, which nothing else reads meanwhile.
    Call ``done`` once all of them were moved: the connection may go on (a
    read's backend connection back to its pool, an upload's client connection
    to its next request); without that call it is closed, not reused.
    """

    head: bytes
    fd: int
    remaining: int
    read_timeout: float | None
    done: Callable[[], None] | None = None


class SocketSource(Protocol):
    """Where a ``SpliceableBody`` comes from: the client's connection."""

    async def take(self) -> SocketBody | None:
        """The rest of the body as a socket (``100 Continue`` sent first where the
        client waits for it), or None if it cannot be handed over: then read
        ``chunks``. Once taken, its ``done`` or ``failed`` must follow."""

    def failed(self, exc: BaseException) -> BaseException:
        """The move stopped with ``exc``: the connection is closed after the
        answer. Returns what to raise (the client's fault as S3 says it)."""


class SpliceableBody:
    """An upload body that needs no check in transit (no signed payload hash,
    no checksum, a known length): a backend may move it socket to socket
    (``gateway.zerocopy``) through ``source`` instead of iterating it, never both."""

    def __init__(self, chunks: Body, length: int, source: SocketSource) -> None:
        self.chunks = chunks
        self.length = length
        self.source = source

    def __aiter__(self) -> SpliceableBody:
        return self

    async def __anext__(self) -> bytes:
        return await anext(self.chunks)


@dataclass
class ObjectRead:
    """An open object read: its record, what part of it ``body`` streams, the body.

    ``status`` 200 (whole) or 206 (a range or part: ``content_range``).
    ``checksum``: with ``ReadOptions.checksum_mode``, the checksum of what is
    returned (the object's, or the part's), never one of a partial range.
    Call ``release`` when done (``async with`` does it). ``take_socket``, where
    the backend offers it, hands the rest of the body over as a ``SocketBody``
    (``body`` is then not to be read); it answers None when it cannot.
    """

    info: ObjectInfo
    status: int
    length: int | None
    content_range: str | None
    body: Body
    release: Callable[[], None] | None = None
    checksum: Checksum | None = None
    take_socket: Callable[[], SocketBody | None] | None = None

    async def __aenter__(self) -> ObjectRead:  # noqa: PYI034
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.release is not None:
            self.release()


@dataclass(frozen=True)
class NewObject:
    """What a write stores besides the bytes (PutObject, CopyObject REPLACE,
    CreateMultipartUpload). ``content_md5``: the hex MD5 the backend checks the
    body against (``BodyMismatch``); ``checksum``: one known before the body."""

    content_type: str = "binary/octet-stream"
    content_headers: Mapping[str, str] = field(default_factory=dict)
    user_metadata: Mapping[str, str] = field(default_factory=dict)
    content_length: int | None = None
    content_md5: str | None = None
    checksum: Checksum | None = None
    tags: Mapping[str, str] | None = None
    acl: bytes | None = None


@dataclass(frozen=True)
class WriteConditions:
    """``if_none_match_star``: fail if the key exists; ``if_match``: S3 ETag(s) it must have."""

    if_none_match_star: bool = False
    if_match: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """A stored object or part: its S3 ETag, Last-Modified and stored checksum."""

    etag: str
    last_modified: datetime | None = None
    checksum: Checksum | None = None
    backend_etag: str = ""


@dataclass(frozen=True)
class CopySpec:
    """A server-side copy from ``source`` (as ``Store.head_object`` returned it,
    which pins the copy to those bytes). ``new``: REPLACE metadata; ``None``: COPY
    the source's. ``byte_range``: (first, last) for UploadPartCopy. ``acl``: the
    destination's ACL (``None``: the default). ``source_account``: the source
    bucket's owner's account when it is not the destination's."""

    source_bucket: str
    source: ObjectInfo
    new: NewObject | None = None
    byte_range: tuple[int, int] | None = None
    acl: bytes | None = None  # the copy's own ACL (a copy never takes the source's)
    source_account: str | None = None  # None: the destination's account


@dataclass(frozen=True)
class UploadInfo:
    """A multipart upload in progress and what Create was given for the final object.

    ``initiator``: the account that called CreateMultipartUpload; ``owner``: the
    account that will own the object. ``None`` for either: the bucket's owner
    (also an anonymous initiator's stand-in, and uploads that recorded neither).
    """

    key: str
    upload_id: str
    initiated: datetime | None
    new: NewObject = field(default_factory=NewObject)
    checksum_algorithm: str | None = None
    checksum_type: str | None = None
    initiator: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class PartInfo:
    """An uploaded part: its S3 ETag (unquoted), size, and the checksum stored with
    it (verified or computed while it streamed), if any."""

    number: int
    etag: str
    size: int
    last_modified: datetime | None
    checksum: Checksum | None = None


@dataclass
class PartsPage:
    parts: list[PartInfo]
    truncated: bool
    next_marker: int = 0


@dataclass
class UploadsPage:
    uploads: list[UploadInfo]
    prefixes: list[str]
    truncated: bool
    next_key_marker: str = ""
    next_upload_id_marker: str = ""


@dataclass(frozen=True)
class CompletedPart:
    """A part as Complete names it (ETag unquoted), with its checksum if sent, and
    its size once checked against ``Store.list_parts``."""

    number: int
    etag: str
    checksum: Checksum | None = None
    size: int | None = None


@dataclass(frozen=True)
class DeleteItem:
    """One key of a bulk delete; ``if_match``: S3 ETag the object must have."""

    key: str
    if_match: str | None = None
