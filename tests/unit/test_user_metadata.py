"""User metadata to Swift headers and back: native when Swift keeps it, packed otherwise."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from gateway import errors
from gateway.handlers import user_metadata as request_meta
from gateway.storage import errors as store
from gateway.swift import user_metadata as um


def request(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(pairs))


def through_swift(headers: dict[str, str]) -> dict[str, str]:
    """What Swift gives back: title-cased names, values stripped as HTTP does."""
    return {name.title(): value.strip(" \t") for name, value in headers.items()}


def round_trip(meta: dict[str, str]) -> dict[str, str]:
    return um.metadata_of_object(through_swift(um.swift_metadata(meta)))


def test_names_are_lower_cased_and_repeats_joined() -> None:
    meta = request_meta.metadata_of_request(request(("X-Amz-Meta-MiXed", "1"), ("x-amz-meta-a", "x"),
                                          ("x-amz-meta-A", "y"), ("Content-Type", "t")))
    assert meta == {"mixed": "1", "a": "x,y"}


def test_reserved_names_are_refused() -> None:
    with pytest.raises(errors.InvalidArgument):
        request_meta.metadata_of_request(request(("x-amz-meta-S3gw-Meta-0", "[forged=1]")))


def test_s3_limit_counts_names_and_values() -> None:
    request_meta.metadata_of_request(request(("x-amz-meta-ab", "v" * 2046)))
    with pytest.raises(errors.MetadataTooLarge):
        request_meta.metadata_of_request(request(("x-amz-meta-ab", "v" * 2047)))


def test_few_plain_names_stay_native() -> None:
    headers = um.swift_metadata({"color": "blue", "a.b~c": "x"})
    assert headers == {"x-object-meta-color": "blue", "x-object-meta-a.b~c": "x"}
    assert round_trip({"color": "blue", "a.b~c": "x"}) == {"color": "blue", "a.b~c": "x"}


@pytest.mark.parametrize("meta", [
    {"my_key": "v", "other": "w"},
    {"": "empty name", "x" * 200: "long name"},
    {"a%2c": "%2C, %25 and = in values", "b=": "c=d", "k": ""},
    {"k": "caf\u00e9 \u2603 " * 100, "x_y": "  inner  spaces  "},
    {f"k{i:03d}": "v" * 6 for i in range(200)},
])
def test_packed_round_trip(meta: dict[str, str]) -> None:
    meta = {k: v.strip() for k, v in meta.items()}  # HTTP values arrive stripped
    headers = um.swift_metadata(meta)
    assert all(name.startswith(um.PACKED_META) for name in headers)
    assert all(len(v.encode("utf-8")) <= um.SWIFT_VALUE_BYTES for v in headers.values())
    assert round_trip(meta) == meta


def test_pieces_keep_whitespace_at_their_edges() -> None:
    # A value whose spaces fall exactly on a piece boundary survives HTTP stripping.
    meta = {"my_k": ("a" + " " * 5) * 400}
    meta = {"my_k": meta["my_k"].strip()}
    headers = um.swift_metadata(meta)
    assert len(headers) == 2
    assert round_trip(meta) == meta


def test_packed_form_too_large_for_swift_is_refused() -> None:
    meta = {f"k_{i}": "," * 6 for i in range(150)}  # 1640 bytes; escaped: 3740
    with pytest.raises(store.MetadataTooLarge):
        um.swift_metadata(meta)


def test_user_metadata_is_told_from_gateway_state() -> None:
    assert um.is_user_metadata("X-Object-Meta-Color")
    assert um.is_user_metadata("X-Object-Meta-S3Gw-Meta-1")
    assert not um.is_user_metadata("X-Object-Meta-S3gw-Upload-Id")
    assert not um.is_user_metadata("X-Object-Meta-S3gw-Meta-x")
    assert not um.is_user_metadata("X-Object-Meta-S3gw-Meta-\u00b2")


def test_entries_written_by_hand_in_swift_do_not_break_reads() -> None:
    odd = {"X-Object-Meta-S3gw-Meta-0": "no brackets,novalue,=v,%zz=1"}
    assert um.metadata_of_object(odd) == {"no brackets": "", "novalue": "", "": "v",
                                          "%zz": "1"}
    assert not um.is_user_metadata("Content-Type")
