"""Checksums stored after the body are bound to the Swift ETag of the bytes they describe.

A late POST (Swift's cannot be conditional) may land on another writer's
bytes; every reader must then see no checksum rather than a wrong one.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from multidict import CIMultiDict

from gateway.checksums import (
    META_ETAG, META_PREFIX, META_TYPE, Checksum, binding_holds, checksum_of,
    checksum_response_headers, stored_checksum)
from gateway.handlers.multipart_checksums import (
    RequestedPart, UploadChecksum, final_checksum)
from gateway.swift.multipart_layout import (
    CHECKSUM_PARAM, PART_CONTENT_TYPE, listed_part_checksum, part_checksum, part_content_type)
from gateway.body import SMALL_BODY, UploadBody
from gateway.storage.records import NewObject, ObjectInfo, PartInfo
from gateway.swift.codec import CopyKind, copy_checksum, copy_headers, object_info
from gateway.swift.store import SwiftStore

DATA = b"the bytes a checksum describes"
ETAG = hashlib.md5(DATA, usedforsecurity=False).hexdigest()
OTHER = hashlib.md5(b"other bytes", usedforsecurity=False).hexdigest()
CRC = Checksum("CRC32", checksum_of("CRC32", DATA))
BOUND = CRC.bound_to(ETAG)
ENABLED = {"x-amz-checksum-mode": "ENABLED"}


# --- object metadata -------------------------------------------------------------

def object_headers(checksum: Checksum, etag: str | None) -> CIMultiDict[str]:
    headers = CIMultiDict(checksum.swift_metadata())
    if etag is not None:
        headers["Etag"] = etag
    return headers


def test_bound_metadata_carries_the_etag() -> None:
    assert BOUND.swift_metadata() == {META_PREFIX + "Crc32": CRC.value,
                                      META_TYPE: "FULL_OBJECT", META_ETAG: ETAG}
    assert META_ETAG not in CRC.swift_metadata()
    assert BOUND.response_headers() == CRC.response_headers()  # never shown to clients
    assert BOUND.unbound() == CRC


@pytest.mark.parametrize("etag", [ETAG, ETAG.upper(), f'"{ETAG}"', f" {ETAG} "])
def test_binding_etag_is_normalised(etag: str) -> None:
    assert CRC.bound_to(etag).etag == ETAG
    assert binding_holds(ETAG, etag)


def test_bound_checksum_read_on_its_own_bytes() -> None:
    assert stored_checksum(object_headers(BOUND, ETAG)) == BOUND
    assert stored_checksum(object_headers(BOUND, f'"{ETAG}"')) == BOUND
    assert checksum_response_headers(object_headers(BOUND, ETAG), ENABLED) == {
        "x-amz-checksum-crc32": CRC.value, "x-amz-checksum-type": "FULL_OBJECT"}


def test_bound_checksum_ignored_on_other_bytes() -> None:
    assert stored_checksum(object_headers(BOUND, OTHER)) is None
    assert checksum_response_headers(object_headers(BOUND, OTHER), ENABLED) == {}


def test_bound_checksum_ignored_without_an_etag_to_check() -> None:
    assert stored_checksum(object_headers(BOUND, None)) is None


def test_multipart_etag_never_matches_a_binding() -> None:
    # A late POST on an SLO manifest: its ETag is quoted and not an MD5 of the bytes.
    slo = object_headers(BOUND, f'"{OTHER}"')
    assert stored_checksum(slo) is None
    assert stored_checksum(object_headers(CRC.bound_to(f"{ETAG}-2"), f"{ETAG}-2")) is None


@pytest.mark.parametrize("bound", ["", "xyz", ETAG[:-1], ETAG + "0"])
def test_malformed_binding_is_ignored(bound: str) -> None:
    headers = object_headers(CRC, bound)
    headers[META_ETAG] = bound
    assert stored_checksum(headers) is None


def test_unbound_checksum_still_reads() -> None:
    """Written with its bytes (or before bindings existed): read as always."""
    assert stored_checksum(object_headers(CRC, OTHER)) == CRC
    assert stored_checksum(object_headers(CRC, None)) == CRC
    assert stored_checksum(CRC.swift_metadata()) == CRC


# --- part content types ------------------------------------------------------------

def test_bound_part_content_type_has_three_fields() -> None:
    value = part_content_type(BOUND)
    digest = bytes.fromhex(value.rpartition("=")[2].split(".")[1])
    assert value == f"{PART_CONTENT_TYPE};{CHECKSUM_PARAM}=crc32.{digest.hex()}.{ETAG}"
    assert part_checksum(value, ETAG) == BOUND
    assert part_checksum(value + ";swift_bytes=12", ETAG) == BOUND


def test_bound_part_checksum_ignored_on_other_bytes() -> None:
    value = part_content_type(BOUND)
    assert part_checksum(value, OTHER) is None
    assert part_checksum(value) is None  # no ETag to check it against


def test_old_two_field_part_checksum_still_reads() -> None:
    value = part_content_type(CRC)
    assert value.count(".") == 1
    assert part_checksum(value) == CRC
    assert part_checksum(value, OTHER) == CRC


@pytest.mark.parametrize("value", [
    f"crc32.{bytes(4).hex()}.{ETAG}.x", f"crc32.{bytes(4).hex()}.nothex",
    f"crc32.{bytes(4).hex()}.", f"crc32.{bytes(4).hex()}.{ETAG[:8]}", "crc32",
])
def test_malformed_part_values(value: str) -> None:
    assert part_checksum(f"{PART_CONTENT_TYPE};{CHECKSUM_PARAM}={value}", ETAG) is None


def test_listed_part_checksum_checks_the_entry_hash() -> None:
    entry = {"content_type": part_content_type(BOUND), "hash": ETAG, "bytes": len(DATA)}
    assert listed_part_checksum(entry) == BOUND
    assert listed_part_checksum({**entry, "hash": OTHER}) is None
    assert listed_part_checksum({"content_type": part_content_type(BOUND)}) is None
    assert listed_part_checksum({"content_type": part_content_type(CRC), "hash": OTHER}) == CRC


def test_complete_treats_a_rebound_part_as_one_without_checksum() -> None:
    entry = {"content_type": part_content_type(BOUND), "hash": ETAG, "bytes": len(DATA)}
    good = PartInfo(1, ETAG, len(DATA), None, listed_part_checksum(entry))
    stale = PartInfo(2, OTHER, len(DATA), None, listed_part_checksum({**entry, "hash": OTHER}))
    parts = [RequestedPart(1, ETAG, None), RequestedPart(2, OTHER, None)]
    full = UploadChecksum("CRC32", "FULL_OBJECT")
    assert final_checksum(full, parts, [good, good], None) is not None
    assert final_checksum(full, parts, [good, stale], None) is None
    assert final_checksum(None, parts, [good, stale], None) is None  # the default: none


# --- the POST after a streamed body --------------------------------------------------

async def _chunks() -> AsyncIterator[bytes]:
    yield DATA


class _Recorder:
    """Stands in for the Swift client: records the POST instead of sending it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, str]]] = []

    async def request(self, method: str, account: str, container: str, obj: str,
                      headers: dict[str, str]) -> Any:
        self.calls.append((method, container, obj, headers))
        return _Response()


