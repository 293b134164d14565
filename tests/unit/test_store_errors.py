"""Storage outcomes become S3 errors in one table (gateway.storage.s3_errors)."""

from __future__ import annotations

from gateway import errors
from gateway.storage import errors as store
from gateway.storage.s3_errors import S3_ERROR_FOR, s3_error_for


def test_every_store_error_has_an_s3_error() -> None:
    classes = [c for c in vars(store).values()
               if isinstance(c, type) and issubclass(c, store.StoreError)
               and c not in (store.StoreError, store.NotModified)]
    assert [c.__name__ for c in classes if c not in S3_ERROR_FOR] == []


def test_missing_bucket_names_the_bucket() -> None:
    error = s3_error_for(store.BucketNotFound(bucket="b1"))
    assert isinstance(error, errors.NoSuchBucket)
    assert error.fields == {"BucketName": "b1"}
    assert isinstance(error.__cause__, store.BucketNotFound)


def test_missing_key_names_the_key_and_range_fields_are_renamed() -> None:
    assert s3_error_for(store.ObjectNotFound(bucket="b", key="k")).fields == {"Key": "k"}
    error = s3_error_for(store.RangeNotSatisfiable(size=10, requested="bytes=20-"))
    assert error.code == "InvalidRange"
    assert error.fields == {"ActualObjectSize": "10", "RangeRequested": "bytes=20-"}


def test_unavailable_is_a_retryable_503_and_unknown_is_internal() -> None:
    assert s3_error_for(store.StoreUnavailable("swift down")).status == 503
    assert s3_error_for(store.StoreError("odd")).code == "InternalError"
    assert s3_error_for(store.StoreNotImplemented("x")).code == "NotImplemented"


def test_only_public_details_reach_the_client() -> None:
    too_large = s3_error_for(store.MetadataTooLarge("Your metadata needs 3000 bytes as stored",
                                                    Size=3000, MaxSizeAllowed=2560))
    assert too_large.code == "MetadataTooLarge"
    assert too_large.detail == "Your metadata needs 3000 bytes as stored"
    assert too_large.fields == {"Size": "3000", "MaxSizeAllowed": "2560"}
    internal = s3_error_for(store.InvalidWrite("swift said 400: X-Object-Meta-Foo too long"))
    assert "swift" not in internal.detail
