"""CopyObject and UploadPartCopy: server-side copies from ``x-amz-copy-source``.

The copy itself always happens inside Swift: its ``copy`` middleware serves a
PUT with ``X-Copy-From`` (and ``Range`` for a part) inside the proxy. The
gateway HEADs the source first, because S3's conditions, size limit, error
codes and metadata rules need the source's headers, then pins the copy to that
exact source with ``If-Match`` so a concurrent overwrite cannot slip in between.

``X-Fresh-Metadata`` makes Swift drop the source's user metadata, so the
destination gets exactly the headers built here (COPY: the source's, REPLACE:
the request's) and reserved ``X-Object-Meta-S3gw-*`` state is copied by rule,
never blindly.

UploadPartCopy into an upload created with a checksum algorithm needs the
part's checksum of that algorithm, as S3 computes it. A whole-source copy
reuses the source's FULL_OBJECT checksum of that algorithm when it has one.
Otherwise the gateway first reads the source range once, pinned with
``If-Match`` like the copy, hashing it, and only then makes the Swift-side copy
with the checksum in the PUT's own headers. Both reads are pinned to the same
Swift ETag, hence the same bytes (a plain object's ETag is its MD5; an SLO's
covers its segments' ETags, which SLO checks on read), so no MD5 is computed
here. The part and its checksum are written by one atomic PUT. The
alternatives were worse under concurrency: streaming the range through a PUT,
or hashing the part after the copy, both learn the checksum only after the
part exists and must add it with a later POST, which leaves a window where the
part lists without its checksum, and a POST that lands after a concurrent
UploadPart of the same number would label that part's bytes with this copy's
checksum. The price is that Swift reads the range twice (for the
hashing, then for the copy); the gateway reads it once and writes nothing.
Uploads without an algorithm keep the pure Swift-side copy.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from gateway import checksums, errors, multipart_layout
from gateway.handlers import multipart, multipart_objects
from gateway.handlers.common import s3_etag, xml_response
from gateway.handlers.copy_source import (
    COPY_SOURCE, COPY_SOURCE_RANGE, CopyConditions, CopySource, check_copy_size,
    parse_copy_range, parse_copy_source)
from gateway.handlers.object_headers import (
    MAX_KEY_BYTES, STORED_HEADERS, check_key, swift_put_headers)
from gateway.swift.user_metadata import RESERVED_META, is_user_metadata
from gateway.handlers.multipart_common import head_marker, parse_part_number
from gateway.handlers.objects import require_bucket
from gateway.s3request import S3Request
from gateway.swift.client import quote_name
from gateway.swift.status import StatusMap, raise_for_status
from gateway.timefmt import iso_from_timestamp, parse_http_date
from gateway.xml import XMLWriter

DIRECTIVE = "x-amz-metadata-directive"
SOURCE_HEAD_ERRORS: StatusMap = {}
# 413: the source exceeds Swift's own object size limit (below S3's 5 GiB copy limit).
COPY_PUT_ERRORS: StatusMap = {
    404: errors.NoSuchKey, 412: errors.PreconditionFailed, 416: errors.InvalidRange,
    400: errors.InvalidArgument, 413: errors.EntityTooLarge}
SOURCE_GET_ERRORS: StatusMap = {
    404: errors.NoSuchKey, 412: errors.PreconditionFailed, 416: errors.InvalidRange}
PART_CONTENT_TYPE = "application/octet-stream"
# Pinning attempts: a 412 on the pinned copy means the source changed after the HEAD.
ATTEMPTS = 2


@dataclass(frozen=True)
class SourceObject:
    """What the HEAD of the copy source told us."""

    source: CopySource
    headers: CIMultiDict[str]

    @property
    def size(self) -> int:
        return int(self.headers.get("Content-Length", "0"))

    @property
    def swift_etag(self) -> str:
        return self.headers.get("Etag", "")

    @property
    def is_slo(self) -> bool:
        return self.headers.get("X-Static-Large-Object", "").lower() == "true"

    @property
    def content_type(self) -> str:
        """The content type without the gateway's multipart ETag parameter."""
        return multipart_layout.split_etag_param(self.headers.get("Content-Type", ""))[0]

    @property
    def s3_etag(self) -> str:
        """The ETag S3 clients know: a multipart upload's comes from the content type."""
        stored = multipart_layout.split_etag_param(self.headers.get("Content-Type", ""))[1]
        return (stored or self.swift_etag).strip('"')

    @property
    def last_modified(self) -> datetime | None:
        value = self.headers.get("Last-Modified")
        return parse_http_date(value) if value else None