class _Response:
    status = 204

    def release(self) -> None:
        return None


async def streamed(length: int = SMALL_BODY + 1) -> UploadBody:
    upload = UploadBody(_chunks(), length, decoded=False, checksum_request=None)
    upload.compute_checksum("CRC32")
    assert upload.checksum_in_trailer
    _ = [chunk async for chunk in upload.chunks]
    return upload


async def test_part_post_binds_the_checksum_to_the_put_etag() -> None:
    upload = await streamed()
    upload.bind_to(f'"{ETAG}"')
    assert upload.checksum is not None
    client = _Recorder()
    store = SwiftStore(client)  # type: ignore[arg-type]
    assert await store.record_part_checksum("AUTH_test", "b", "k", "U", 3, upload.checksum)
    [(method, container, obj, headers)] = client.calls
    assert (method, container, obj) == ("POST", "b+segments", "k/U/00003")
    # The part's only metadata: the bound checksum, also in the content type for listings.
    assert headers == {"Content-Type": part_content_type(CRC.bound_to(ETAG)),
                       **CRC.bound_to(ETAG).swift_metadata()}
    assert upload.response_headers() == CRC.response_headers()


async def test_unbound_part_checksum_is_not_posted() -> None:
    upload = await streamed()
    upload.bind_to(None)  # a PUT response without an ETag: nothing to bind to
    assert upload.checksum is not None
    client = _Recorder()
    store = SwiftStore(client)  # type: ignore[arg-type]
    assert not await store.record_part_checksum("AUTH_test", "b", "k", "U", 3, upload.checksum)
    assert client.calls == []


async def test_read_ahead_checksum_stays_unbound() -> None:
    upload = UploadBody(_chunks(), len(DATA), decoded=False, checksum_request=None)
    headers: dict[str, str] = {}
    await upload.add_default_checksum("CRC32", headers)
    upload.bind_to(ETAG)
    assert upload.checksum == CRC and META_ETAG not in headers  # in the PUT: no binding


# --- CopyObject ----------------------------------------------------------------------

def source(headers: dict[str, str]) -> ObjectInfo:
    """The source's record as the Swift store reads it from its HEAD."""
    return object_info("k", CIMultiDict(headers))


def test_copy_of_a_plain_object_keeps_a_valid_binding() -> None:
    found = source({"Etag": ETAG, "Content-Type": "text/plain", **BOUND.swift_metadata()})
    out = copy_headers(found, None, CopyKind.of(found, onto_itself=False))
    assert copy_checksum(out, ETAG) == BOUND  # same bytes, same MD5


def test_copy_drops_a_binding_that_already_fails() -> None:
    found = source({"Etag": OTHER, "Content-Type": "text/plain", **BOUND.swift_metadata(),
                    "X-Object-Meta-Color": "blue"})
    for new in (None, NewObject(content_type="text/plain")):
        out = copy_headers(found, new, CopyKind.of(found, onto_itself=False))
        assert not any(name.lower().startswith(META_PREFIX.lower()) for name in out)


def test_data_copy_of_a_multipart_object_writes_an_unbound_checksum() -> None:
    whole = Checksum("CRC32", CRC.value)
    found = source({"Etag": f'"{OTHER}"', "X-Static-Large-Object": "True",
                    "Content-Type": f"text/plain;s3gw_etag={OTHER}-2", **whole.swift_metadata()})
    kind = CopyKind.of(found, onto_itself=False)
    assert kind is CopyKind.MULTIPART_DATA
    out = copy_headers(found, None, kind)
    assert META_ETAG not in out and copy_checksum(out, ETAG) == whole
