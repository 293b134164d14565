"""CopyObject: server-side copies from ``x-amz-copy-source`` (UploadPartCopy: ``part_copy``).

The copy itself always happens inside Swift: its ``copy`` middleware serves a
PUT with ``X-Copy-From`` inside the proxy. The
gateway HEADs the source first, because S3's conditions, size limit, error
codes and metadata rules need the source's headers, then pins the copy to that
exact source with ``If-Match`` so a concurrent overwrite cannot slip in between.

``X-Fresh-Metadata`` makes Swift drop the source's user metadata, so the
destination gets exactly the headers built here (COPY: the source's, REPLACE:
the request's) and reserved ``X-Object-Meta-S3gw-*`` state is copied by rule,
never blindly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from multidict import CIMultiDict

from gateway import checksums, errors, multipart_layout
from gateway.handlers import multipart_objects
from gateway.handlers.common import s3_etag, xml_response
from gateway.handlers.copy_source import (
    COPY_SOURCE, CopyConditions, CopySource, check_copy_size, parse_copy_source)
from gateway.handlers.object_headers import (
    MAX_KEY_BYTES, STORED_HEADERS, check_key, swift_put_headers)
from gateway.handlers.user_metadata import RESERVED_META, is_user_metadata
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