def copy_from(source: CopySource) -> str:
    """The ``X-Copy-From`` value; Swift percent-decodes it before splitting the path."""
    return f"/{quote_name(source.bucket)}/{quote_name(source.key)}"


async def head_source(req: S3Request, source: CopySource) -> SourceObject:
    """HEAD the source in the caller's account: NoSuchBucket, NoSuchKey or its headers."""
    if len(source.key.encode("utf-8")) > MAX_KEY_BYTES:
        await _require_source_bucket(req, source)
        raise errors.NoSuchKey(Key=source.key)
    resp = await req.swift.request("HEAD", req.account, source.bucket, source.key)
    if resp.status == 404:
        resp.release()
        await _require_source_bucket(req, source)
        raise errors.NoSuchKey(Key=source.key)
    raise_for_status(resp, SOURCE_HEAD_ERRORS)
    resp.release()
    return SourceObject(source, CIMultiDict(resp.headers))


async def _require_source_bucket(req: S3Request, source: CopySource) -> None:
    resp = await req.swift.request("HEAD", req.account, source.bucket)
    if resp.status == 404:
        resp.release()
        raise errors.NoSuchBucket(BucketName=source.bucket)
    raise_for_status(resp, SOURCE_HEAD_ERRORS)
    resp.release()


async def _prepare_source(req: S3Request) -> SourceObject:
    source = parse_copy_source(req.http.headers[COPY_SOURCE])
    found = await head_source(req, source)
    CopyConditions.from_headers(req.http.headers).check(found.s3_etag, found.last_modified)
    return found


def _directive(req: S3Request) -> str:
    value = req.http.headers.get(DIRECTIVE, "COPY")
    if value not in ("COPY", "REPLACE"):
        raise errors.InvalidArgument("Unknown metadata directive.",
                                     ArgumentName=DIRECTIVE, ArgumentValue=value)
    return value


def _reserved_meta(found: SourceObject, whole_manifest: bool) -> dict[str, str]:
    """Which gateway state survives the copy.

    A manifest copied as a manifest is the same object: everything stays. A
    data copy of a plain object has the same bytes, hence the same Swift ETag,
    so its checksum stays valid, with its binding to that ETag if it has one
    (one whose binding already fails is not carried); but it is not the product
    of any multipart upload (no upload id). A data copy of a multipart object
    becomes one plain object: only a FULL_OBJECT checksum still describes it; a
    COMPOSITE one describes parts that are gone. The copy PUT writes it with the
    bytes (pinned to the source's ETag), so it is unbound there: the new
    object's ETag is an MD5 of its bytes, not the manifest's.
    """
    stored = checksums.stored_checksum(found.headers)
    if found.is_slo and not whole_manifest:
        if stored is not None and stored.type == checksums.FULL_OBJECT:
            return stored.unbound().swift_metadata()
        return {}
    out = {}
    for name, value in found.headers.items():
        lower = name.lower()
        if not lower.startswith(RESERVED_META) or is_user_metadata(lower):
            continue  # packed user metadata follows the directive, not this rule
        if not whole_manifest and (lower == multipart_layout.UPLOAD_ID_META.lower()
                                   or lower.startswith(checksums.META_PREFIX.lower())):
            continue
        out[name] = value
    if not whole_manifest and stored is not None:
        out.update(stored.swift_metadata())
    return out


