"""The additional checksum of a multipart upload, as CompleteMultipartUpload settles it.

CreateMultipartUpload fixes an algorithm and a type (``UploadInfo``); every
part's checksum was verified (or computed) while it streamed and comes with
the part from ``Store.list_parts`` (``PartInfo.checksum``: none if a late
record was bound to other bytes than the part's). On Complete, S3:

- checks each part checksum the request names against the part's (``InvalidPart``);
- for a COMPOSITE upload, wants every part's checksum named, and makes the
  final checksum the checksum of the raw part checksums, ``-N`` suffixed;
- for a FULL_OBJECT upload (CRC algorithms), combines the part CRCs and lengths
  into the CRC of the whole object, without reading any data;
- checks a whole-object ``x-amz-checksum-<alg>`` header against the result
  (``BadDigest``; a COMPOSITE value may carry the ``-N`` suffix or not).

A part without a stored checksum of the upload's algorithm (e.g. one stored
before its upload had this support) leaves the final object without a
checksum: a value the client merely claims is not stored as verified.
UploadPartCopy computes the part checksum when the upload has an algorithm
(see copy.py).

An upload created without an algorithm gets S3's default, a FULL_OBJECT
CRC64NVME, combined from the parts' CRC64NVMEs (UploadPart computes one for a
part sent without a checksum). If a part has none (stored before this default,
copied, or sent with another algorithm), the object gets no checksum. The
Complete request's checksums are not checked then, as S3 ignores them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from gateway import errors
from gateway.checksums import (
    ALGORITHMS, COMPOSITE, DIGEST_SIZES, FULL_OBJECT, HEADER_PREFIX, NOT_CHECKSUMS, Checksum,
    combine_full_object, composite_checksum, decode_value)
from gateway.storage.records import PartInfo, UploadInfo

_CHECKSUM_TAG = "Checksum"
DEFAULT_ALGORITHM = "CRC64NVME"  # what S3 adds to an upload created without one


@dataclass(frozen=True)
class RequestedPart:
    """One ``<Part>`` of a CompleteMultipartUpload body."""

    number: int
    etag: str  # unquoted, lower case
    checksum: Checksum | None = None  # the part checksum the client names, if any


@dataclass(frozen=True)
class UploadChecksum:
    """The checksum settings CreateMultipartUpload recorded for the upload."""

    algorithm: str
    type: str

    @classmethod
    def of_upload(cls, upload: UploadInfo) -> UploadChecksum | None:
        algorithm, kind = upload.checksum_algorithm, upload.checksum_type
        return cls(algorithm, kind) if algorithm and kind else None


@dataclass(frozen=True)
class WholeChecksum:
    """A whole-object checksum header sent with Complete."""

    algorithm: str
    raw: bytes
    parts: int | None = None  # the "-N" suffix of a COMPOSITE value


def part_checksum_element(element: etree._Element) -> Checksum | None:
    """The ``Checksum<ALG>`` of a ``<Part>``: at most one, strict base64 of the right size."""
    found = [(child.tag[len(_CHECKSUM_TAG):], (child.text or "").strip())
             for child in element if isinstance(child.tag, str)
             and child.tag.startswith(_CHECKSUM_TAG)]
    if not found:
        return None
    if len(found) == 1:
        algorithm, value = found[0]
        if algorithm in ALGORITHMS and _strict_b64(value, DIGEST_SIZES[algorithm]):
            return Checksum(algorithm, value)
    raise errors.InvalidArgument(
        "Invalid Base64 or multiple checksums present in request", ArgumentName="Checksum",
        ArgumentValue="".join(f"{alg}:{value};" for alg, value in sorted(found)))


def _strict_b64(value: str, size: int) -> bool:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == size and base64.b64encode(raw).decode("ascii") == value


def _mismatch(expected: str, actual: str) -> errors.S3Error:
    return errors.InvalidRequest("Checksum Type mismatch occurred, expected checksum Type: "
                                 f"{expected.lower()}, actual checksum Type: {actual.lower()}")


def whole_checksum_header(headers: Mapping[str, str],
                          upload: UploadChecksum | None) -> WholeChecksum | None:
    """The whole-object checksum (and type) headers of a Complete, validated.

    Without an upload algorithm they are ignored, as S3 ignores them then.
    """
    if upload is None:
        return None
    kind = headers.get("x-amz-checksum-type")
    if kind is not None:
        kind = kind.strip().upper()
        if kind not in (COMPOSITE, FULL_OBJECT):
            raise errors.InvalidRequest("Value for x-amz-checksum-type header is invalid.")
        if kind != upload.type:
            raise errors.BadDigest(f"The {kind} checksum type you specified did not match "
                                   f"the {upload.type} checksum type of the upload.")
    found = [(name.lower()[len(HEADER_PREFIX):], value) for name, value in headers.items()
             if name.lower().startswith(HEADER_PREFIX) and name.lower() not in NOT_CHECKSUMS]
    if not found:
        return None
    if len(found) > 1:
        raise errors.InvalidRequest("Expecting a single x-amz-checksum- header. "
                                    "Multiple checksum Types are not allowed.")
    name, value = found[0]
    algorithm = name.upper()
    if algorithm != upload.algorithm:
        raise _mismatch(upload.algorithm, name)
    base, dash, suffix = value.strip().partition("-")
    if dash and not (upload.type == COMPOSITE and suffix.isdigit()):
        raise errors.InvalidRequest(f"Value for {HEADER_PREFIX}{name} header is invalid.")
    return WholeChecksum(algorithm, decode_value(algorithm, base),
                         int(suffix) if dash else None)


def _bad_digest(algorithm: str) -> errors.S3Error:
    return errors.BadDigest(f"The {algorithm.lower()} you specified did not match the "
                            "calculated checksum.")


def _check_whole(whole: WholeChecksum | None, value: str, count: int) -> None:
    if whole is None:
        return
    computed = base64.b64decode(value.partition("-")[0])
    if not hmac.compare_digest(computed, whole.raw) or whole.parts not in (None, count):
        raise _bad_digest(whole.algorithm)


def final_checksum(upload: UploadChecksum | None, requested: Sequence[RequestedPart],
                   entries: Sequence[PartInfo],
                   whole: WholeChecksum | None) -> Checksum | None:
    """The completed object's checksum, after checking what the request says.

    ``entries``: the stored parts the request names, in order.
    """
    if upload is None:
        return _default_checksum(entries)
    algorithm = upload.algorithm
    stored = [entry.checksum for entry in entries]
    stored = [c if c is not None and c.algorithm == algorithm else None for c in stored]
    if upload.type == COMPOSITE:
        for part, have in zip(requested, stored):
            if part.checksum is None and have is not None:
                raise errors.InvalidRequest(
                    f"The upload was created using a {algorithm.lower()} checksum. The "
                    "complete request must include the checksum for each part. It was "
                    f"missing for part {part.number} in the request.")
        # S3 checks the whole value against the part checksums the request names first.
        named = [p.checksum.value if p.checksum is not None else None for p in requested]
        if whole is not None and None not in named and all(
                p.checksum is not None and p.checksum.algorithm == algorithm for p in requested):
            _check_whole(whole, composite_checksum(algorithm, named), len(named))
    for part, have in zip(requested, stored):
        claimed = part.checksum
        if claimed is not None and (claimed.algorithm != algorithm or (
                have is not None and have.value != claimed.value)):
            raise errors.InvalidPart(PartNumber=part.number, ETag=part.etag)
    values = [c.value for c in stored if c is not None]
    if len(values) < len(stored) or not values:
        return None  # a part without a checksum (a copy): nothing to compute from
    if upload.type == COMPOSITE:
        return Checksum(algorithm, composite_checksum(algorithm, values), COMPOSITE)
    lengths = [entry.size for entry in entries]
    value = combine_full_object(algorithm, list(zip(values, lengths)))
    _check_whole(whole, value, len(values))
    return Checksum(algorithm, value, FULL_OBJECT)


def _default_checksum(entries: Sequence[PartInfo]) -> Checksum | None:
    """An upload created without an algorithm: S3's default full-object CRC64NVME,
    if every part has a CRC64NVME to combine (no data is read)."""
    parts: list[tuple[str, int]] = []
    for entry in entries:
        have = entry.checksum
        if have is None or have.algorithm != DEFAULT_ALGORITHM:
            return None
        parts.append((have.value, entry.size))
    if not parts:
        return None
    return Checksum(DEFAULT_ALGORITHM, combine_full_object(DEFAULT_ALGORITHM, parts),
                    FULL_OBJECT)


def result_elements(checksum: Checksum | None) -> list[tuple[str, str]]:
    """The checksum elements of a CompleteMultipartUploadResult."""
    if checksum is None:
        return []
    return [(_CHECKSUM_TAG + checksum.algorithm, checksum.value),
            ("ChecksumType", checksum.type)]
