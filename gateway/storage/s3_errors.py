"""The one place that turns storage outcomes into S3 errors: a declarative table.

The error middleware calls ``s3_error_for`` on any ``StoreError`` a handler let
through; a handler that needs another S3 code for an outcome (e.g. NoSuchKey
naming a copy *source*) catches the store error itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway import errors
from gateway.storage import errors as store

S3_ERROR_FOR: Mapping[type[store.StoreError], type[errors.S3Error]] = {
    store.BucketNotFound: errors.NoSuchBucket,
    store.BucketAlreadyOwned: errors.BucketAlreadyOwnedByYou,
    store.BucketNotEmpty: errors.BucketNotEmpty,
    store.ObjectNotFound: errors.NoSuchKey,
    store.UploadNotFound: errors.NoSuchUpload,
    store.PartNotFound: errors.InvalidPart,
    store.PartTooSmall: errors.EntityTooSmall,
    store.Conflict: errors.OperationAborted,
    store.PreconditionFailed: errors.PreconditionFailed,
    store.RangeNotSatisfiable: errors.InvalidRange,
    store.PartNumberNotSatisfiable: errors.InvalidPartNumber,
    store.EntityTooLarge: errors.EntityTooLarge,
    store.BodyMismatch: errors.BadDigest,
    store.MetadataTooLarge: errors.MetadataTooLarge,
    store.InvalidWrite: errors.InvalidArgument,
    store.KeyTooLong: errors.KeyTooLongError,
    store.ClientTimeout: errors.RequestTimeout,
    store.LengthRequired: errors.MissingContentLength,
    store.Throttled: errors.SlowDown,
    store.StoreUnavailable: errors.ServiceUnavailable,
    store.ReadInterrupted: errors.ServiceUnavailable,
    store.StoreInternal: errors.InternalError,
    store.StoreNotImplemented: errors.S3NotImplemented,
}

# Which S3 error fields a store error's names fill.
_NAMED_FIELDS = {errors.NoSuchBucket: "BucketName", errors.BucketAlreadyOwnedByYou: "BucketName",
                 errors.BucketNotEmpty: "BucketName", errors.NoSuchKey: "Key",
                 errors.NoSuchUpload: "UploadId"}
_FIELD_NAMES = {"size": "ActualObjectSize", "requested": "RangeRequested",
                "upload_id": "UploadId", "max_size": "MaxSizeAllowed",
                "part_number": "PartNumberRequested", "actual_part_count": "ActualPartCount",
                "condition": "Condition"}


def s3_error_for(exc: store.StoreError) -> errors.S3Error:
    """The S3 error for ``exc``, the most specific class in the table winning;
    the store error stays its cause (its 5xx log line names it)."""
    for cls in type(exc).__mro__:
        s3_class = S3_ERROR_FOR.get(cls)  # type: ignore[call-overload]
        if s3_class is not None:
            break
    else:
        s3_class = errors.InternalError
    fields: dict[str, object] = {_FIELD_NAMES.get(k, k): v for k, v in exc.fields.items()}
    named = _NAMED_FIELDS.get(s3_class)
    if named == "BucketName" and exc.bucket is not None:
        fields.setdefault(named, exc.bucket)
    elif named == "Key" and exc.key is not None:
        fields.setdefault(named, exc.key)
    message = exc.detail if type(exc).detail_is_public and exc.detail else None
    s3 = s3_class(message, **fields) if s3_class is not errors.InternalError else s3_class()
    s3.__cause__ = exc
    return s3
