"""Which decoded names may address a bucket, in the path, the Host and x-amz-copy-source."""

from __future__ import annotations

import pytest

from gateway import errors
from gateway.addressing import Target, resolve_target
from gateway.bucket_names import check_addressable, is_addressable
from gateway.handlers.copy_source import CopySource, parse_copy_source

DOMAINS = ["localhost"]

NOT_ADDRESSABLE = [
    "", ".", "..", "b/sub", "b/", "b/../other", "b+segments", "b+uploads", "b%2Fsub",
    "b\x00", "b c", "-dash", "_under", ".dot", "a" * 256, "caf\u00e9", "b\\c",
    # Reserved containers stay reserved even where the character rules would allow them.
    "B+segments", "x.y+uploads",
]


@pytest.mark.parametrize("name", ["b", "abc", "UpperCase", "under_score", "a..b", "a" * 255,
                                  "1.2.3.4", "trailing-", "my.bucket"])
def test_legacy_names_stay_addressable(name: str) -> None:
    assert is_addressable(name)
    check_addressable(name)


@pytest.mark.parametrize("name", NOT_ADDRESSABLE)
def test_other_names_are_invalid_bucket_names(name: str) -> None:
    with pytest.raises(errors.InvalidBucketName) as info:
        check_addressable(name)
    assert info.value.fields["BucketName"] == name


@pytest.mark.parametrize("raw_path", [
    "/B%2Fsub/key", "/B%2F/key", "/B%2F..%2FOTHER/key", "/B%2fsub", "/B+segments",
    "/B%2Bsegments/k", "/B+uploads/x", "/../key", "/./key", "//key", "/%2E%2E/key",
    "/b%00/key", "/b%20c/key",
])
def test_path_style_bucket_checked_after_decoding(raw_path: str) -> None:
    with pytest.raises(errors.InvalidBucketName):
        resolve_target("127.0.0.1:8080", raw_path, DOMAINS)


@pytest.mark.parametrize("host", ["b+segments.localhost:8080", "b+uploads.localhost",
                                  "-x.localhost", "b_c+segments.localhost"])
def test_virtual_host_bucket_checked(host: str) -> None:
    with pytest.raises(errors.InvalidBucketName):
        resolve_target(host, "/key", DOMAINS)


@pytest.mark.parametrize(("host", "raw_path"), [
    ("127.0.0.1", "/bucket/a%00b"), ("127.0.0.1", "/bucket/%00"), ("b.localhost", "/k%00"),
])
def test_nul_in_key_is_invalid_uri(host: str, raw_path: str) -> None:
    with pytest.raises(errors.InvalidURI):
        resolve_target(host, raw_path, DOMAINS)


def test_valid_targets_unchanged() -> None:
    assert resolve_target("h", "/My_Legacy.Bucket/k%2Fx", DOMAINS) == Target(
        "My_Legacy.Bucket", "k/x", False)


@pytest.mark.parametrize("value", [
    "B%2Fsub/key", "/B%2F/key", "B%2F..%2FOTHER/key", "b+segments/k/upload/00001",
    "b%2Buploads/k", "../k", "%2E%2E/k", "-x/k", "b%00/k",
])
def test_copy_source_bucket_must_be_addressable(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        parse_copy_source(value)
    assert info.value.detail == "Invalid copy source bucket name"
    assert info.value.fields["ArgumentName"] == "x-amz-copy-source"


@pytest.mark.parametrize("value", ["bkt/a%00b", "/bkt/%00"])
def test_copy_source_key_with_nul(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as info:
        parse_copy_source(value)
    assert info.value.detail == "Invalid copy source object key"


def test_copy_source_encoded_slash_in_key_is_still_a_key() -> None:
    assert parse_copy_source("bkt/a%2Fb") == CopySource("bkt", "a/b")