def destination_headers(found: SourceObject, directive: str, whole_manifest: bool,
                        replace_headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Swift headers of the copy: metadata from the source (COPY) or the request (REPLACE)."""
    out: dict[str, str] = {}
    if directive == "REPLACE":
        assert replace_headers is not None
        for name, value in replace_headers.items():
            lower = name.lower()
            # Clients never write the gateway's reserved state, nor an ETag for a copy.
            reserved = lower.startswith(RESERVED_META) and not is_user_metadata(lower)
            if reserved or lower == "etag":
                continue
            out[name] = value
    else:
        for name, value in found.headers.items():
            if is_user_metadata(name):
                out[name] = value
        for name in STORED_HEADERS:
            value = found.headers.get(name)
            if value is not None:
                out[name] = value
        out["Content-Type"] = found.content_type or "binary/octet-stream"
    out.update(_reserved_meta(found, whole_manifest))
    if whole_manifest:
        out["Content-Type"] = multipart_layout.content_type_with_etag(
            out["Content-Type"], found.s3_etag)
    return out


async def _swift_copy(req: S3Request, container: str, obj: str, found: SourceObject,
                      headers: dict[str, str], params: dict[str, str] | None = None,
                      pin: bool = True) -> tuple[str, str]:
    """PUT with ``X-Copy-From``; returns Swift's (Etag, Last-Modified) of the new object."""
    send = dict(headers)
    send.update({"X-Copy-From": copy_from(found.source), "X-Fresh-Metadata": "true",
                 "Content-Length": "0"})
    if pin and found.swift_etag:
        send["If-Match"] = found.swift_etag
    resp = await req.swift.request("PUT", req.account, container, obj,
                                   headers=send, params=params)
    try:
        if resp.status == 404:
            resp.release()
            await require_bucket(req)
            raise errors.NoSuchKey(Key=found.source.key)
        raise_for_status(resp, COPY_PUT_ERRORS)
        return resp.headers.get("Etag", ""), resp.headers.get("Last-Modified", "")
    finally:
        resp.release()


def _result(root: str, etag: str, last_modified: str,
            checksum: checksums.Checksum | None = None, with_type: bool = True) -> web.Response:
    """CopyObjectResult or CopyPartResult (which has no ``ChecksumType`` element)."""
    moment = parse_http_date(last_modified) if last_modified else None
    doc = XMLWriter(root)
    doc.element("ETag", s3_etag(etag))
    doc.element("LastModified", iso_from_timestamp(moment.timestamp() if moment else 0))
    if checksum is not None:
        if with_type:
            doc.element("ChecksumType", checksum.type)
        doc.element("Checksum" + checksum.algorithm, checksum.value)
    return xml_response(doc)


Attempt = Callable[[SourceObject], Awaitable[tuple[str, str]]]


async def _pinned(req: S3Request, attempt: Attempt) -> tuple[SourceObject, str, str]:
    """Run ``attempt`` (HEAD + copy), retrying once if the source changed in between."""
    for number in range(1, ATTEMPTS + 1):
        found = await _prepare_source(req)
        try:
            etag, modified = await attempt(found)
        except errors.PreconditionFailed:
            if number == ATTEMPTS:
                raise
            continue
        return found, etag, modified
    raise AssertionError("unreachable")


async def copy_object(req: S3Request) -> web.StreamResponse:
    assert req.key is not None and req.bucket is not None
    check_key(req.key)
    directive = _directive(req)
    replace = swift_put_headers(req.http.headers) if directive == "REPLACE" else None
    written: dict[str, str] = {}  # the destination's headers, for its checksum

    async def attempt(found: SourceObject) -> tuple[str, str]:
        source = found.source
        to_itself = source.bucket == req.bucket and source.key == req.key
        if to_itself and directive == "COPY":
            raise errors.InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to "
                "itself without changing the object's metadata, storage class, website "
                "redirect location or encryption attributes.")
        check_copy_size(found.size)
        # A multipart object copied onto itself stays a manifest over the same
        # segments; copied elsewhere, its data becomes a plain object (sharing
        # segments between two manifests would let one delete the other's data).
        whole_manifest = to_itself and found.is_slo
        headers = destination_headers(found, directive, whole_manifest, replace)
        written.clear()
        written.update(headers)
        if whole_manifest:
            # Same manifest, same segments: nothing is replaced, nothing to clean.
            _, modified = await _swift_copy(
                req, req.bucket, req.key, found, headers,
                params={"multipart-manifest": "get"}, pin=False)
            return found.s3_etag, modified
        # A multipart object overwritten by the copy leaves its segments behind.
        replaced = multipart_objects.ReplacedObject.start(req)
        await replaced.task
        result = await _swift_copy(req, req.bucket, req.key, found, headers)
        await replaced.cleanup()
        return result

    _, etag, modified = await _pinned(req, attempt)
    # The destination's own ETag: a checksum bound to the source's holds if they match.
    return _result("CopyObjectResult", etag, modified,
                   checksums.stored_checksum({**written, "Etag": etag}))


