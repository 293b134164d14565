"""What a storage backend raises: one class per storage outcome, no S3 codes.

Handlers let these propagate; ``gateway.storage.s3_errors`` is the one place
that turns them into S3 errors. A backend never raises ``gateway.errors``.
Each error carries the names it is about (``bucket``, ``key``...) so the S3
error document can show them.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every storage outcome that is not a success.

    ``detail`` is for logs; only a class with ``detail_is_public`` lets it be
    the S3 error's message (written for the client, naming no backend internals).
    """

    detail_is_public = False

    def __init__(self, detail: str = "", /, *, bucket: str | None = None,
                 key: str | None = None, **fields: object) -> None:
        super().__init__(detail or type(self).__name__)
        self.detail = detail
        self.bucket = bucket
        self.key = key
        self.fields = {k: v for k, v in fields.items() if v is not None}


class BucketNotFound(StoreError):
    """The bucket does not exist."""


class BucketAlreadyOwned(StoreError):
    """CreateBucket of a bucket the account already has."""


class BucketNotEmpty(StoreError):
    """DeleteBucket of a bucket that still holds objects."""


class ObjectNotFound(StoreError):
    """The bucket exists, the key does not (backends tell the two apart)."""


class UploadNotFound(StoreError):
    """No multipart upload with that id (never created, completed or aborted)."""


class PartNotFound(StoreError):
    """Complete named a part that was not uploaded (or whose ETag differs)."""


class PartTooSmall(StoreError):
    """Complete named a part (not the last) smaller than the backend's minimum."""


class Conflict(StoreError):
    """A concurrent operation on the same name made the backend refuse this one."""


class PreconditionFailed(StoreError):
    """A write or read condition (If-Match, If-None-Match: *, pinned ETag) failed."""


class NotModified(StoreError):
    """A read's If-None-Match / If-Modified-Since says the client's copy is current.

    ``info`` is the object's record, for the 304's ETag and Last-Modified.
    """

    def __init__(self, info: object, /) -> None:
        super().__init__("not modified")
        self.info = info


class RangeNotSatisfiable(StoreError):
    """The requested byte range (fields: ``size``, ``requested``) does not overlap."""


class PartNumberNotSatisfiable(StoreError):
    """A ``partNumber`` read beyond the object's part count."""


class EntityTooLarge(StoreError):
    """The object (or copy source) is larger than the backend stores."""


class BodyMismatch(StoreError):
    """The stored bytes do not match the digest the writer announced (Content-MD5)."""


class MetadataTooLarge(StoreError):
    """The object's metadata does not fit what the backend can store with it."""

    detail_is_public = True


class InvalidWrite(StoreError):
    """The backend refused the write's shape (a header, a name) as invalid."""


class KeyTooLong(StoreError):
    """The key (or a name derived from it) exceeds the backend's limit."""


class ClientTimeout(StoreError):
    """The backend gave up waiting for the request body."""


class LengthRequired(StoreError):
    """The backend needs the body's length."""


class Throttled(StoreError):
    """The backend asks to slow down (retryable)."""


class ReadInterrupted(StoreError):
    """An object's body stopped half way while it was being read (headers were sent)."""


class StoreUnavailable(StoreError):
    """The backend cannot be reached or failed (retryable by the client)."""


class StoreInternal(StoreError):
    """The backend answered in a way that makes no sense (a gateway bug or corruption)."""


class StoreNotImplemented(StoreError):
    """The backend does not implement this operation (the interface's default)."""
