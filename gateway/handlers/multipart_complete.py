"""CompleteMultipartUpload: an SLO manifest over the uploaded parts.

Every check that can fail fast (upload, XML, part list, sizes,
``x-amz-mp-object-size``, If-Match) runs before the response starts, so those
errors get their real status. Writing the manifest makes Swift HEAD every
segment, which can take long for 10000 parts: past
``[server] complete_keepalive_seconds`` the gateway answers 200, sends the XML
declaration and then a space every that many seconds, and ends with the result
or an ``<Error>`` document, as S3 does. Swift's own ``heartbeat=on`` keeps the
gateway's Swift connection alive meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Mapping

from aiohttp import web

from gateway import errors
from gateway.body import read_small_body
from gateway.checksums import Checksum, stored_checksum
from gateway.handlers.multipart_common import (
    completed_upload_id, delete_parts, head_marker, list_parts_of, require_bucket,
    upload_id_param)
from gateway.handlers.multipart_checksums import (
    RequestedPart, UploadChecksum, final_checksum, part_checksum_element, result_elements,
    whole_checksum_header)
from gateway.handlers.object_headers import STORED_HEADERS
from gateway.handlers.segment_sweep import sweep_segments
from gateway.swift.user_metadata import is_user_metadata
from gateway.multipart_layout import (
    MAX_PART_NUMBER, MIN_PART_NUMBER, MIN_PART_SIZE, UPLOAD_ID_META, content_type_with_etag,
    multipart_etag, part_name, segments_container, split_etag_param, upload_marker_name,
    uploads_container)
from gateway.storage.errors import StoreError
from gateway.storage.s3_errors import s3_error_for
from gateway.s3request import HOST_ID, REQUEST_ID, S3Request
from gateway.swift.status import error_for
from gateway.xml import XMLWriter, parse

log = logging.getLogger("gateway")

MAX_COMPLETE_BODY = 4 * 1024 * 1024
# Spaces are never sent more often than this, whatever the setting (0 included).
MIN_KEEPALIVE_INTERVAL = 0.05
MP_OBJECT_SIZE = "x-amz-mp-object-size"
_MAX_OBJECT_SIZE_VALUE = 2**63 - 1  # the S3 API types the header as a long (int64)
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
MANIFEST_ERRORS = {404: errors.NoSuchBucket, 412: errors.PreconditionFailed,
                   409: errors.OperationAborted}


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


def build_manifest(segments: str, key: str, upload_id: str, requested: list[RequestedPart],
                   stored: Mapping[str, dict]) -> list[dict]:
    """The SLO manifest for ``requested``, checked against the stored parts (by name).

    ``InvalidPart`` for a part missing or with another ETag; ``EntityTooSmall``
    for any part but the last under 5 MiB.
    """
    manifest = []
    for part in requested:  # every part must exist before sizes matter
        name = part_name(key, upload_id, part.number)
        entry = stored.get(name)
        if entry is None or entry.get("hash", "").lower() != part.etag:
            raise errors.InvalidPart(PartNumber=part.number, ETag=part.etag)
        manifest.append({"path": f"/{segments}/{name}", "etag": entry["hash"],
                         "size_bytes": int(entry.get("bytes", 0))})
    for part, entry in zip(requested[:-1], manifest):
        if entry["size_bytes"] < MIN_PART_SIZE:
            raise errors.EntityTooSmall(ProposedSize=entry["size_bytes"],
                                        MinSizeAllowed=MIN_PART_SIZE,
                                        PartNumber=part.number, ETag=part.etag)
    return manifest


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


def check_object_size(expected: int | None, manifest: list[dict]) -> None:
    """InvalidRequest (as S3) when the parts do not add up to ``x-amz-mp-object-size``."""
    total = sum(entry["size_bytes"] for entry in manifest)
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


def _manifest_headers(marker: Mapping[str, str], upload_id: str, etag: str,
                      checksum: Checksum | None) -> dict[str, str]:
    """What the final object keeps from CreateMultipartUpload, plus the S3 ETag and the
    final checksum (the marker's own reserved state, the checksum settings, stays behind)."""
    headers: dict[str, str] = {"Accept": "application/json", UPLOAD_ID_META: upload_id}
    for name, value in marker.items():
        if is_user_metadata(name):
            headers[name] = value
    if checksum is not None:
        headers.update(checksum.swift_metadata())
    for name in STORED_HEADERS:
        if name in marker:
            headers[name] = marker[name]
    content_type = marker.get("Content-Type") or "binary/octet-stream"
    headers["Content-Type"] = content_type_with_etag(content_type, etag)
    return headers


def _error_from_slo(result: dict) -> errors.S3Error:
    status = str(result.get("Response Status", ""))
    if status.startswith("412"):
        return errors.PreconditionFailed(Condition="If-None-Match")
    problems = " ".join(str(err) for err in result.get("Errors") or [])
    if "Etag Mismatch" in problems or "Not Found" in problems or "Size Mismatch" in problems:
        return errors.InvalidPart()
    if "Too small" in problems:
        return errors.EntityTooSmall()
    code = int(status.split(" ", 1)[0]) if status[:3].isdigit() else 500
    log.warning("manifest PUT failed: %s %s", status, problems)
    return error_for(code, MANIFEST_ERRORS)


async def _put_manifest(req: S3Request, manifest: list[dict], headers: dict[str, str]) -> None:
    assert req.bucket is not None and req.key is not None
    resp = await req.swift.request(
        "PUT", req.account, req.bucket, req.key, headers=headers,
        params={"multipart-manifest": "put", "heartbeat": "on"},
        data=json.dumps(manifest).encode("utf-8"))
    try:
        if resp.status != 202:  # refused before the heartbeat started
            if 200 <= resp.status < 300:
                return
            raise error_for(resp.status, MANIFEST_ERRORS)
        raw = (await resp.read()).strip()
    finally:
        resp.release()
    try:
        result = json.loads(raw)
    except ValueError:
        log.warning("manifest PUT: unreadable heartbeat result %r", raw[:200])
        raise errors.InternalError() from None
    if not str(result.get("Response Status", "")).startswith("201"):
        raise _error_from_slo(result)


async def _head_object(req: S3Request) -> Mapping[str, str] | None:
    resp = await req.swift.request("HEAD", req.account, req.bucket, req.key)
    resp.release()
    if resp.status == 404:
        return None
    if not 200 <= resp.status < 300:
        raise error_for(resp.status, {})
    return resp.headers


def _s3_etag_of(headers: Mapping[str, str]) -> str:
    etag = split_etag_param(headers.get("Content-Type", ""))[1]
    return etag or headers.get("Etag", "").strip('"')


def _check_if_match(req: S3Request, current: Mapping[str, str] | None) -> None:
    if_match = req.http.headers.get("If-Match")
    if if_match is None:
        return
    if current is None:
        raise errors.NoSuchKey(Key=req.key)
    wanted = {tag.strip().strip('"') for tag in if_match.split(",")}
    if "*" not in wanted and _s3_etag_of(current) not in wanted:
        raise errors.PreconditionFailed(Condition="If-Match")


async def _finish(req: S3Request, upload_id: str, manifest: list[dict],
                  headers: dict[str, str], etag: str, stored: Mapping[str, dict],
                  checksum: Checksum | None) -> bytes:
    """Write the manifest, then remove the marker, unused parts and replaced segments.

    The marker goes only after the manifest is written, so a racing writer's
    sweep always sees this upload as in progress or as current (segment_sweep).
    """
    assert req.bucket is not None and req.key is not None
    await _put_manifest(req, manifest, headers)
    resp = await req.swift.request("DELETE", req.account, uploads_container(req.bucket),
                                   upload_marker_name(req.key, upload_id))
    resp.release()
    used = frozenset(entry["path"].split("/", 2)[2] for entry in manifest)
    if len(used) < len(stored):
        await delete_parts(req, req.key, upload_id, keep=used)
    await sweep_segments(req)
    return result_document(req, etag, checksum)


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
    """The result of an upload already completed (the marker is gone), if this is one."""
    current = await _head_object(req)
    if current is None or completed_upload_id(current) != upload_id:
        await require_bucket(req)
        raise errors.NoSuchUpload(UploadId=upload_id)
    requested = parse_complete_body(await read_small_body(req, MAX_COMPLETE_BODY))
    etag = _s3_etag_of(current)
    if multipart_etag(part.etag for part in requested) != etag:
        raise errors.NoSuchUpload(UploadId=upload_id)
    return result_document(req, etag, stored_checksum(current))


async def complete_multipart_upload(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    upload_id = upload_id_param(req)
    if_none_match = req.http.headers.get("If-None-Match")
    if if_none_match is not None and if_none_match.strip() != "*":
        raise errors.S3NotImplemented(Header="If-None-Match")
    expected_size = expected_object_size(req.http.headers)
    try:
        marker = await head_marker(req, upload_id)
    except errors.NoSuchUpload:
        return web.Response(body=await _retried(req, upload_id), content_type="application/xml")
    upload = UploadChecksum.of_marker(marker)
    whole = whole_checksum_header(req.http.headers, upload)
    requested = parse_complete_body(await read_small_body(req, MAX_COMPLETE_BODY))
    listed, current = await asyncio.gather(
        list_parts_of(req, req.key, upload_id), _head_object(req))
    stored = {entry["name"]: entry for entry in listed}
    manifest = build_manifest(segments_container(req.bucket), req.key, upload_id,
                              requested, stored)
    check_object_size(expected_size, manifest)
    checksum = final_checksum(upload, requested, [
        stored[part_name(req.key, upload_id, part.number)] for part in requested], whole)
    _check_if_match(req, current)
    etag = multipart_etag(part.etag for part in requested)
    headers = _manifest_headers(marker, upload_id, etag, checksum)
    if if_none_match is not None:
        headers["If-None-Match"] = "*"
    keepalive = max(req.config.server.complete_keepalive_seconds, 0.0)
    return await respond_with_keepalive(
        req.http, _finish(req, upload_id, manifest, headers, etag, stored,
                          checksum), grace=keepalive, interval=keepalive)
