"""CompleteMultipartUpload: S3's checks of the parts, then ``Store.complete_upload``.

Every check that can fail fast (upload, XML, part list, sizes,
``x-amz-mp-object-size``, checksums, If-Match) runs on the parts the store
lists, before the response starts, so those errors get their real status.
Assembling the object can take long for 10000 parts (Swift HEADs every
segment): past ``[server] complete_keepalive_seconds`` the gateway answers
200, sends the XML declaration and then a space every that many seconds, and
ends with the result or an ``<Error>`` document, as S3 does.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Mapping

from aiohttp import web

from gateway import errors
from gateway.body import read_small_body
from gateway.checksums import Checksum
from gateway.handlers.multipart_checksums import (
    RequestedPart, UploadChecksum, final_checksum, part_checksum_element, result_elements,
    whole_checksum_header)
from gateway.handlers.multipart_common import (
    MAX_PART_NUMBER, MIN_PART_NUMBER, MIN_PART_SIZE, upload_id_param)
from gateway.s3request import HOST_ID, REQUEST_ID, S3Request
from gateway.storage.etags import etag_matches, multipart_etag
from gateway.storage.errors import ObjectNotFound, StoreError, UploadNotFound
from gateway.storage.records import (
    CompletedPart, ObjectInfo, PartInfo, UploadInfo, WriteConditions)
from gateway.storage.s3_errors import s3_error_for
from gateway.xml import XMLWriter, parse

log = logging.getLogger("gateway")

MAX_COMPLETE_BODY = 4 * 1024 * 1024
# Spaces are never sent more often than this, whatever the setting (0 included).
MIN_KEEPALIVE_INTERVAL = 0.05
MP_OBJECT_SIZE = "x-amz-mp-object-size"
_MAX_OBJECT_SIZE_VALUE = 2**63 - 1  # the S3 API types the header as a long (int64)
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def parse_complete_body(body: bytes) -> list[RequestedPart]:
    """The parts a CompleteMultipartUpload body names, checked for order and form."""
    root = parse(body, "CompleteMultipartUpload")
    parts: list[RequestedPart] = []
    for element in root.iter("Part"):
        text = (element.findtext("PartNumber") or "").strip()
        try:
            number = int(text)
        except ValueError:
            raise errors.MalformedXML() from None
        etag = (element.findtext("ETag") or "").strip().strip('"').lower()
        if parts and number <= parts[-1].number:
            raise errors.InvalidPartOrder()
        if not MIN_PART_NUMBER <= number <= MAX_PART_NUMBER or not _is_md5_hex(etag):
            raise errors.InvalidPart(PartNumber=number, ETag=etag)
        parts.append(RequestedPart(number, etag, part_checksum_element(element)))
    return parts


def _is_md5_hex(etag: str) -> bool:
    return len(etag) == 32 and all(c in "0123456789abcdef" for c in etag)


def chosen_parts(requested: list[RequestedPart],
                 stored: Mapping[int, PartInfo]) -> list[PartInfo]:
    """The stored parts ``requested`` names, checked as S3 checks them.

    ``InvalidPart`` for a part missing or with another ETag; ``EntityTooSmall``
    for any part but the last under 5 MiB.
    """
    chosen = []
    for part in requested:  # every part must exist before sizes matter
        found = stored.get(part.number)
        if found is None or found.etag.lower() != part.etag:
            raise errors.InvalidPart(PartNumber=part.number, ETag=part.etag)
        chosen.append(found)
    for part, found in zip(requested[:-1], chosen):
        if found.size < MIN_PART_SIZE:
            raise errors.EntityTooSmall(ProposedSize=found.size, MinSizeAllowed=MIN_PART_SIZE,
                                        PartNumber=part.number, ETag=part.etag)
    return chosen


def expected_object_size(headers: Mapping[str, str]) -> int | None:
    """``x-amz-mp-object-size``, the size the client expects (None when absent).

    S3 answers InvalidRequest for a value that is not an integer and for a
    negative one, with these messages.
    """
    raw = headers.get(MP_OBJECT_SIZE)
    if raw is None:
        return None
    text = raw.strip()
    if not re.fullmatch(r"-?[0-9]+", text) or abs(int(text)) > _MAX_OBJECT_SIZE_VALUE:
        raise errors.InvalidRequest(f"Value for {MP_OBJECT_SIZE} header is invalid: '{raw}'")
    value = int(text)
    if value < 0:
        raise errors.InvalidRequest(
            f"Value for {MP_OBJECT_SIZE} header is less than zero: '{value}'")
    return value


def check_object_size(expected: int | None, parts: list[PartInfo]) -> None:
    """InvalidRequest (as S3) when the parts do not add up to ``x-amz-mp-object-size``."""
    total = sum(part.size for part in parts)
    if expected is not None and expected != total:
        raise errors.InvalidRequest(
            f"The provided '{MP_OBJECT_SIZE}' header value {expected} does not match what "
            f"was computed: {total}")


def result_document(req: S3Request, etag: str, checksum: Checksum | None = None) -> bytes:
    assert req.bucket is not None and req.key is not None
    doc = XMLWriter("CompleteMultipartUploadResult")
    location = f"{req.http.scheme}://{req.http.host}/{req.bucket}/{req.key}"
    doc.element("Location", location).element("Bucket", req.bucket)
    doc.element("Key", req.key).element("ETag", f'"{etag}"')
    for name, value in result_elements(checksum):
        doc.element(name, value)
    return doc.to_bytes()


def _check_if_match(req: S3Request, current: ObjectInfo | None) -> None:
    if_match = req.http.headers.get("If-Match")
    if if_match is None:
        return
    if current is None:
        raise errors.NoSuchKey(Key=req.key)
    if not etag_matches(if_match, current.etag):
        raise errors.PreconditionFailed(Condition="If-Match")


async def _current(req: S3Request) -> ObjectInfo | None:
    """The object now at the key (``None``: none), for If-Match."""
    assert req.bucket is not None and req.key is not None
    try:
        return await req.store.head_object(req.account, req.bucket, req.key)
    except ObjectNotFound:
        return None


async def _finish(req: S3Request, upload: UploadInfo, parts: list[CompletedPart],
                  checksum: Checksum | None, conditions: WriteConditions,
                  unused_parts: bool) -> bytes:
    assert req.bucket is not None and req.key is not None
    result = await req.store.complete_upload(
        req.account, req.bucket, req.key, upload.upload_id, parts, checksum, conditions,
        upload=upload, unused_parts=unused_parts)
    return result_document(req, result.etag, checksum)


async def respond_with_keepalive(http: web.Request, work: Awaitable[bytes], grace: float,
                                 interval: float) -> web.StreamResponse:
    """200 with ``work``'s XML; if it takes long, whitespace keeps the client waiting.

    Errors raised within ``grace`` seconds keep their status; later ones become
    an ``<Error>`` document in the 200 body. A grace of 0 starts the response at
    once. ``work`` runs to its end even if the client goes away (the upload then
    completes all the same).
    """
    task = asyncio.ensure_future(work)
    if grace > 0:
        await asyncio.wait({task}, timeout=grace)
        if task.done():
            return web.Response(body=task.result(), content_type="application/xml")
    interval = max(interval, MIN_KEEPALIVE_INTERVAL)
    out = web.StreamResponse(status=200, headers={"Content-Type": "application/xml"})
    await out.prepare(http)
    try:
        await out.write(XML_DECLARATION)
        while not task.done():
            await asyncio.wait({task}, timeout=interval)
            if not task.done():
                await out.write(b" ")
    except (ConnectionError, RuntimeError):
        await asyncio.shield(asyncio.wait({task}))  # the client left; still finish the work
        return out
    try:
        body = task.result()
    except (errors.S3Error, StoreError) as exc:
        error = s3_error_for(exc) if isinstance(exc, StoreError) else exc
        body = error.to_xml(http.path, http.get(REQUEST_ID, ""), http.get(HOST_ID, ""))
    except Exception:
        log.exception("CompleteMultipartUpload failed after the response started")
        body = errors.InternalError().to_xml(http.path, http.get(REQUEST_ID, ""))
    if body.startswith(b"<?xml"):
        body = body.split(b"?>", 1)[1].lstrip(b"\n")
    await out.write(b"\n" + body)
    await out.write_eof()
    return out


async def _retried(req: S3Request, upload_id: str) -> bytes:
    """The result of an upload already completed (it is gone), if this is one."""
    current = await _current(req)
    if current is None or current.upload_id != upload_id:
        raise errors.NoSuchUpload(UploadId=upload_id)
    requested = parse_complete_body(await read_small_body(req, MAX_COMPLETE_BODY))
    if multipart_etag(part.etag for part in requested) != current.etag:
        raise errors.NoSuchUpload(UploadId=upload_id)
    return result_document(req, current.etag, current.checksum)


async def complete_multipart_upload(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    upload_id = upload_id_param(req)
    if_none_match = req.http.headers.get("If-None-Match")
    if if_none_match is not None and if_none_match.strip() != "*":
        raise errors.S3NotImplemented(Header="If-None-Match")
    expected_size = expected_object_size(req.http.headers)
    try:
        upload = await req.store.get_upload(req.account, req.bucket, req.key, upload_id)
    except UploadNotFound:
        return web.Response(body=await _retried(req, upload_id), content_type="application/xml")
    settings = UploadChecksum.of_upload(upload)
    whole = whole_checksum_header(req.http.headers, settings)
    requested = parse_complete_body(await read_small_body(req, MAX_COMPLETE_BODY))
    listing = req.store.list_parts(req.account, req.bucket, req.key, upload_id, 0,
                                   MAX_PART_NUMBER)
    if "If-Match" in req.http.headers:
        page, current = await asyncio.gather(listing, _current(req))
    else:
        page, current = await listing, None
    stored = {part.number: part for part in page.parts}
    chosen = chosen_parts(requested, stored)
    check_object_size(expected_size, chosen)
    checksum = final_checksum(settings, requested, chosen, whole)
    _check_if_match(req, current)
    parts = [CompletedPart(part.number, found.etag, part.checksum, found.size)
             for part, found in zip(requested, chosen)]
    conditions = WriteConditions(if_none_match_star=if_none_match is not None)
    keepalive = max(req.config.server.complete_keepalive_seconds, 0.0)
    return await respond_with_keepalive(
        req.http, _finish(req, upload, parts, checksum, conditions, len(stored) > len(parts)),
        grace=keepalive, interval=keepalive)