async def upload_part_copy(req: S3Request) -> web.StreamResponse:
    assert req.key is not None and req.bucket is not None
    number = parse_part_number(req.query.get("partNumber"))
    upload_id = req.query.get("uploadId", "")
    marker = await head_marker(req, upload_id)
    algorithm = marker.get(multipart_layout.CHECKSUM_ALGORITHM_META)
    byte_range = req.http.headers.get(COPY_SOURCE_RANGE)
    container = multipart_layout.segments_container(req.bucket)
    part = multipart_layout.part_name(req.key, upload_id, number)
    stored: list[checksums.Checksum] = []

    async def attempt(found: SourceObject) -> tuple[str, str]:
        headers = {"Content-Type": PART_CONTENT_TYPE}
        stored.clear()
        span: tuple[int, int] | None = None
        if byte_range is not None:
            span = parse_copy_range(byte_range, found.size)
            check_copy_size(span[1] - span[0] + 1)
            headers["Range"] = f"bytes={span[0]}-{span[1]}"
        else:
            check_copy_size(found.size)
        if algorithm is None:
            return await _swift_copy(req, container, part, found, headers)
        checksum = None if span is not None else _part_checksum_of_source(found, algorithm)
        if checksum is None:
            checksum = await _hash_source(req, found, algorithm, span)
        stored.append(checksum)
        # As an uploaded part: in the content type for listings, and as metadata.
        headers["Content-Type"] = multipart_layout.part_content_type(checksum)
        headers.update(checksum.swift_metadata())
        return await _swift_copy(req, container, part, found, headers)

    _, etag, modified = await _pinned(req, attempt)
    # A part that landed after an Abort is removed again (as UploadPart does).
    await multipart._check_still_open(req, upload_id, part)
    return _result("CopyPartResult", etag, modified, stored[0] if stored else None,
                   with_type=False)


def _part_checksum_of_source(found: SourceObject, algorithm: str) -> checksums.Checksum | None:
    """A whole-source copy's part checksum, if the source already has it: a FULL_OBJECT
    checksum of the upload's algorithm (a COMPOSITE one describes other parts)."""
    stored = checksums.stored_checksum(found.headers)
    if stored is None or stored.algorithm != algorithm or stored.type != checksums.FULL_OBJECT:
        return None
    return checksums.Checksum(stored.algorithm, stored.value)


async def _hash_source(req: S3Request, found: SourceObject, algorithm: str,
                       span: tuple[int, int] | None) -> checksums.Checksum:
    """Read the source (or its ``span``), pinned to the HEADed version, once through the
    gateway: its ``algorithm`` checksum, nothing stored."""
    source = found.source
    # X-Newest: read the version the copy middleware will read (it asks for the newest).
    headers = {"X-Newest": "true"}
    if found.swift_etag:
        headers["If-Match"] = found.swift_etag
    expected = found.size
    if span is not None:
        headers["Range"] = f"bytes={span[0]}-{span[1]}"
        expected = span[1] - span[0] + 1
    hasher = checksums.new_hasher(algorithm)
    size = 0
    resp = await req.swift.request("GET", req.account, source.bucket, source.key,
                                   headers=headers)
    try:
        if resp.status == 404:
            raise errors.NoSuchKey(Key=source.key)
        raise_for_status(resp, SOURCE_GET_ERRORS)
        async for chunk in resp.content.iter_any():
            hasher.update(chunk)
            size += len(chunk)
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as exc:
        raise errors.ServiceUnavailable() from exc
    finally:
        resp.release()
    if size != expected:  # a short read: never a checksum of other bytes
        raise errors.ServiceUnavailable()
    value = base64.b64encode(hasher.digest()).decode("ascii")
    return checksums.Checksum(algorithm, value)
