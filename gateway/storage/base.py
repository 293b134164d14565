"""The storage interface between S3 operations and a backend (Swift, memory...).

Handlers make S3 decisions and call these; a backend owns every request to its
storage, the records' encoding and its own bookkeeping (multipart layout,
segment cleanup). Methods speak S3 state (``gateway.storage.records``) and
raise ``gateway.storage.errors`` only. Every method a backend does not
implement raises ``StoreNotImplemented`` (S3 NotImplemented), so a new
operation can be added here before every backend supports it.

``account`` is the backend account the request acts on; every method taking a
``bucket`` raises ``BucketNotFound`` when it does not exist (before any other
outcome), and ``StoreUnavailable`` when the backend cannot answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from gateway.checksums import Checksum
from gateway.storage.errors import StoreError, StoreNotImplemented
from gateway.storage.records import (
    Body, BucketInfo, CompletedPart, CopySpec, DeleteItem, ListQuery, NewObject, ObjectInfo,
    ObjectPage, ObjectRead, PartsPage, ReadOptions, UploadInfo, UploadsPage,
    WriteConditions, WriteResult)

# Per-bucket configuration documents S3 knows (``Store.*_bucket_document``).
BUCKET_DOCUMENTS = frozenset({
    "tagging", "cors", "policy", "lifecycle", "website", "notification", "acl",
    "versioning", "encryption", "ownership", "public-access-block", "logging",
    "object-lock", "replication", "accelerate", "request-payment"})


def _missing(operation: str) -> StoreNotImplemented:
    return StoreNotImplemented(f"{operation} is not implemented by this storage backend")


class Store(Protocol):
    """A storage backend; subclass it explicitly to inherit the not-implemented defaults."""

    # --- service and buckets -------------------------------------------------

    async def list_buckets(self, account: str, prefix: str = "", marker: str = "",
                           limit: int | None = None) -> list[BucketInfo]:
        """The account's buckets in name order (none for an account never used):
        those named after ``marker`` and starting with ``prefix``, at most ``limit``."""
        raise _missing("list_buckets")

    async def create_bucket(self, account: str, bucket: str) -> None:
        """Create ``bucket``; ``BucketAlreadyOwned`` if the account has it already."""
        raise _missing("create_bucket")

    async def head_bucket(self, account: str, bucket: str) -> BucketInfo:
        """The bucket's record; ``BucketNotFound``."""
        raise _missing("head_bucket")

    async def delete_bucket(self, account: str, bucket: str) -> None:
        """Delete an empty bucket, with its uploads in progress and documents;
        ``BucketNotFound``, ``BucketNotEmpty``."""
        raise _missing("delete_bucket")

    # --- the bucket-name registry: one owner per name across the gateway ---------

    async def claim_bucket_name(self, bucket: str, account: str) -> str:
        """Register ``account`` as the owner of the name ``bucket`` unless another
        account holds it, atomically (two claims racing: exactly one wins). The
        owner after the call: ``account`` if it won or held it already."""
        raise _missing("claim_bucket_name")

    async def bucket_name_owner(self, bucket: str) -> str | None:
        """The account holding the name ``bucket``, ``None`` if nobody does."""
        raise _missing("bucket_name_owner")

    async def release_bucket_name(self, bucket: str, account: str) -> None:
        """Free the name if ``account`` holds it (DeleteBucket); no error otherwise."""
        raise _missing("release_bucket_name")

    async def create_registered_bucket(self, account: str, bucket: str) -> str:
        """CreateBucket's storage work: ``claim_bucket_name``, then, if ``account``
        holds the name, ``create_bucket``. The owner of the name (another account's:
        nothing was made); ``BucketAlreadyOwned``. A bucket this call could not make
        does not keep a name it claimed."""
        raise _missing("create_registered_bucket")

    async def delete_registered_bucket(self, account: str, bucket: str) -> None:
        """DeleteBucket's storage work: ``delete_bucket``, then ``release_bucket_name``."""
        raise _missing("delete_registered_bucket")

    async def registered_bucket_names(self) -> dict[str, str]:
        """Every registered name and its owner (operators: ``s3swift buckets``)."""
        raise _missing("registered_bucket_names")

    # --- per-bucket S3 configuration documents (tagging, cors, policy...) ----

    async def get_bucket_document(self, account: str, bucket: str, name: str) -> bytes | None:
        """The stored document ``name`` (one of ``BUCKET_DOCUMENTS``), ``None`` if
        never set or deleted; ``BucketNotFound``."""
        raise _missing("get_bucket_document")

    async def put_bucket_document(self, account: str, bucket: str, name: str,
                                  document: bytes) -> None:
        """Store (replace) document ``name`` of ``bucket`` (up to 64 KiB; S3's largest,
        a policy, is 20 KB); ``BucketNotFound``."""
        raise _missing("put_bucket_document")

    async def delete_bucket_document(self, account: str, bucket: str, name: str) -> None:
        """Remove document ``name`` (no error if absent); ``BucketNotFound``."""
        raise _missing("delete_bucket_document")

    # --- listings --------------------------------------------------------------

    async def list_objects(self, account: str, bucket: str, query: ListQuery) -> ObjectPage:
        """One page of keys after ``query.marker``, grouped by ``query.delimiter``
        (any delimiter, several characters too), at most ``max_keys`` entries
        (keys plus common prefixes); ``BucketNotFound`` (also for ``max_keys`` 0)."""
        raise _missing("list_objects")

    # --- objects -----------------------------------------------------------------

    async def head_object(self, account: str, bucket: str, key: str,
                          options: ReadOptions | None = None) -> ObjectInfo:
        """The object's record (of one part with ``options.part_number``).

        ``BucketNotFound``, then ``ObjectNotFound``; conditions as for ``get_object``.
        """
        raise _missing("head_object")

    async def get_object(self, account: str, bucket: str, key: str,
                         options: ReadOptions) -> ObjectRead:
        """Open a read; the caller closes it.

        Raises ``BucketNotFound``, ``ObjectNotFound``, ``PreconditionFailed``
        (If-Match, If-Unmodified-Since), ``NotModified`` (If-None-Match,
        If-Modified-Since; carries the record), ``RangeNotSatisfiable`` (fields
        ``size``, ``requested``), ``PartNumberNotSatisfiable``.
        """
        raise _missing("get_object")

    async def put_object(self, account: str, bucket: str, key: str, new: NewObject,
                         body: Body | bytes,
                         conditions: WriteConditions | None = None, *,
                         body_withheld: bool = False) -> WriteResult:
        """Store ``body`` as ``key``, replacing any object (and a replaced multipart
        object's parts). Nothing is stored if ``body`` raises: the exception
        propagates as itself. ``new.content_length``, when given, is the body's
        exact length (``None``: unknown, streamed); a body of another length fails
        the write and stores nothing. ``conditions.if_match`` is checked against
        the current object just before the write (``ObjectNotFound`` if none).
        ``body_withheld``: the client waits for ``100 Continue`` before it sends the
        body (pulling the first chunk sends it), so a missing bucket or a failed
        ``If-None-Match`` is raised before the first chunk is pulled.
        ``BucketNotFound``, ``PreconditionFailed``, ``BodyMismatch``
        (``new.content_md5``), ``InvalidWrite``, ``EntityTooLarge``."""
        raise _missing("put_object")

    async def record_checksum(self, account: str, bucket: str, key: str, new: NewObject,
                              checksum: Checksum) -> bool:
        """Attach a checksum learned after the body (a trailer) to the object just
        written with ``new``; ``checksum`` must be bound to that write's
        ``backend_etag``. False if it could not be stored (never raises for that)."""
        raise _missing("record_checksum")

    async def put_object_acl(self, account: str, bucket: str, key: str,
                             current: ObjectInfo, acl: bytes | None) -> None:
        """Replace the ACL (``None``: the default, private to the bucket owner) of the
        object ``current`` describes, keeping everything else it has;
        ``BucketNotFound``, ``ObjectNotFound``."""
        raise _missing("put_object_acl")

    async def delete_object(self, account: str, bucket: str, key: str) -> None:
        """Delete ``key`` (and a multipart object's parts); an absent key is no
        error; ``BucketNotFound``."""
        raise _missing("delete_object")

    async def copy_object(self, account: str, bucket: str, key: str,
                          spec: CopySpec) -> WriteResult:
        """Server-side copy of ``spec.source`` (a record ``head_object`` returned,
        pinned to its ``backend_etag``) to ``key``, replacing any object there (and
        a replaced multipart object's parts).

        Metadata: the source's (COPY, ``spec.new`` None) or ``spec.new``'s
        (REPLACE; its ``content_length``, ``content_md5`` and ``checksum`` do not
        apply). The backend decides which of its own state survives: the
        source's checksum describes the same bytes; a multipart source becomes a
        plain object keeping only a FULL_OBJECT checksum, except when copied onto
        itself, where it stays the same multipart object with new metadata (not
        pinned: nothing but the metadata is written). The result's ``checksum``
        is the destination's.

        ``BucketNotFound`` (the destination's), ``ObjectNotFound`` (the source's
        names: gone since its record was read), ``PreconditionFailed`` (the
        source changed since: the caller may read it again and retry),
        ``EntityTooLarge``, ``InvalidWrite``."""
        raise _missing("copy_object")

    async def delete_objects(self, account: str, bucket: str,
                             items: Sequence[DeleteItem]) -> Mapping[DeleteItem,
                                                                    StoreError | None]:
        """Delete many keys; each item's outcome (``None``: deleted or absent,
        ``ObjectNotFound``/``PreconditionFailed`` for a failed ``if_match``)."""
        raise _missing("delete_objects")

    # --- multipart uploads ---------------------------------------------------------

    async def create_upload(self, account: str, bucket: str, key: str, new: NewObject,
                            checksum_algorithm: str | None = None,
                            checksum_type: str | None = None, initiator: str | None = None,
                            owner: str | None = None) -> str:
        """Start an upload; its id. ``initiator``/``owner``: kept for ``UploadInfo``
        and listed by ``list_uploads`` at no extra cost (``None``: the bucket's
        owner). ``BucketNotFound``, ``KeyTooLong``."""
        raise _missing("create_upload")

    async def get_upload(self, account: str, bucket: str, key: str, upload_id: str,
                         cached: bool = False) -> UploadInfo:
        """The upload's record; ``UploadNotFound`` (after ``BucketNotFound``).
        ``cached``: a record the backend read a few seconds ago will do (UploadPart;
        the part write itself then makes sure the upload was not aborted)."""
        raise _missing("get_upload")

    async def upload_part(self, account: str, bucket: str, key: str, upload_id: str,
                          number: int, body: Body | bytes, length: int | None,
                          checksum: Checksum | None = None,
                          content_md5: str | None = None) -> WriteResult:
        """Store part ``number`` (replacing one of that number) from ``body`` of
        ``length`` bytes (``None``: streamed). ``checksum``: one known before the body;
        ``content_md5``: hex MD5 the body must have (``BodyMismatch``). Nothing is
        stored if ``body`` raises. ``UploadNotFound`` (also when the upload was
        aborted while the part streamed: it is removed), ``InvalidWrite``."""
        raise _missing("upload_part")

    async def record_part_checksum(self, account: str, bucket: str, key: str,
                                   upload_id: str, number: int, checksum: Checksum) -> bool:
        """Attach a checksum learned after the body to part ``number``, just written;
        ``checksum`` must be bound to that write's ``backend_etag``. False if it
        could not be stored (never raises for that)."""
        raise _missing("record_part_checksum")

    async def copy_part(self, account: str, bucket: str, key: str, upload_id: str,
                        number: int, spec: CopySpec, checksum: Checksum | None = None,
                        checksum_algorithm: str | None = None) -> WriteResult:
        """Part ``number`` copied from ``spec.source`` (``spec.byte_range``), pinned
        as in ``copy_object``. ``checksum``: the part's, when the caller knows it;
        else with ``checksum_algorithm`` the backend computes it over the copied
        bytes (``WriteResult.checksum``). ``PreconditionFailed`` (the source
        changed), ``ObjectNotFound`` (the source's names), ``RangeNotSatisfiable``,
        ``EntityTooLarge``, ``UploadNotFound`` (aborted meanwhile: removed)."""
        raise _missing("copy_part")

    async def list_parts(self, account: str, bucket: str, key: str, upload_id: str,
                         marker: int, max_parts: int) -> PartsPage:
        """Up to ``max_parts`` parts after number ``marker``, in number order, with
        sizes, ETags and checksums. It does not check the upload itself (call
        ``get_upload`` first): an unknown upload has no parts."""
        raise _missing("list_parts")

    async def list_object_parts(self, account: str, bucket: str, obj: ObjectInfo,
                                marker: int, max_parts: int) -> PartsPage:
        """Up to ``max_parts`` parts after number ``marker`` of the completed multipart
        object ``obj`` (a record ``head_object`` returned, which checked the bucket
        and key: they are not read again), in number order, with sizes and
        checksums. A plain object has none listed, and so has one replaced or
        deleted since ``obj`` was read."""
        raise _missing("list_object_parts")

    async def list_uploads(self, account: str, bucket: str, prefix: str, delimiter: str,
                           key_marker: str, upload_id_marker: str,
                           max_uploads: int) -> UploadsPage:
        """Uploads in progress in (key, initiation) order; ``BucketNotFound``."""
        raise _missing("list_uploads")

    async def complete_upload(self, account: str, bucket: str, key: str, upload_id: str,
                              parts: Sequence[CompletedPart], checksum: Checksum | None,
                              conditions: WriteConditions | None = None, *,
                              upload: UploadInfo | None = None,
                              unused_parts: bool | None = None) -> WriteResult:
        """Assemble ``parts`` into ``key`` with the upload's metadata and ``checksum``
        (S3 ETag ``<md5 of part md5s>-N``). Only ``conditions.if_none_match_star`` is
        checked here. A caller that has checked the parts against ``list_parts``
        passes their sizes (``CompletedPart.size``), the upload's record
        (``upload``, from ``get_upload``) and whether the upload holds other
        parts (``unused_parts``; they are removed), sparing the backend from
        reading them again. ``UploadNotFound`` (unless ``key`` already is this
        upload's result: a retried Complete returns it), ``PartNotFound``,
        ``PartTooSmall`` (a backend's own minimum), ``PreconditionFailed``, ``Conflict``."""
        raise _missing("complete_upload")

    async def abort_upload(self, account: str, bucket: str, key: str, upload_id: str) -> None:
        """Forget the upload and remove its parts (also one still arriving);
        ``UploadNotFound``."""
        raise _missing("abort_upload")

    # --- lifetime ------------------------------------------------------------------

    async def close(self) -> None:
        """Release the backend's connections and caches (app shutdown)."""
