"""DeleteObjects: the multi-object delete (POST ?delete).

Keys are deleted one by one, at most ``CONCURRENCY`` at a time, rather than
through Swift's bulk-delete: bulk deletes sequentially-ish inside the proxy and
knows nothing about multipart objects, whose segments must go too. Each key is
HEADed first (as s3api does) to learn whether it is a Static Large Object,
whose manifest and segments ``?multipart-manifest=delete`` removes together;
on a plain object Swift refuses that query ("Not an SLO manifest").
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from gateway import checksums, errors, multipart_layout
from gateway.body import read_small_body
from gateway.handlers.common import XML_CONTENT_TYPE
from gateway.handlers.copy_source import NULL_VERSION
from gateway.handlers.object_headers import MAX_KEY_BYTES, md5_etag
from gateway.handlers.objects import require_bucket
from gateway.s3request import S3Request
from gateway.swift.status import error_for
from gateway.xml import S3_NAMESPACE, escape, parse

MAX_KEYS = 1000
CONCURRENCY = 8
# 1000 keys of up to 1024 bytes each, with markup and some escaping.
MAX_BODY = 2 * 1024 * 1024
# x-amz-checksum-* headers that carry no digest of the body.
NOT_DIGESTS = frozenset({"x-amz-checksum-mode", "x-amz-checksum-type",
                         "x-amz-checksum-algorithm"})
DELETE_ERRORS = {404: errors.NoSuchKey}


@dataclass(frozen=True)
class ObjectToDelete:
    key: str
    version_id: str | None = None
    etag: str | None = None


def require_digest_header(headers: Mapping[str, str]) -> None:
    """S3 wants Content-MD5 or an x-amz-checksum-* (header or announced trailer)."""
    if "Content-MD5" in headers or "x-amz-trailer" in headers or any(
            name.lower().startswith(checksums.HEADER_PREFIX)
            and name.lower() not in NOT_DIGESTS for name in headers):
        return
    raise errors.InvalidRequest(
        "Missing required header for this request: Content-MD5 OR x-amz-checksum-*")


def verify_digests(headers: Mapping[str, str], body: bytes) -> None:
    """Check the small XML body against its Content-MD5 and x-amz-checksum-* header.

    Hashing here is fine: this is a bounded control document, not object data.
    A trailer cannot follow a body that is not aws-chunked (MalformedTrailerError).
    """
    content_md5 = headers.get("Content-MD5")
    if content_md5 is not None and md5_etag(content_md5) != hashlib.md5(body).hexdigest():
        raise errors.BadDigest()
    request = checksums.requested_checksum(headers, trailer_allowed=False)
    if request is None or request.expected is None:
        return
    actual = base64.b64decode(checksums.checksum_of(request.algorithm, body))
    if not hmac.compare_digest(actual, request.expected):
        raise errors.BadDigest(f"The {request.algorithm} you specified did not match the "
                               "calculated checksum.")


def parse_delete(body: bytes) -> tuple[bool, list[ObjectToDelete]]:
    """The Delete document → (quiet, objects); MalformedXML beyond 1000 keys, as S3."""
    root = parse(body, "Delete")
    quiet = (root.findtext("Quiet") or "").strip().lower() == "true"
    objects = [ObjectToDelete(key=element.findtext("Key") or "",
                              version_id=element.findtext("VersionId"),
                              etag=element.findtext("ETag"))
               for element in root.iterfind("Object")]
    if len(objects) > MAX_KEYS:
        raise errors.MalformedXML()
    return quiet, objects


async def _delete_slo(req: S3Request, key: str) -> tuple[bool, errors.S3Error | None]:
    """Manifest and segments in one request; Swift reports the outcome in a JSON body.

    Returns (handled, error); not handled when the key is no longer a manifest
    (replaced by a plain object since the HEAD): the caller deletes it plainly.
    """
    resp = await req.swift.request(
        "DELETE", req.account, req.bucket, key, params={"multipart-manifest": "delete"},
        headers={"Accept": "application/json"})
    try:
        if resp.status == 404:
            return True, None
        if not 200 <= resp.status < 300:
            return True, error_for(resp.status, DELETE_ERRORS)
        try:
            result = json.loads(await resp.read())
            status = int(str(result["Response Status"]).split()[0])
            failures = result.get("Errors") or []
        except (ValueError, KeyError, TypeError, IndexError):
            return True, errors.InternalError()
    finally:
        resp.release()
    if any("Not an SLO manifest" in str(failure) for failure in failures):
        return False, None
    if failures or not (200 <= status < 300 or status == 404):
        return True, errors.InternalError()
    return True, None


async def delete_key(req: S3Request, item: ObjectToDelete) -> errors.S3Error | None:
    """Delete one key of ``req.bucket``; an absent key counts as deleted, as in S3."""
    if item.version_id is not None and item.version_id != NULL_VERSION:
        return errors.InvalidArgument("Invalid version id specified")
    if len(item.key.encode("utf-8")) > MAX_KEY_BYTES:
        return errors.KeyTooLongError()
    head = await req.swift.request("HEAD", req.account, req.bucket, item.key)
    head.release()
    if head.status == 404:
        return errors.NoSuchKey() if item.etag is not None else None
    if not 200 <= head.status < 300:
        return error_for(head.status, DELETE_ERRORS)
    if item.etag is not None:
        content_type = head.headers.get("Content-Type", "")
        stored = multipart_layout.split_etag_param(content_type)[1]
        etag = (stored or head.headers.get("Etag", "")).strip('"')
        if item.etag.strip().strip('"') != etag:
            return errors.PreconditionFailed()
    if head.headers.get("X-Static-Large-Object", "").lower() == "true":
        handled, error = await _delete_slo(req, item.key)
        if handled:
            return error
    resp = await req.swift.request("DELETE", req.account, req.bucket, item.key)
    resp.release()
    if resp.status == 404 or 200 <= resp.status < 300:
        return None
    return error_for(resp.status, DELETE_ERRORS)


def _entry(item: ObjectToDelete, error: errors.S3Error | None) -> str:
    """One <Deleted> or <Error> element of the DeleteResult."""
    version = f"<VersionId>{escape(item.version_id)}</VersionId>" if item.version_id else ""
    key = f"<Key>{escape(item.key)}</Key>"
    if error is None:
        return f"<Deleted>{key}{version}</Deleted>"
    return (f"<Error>{key}{version}<Code>{escape(error.code)}</Code>"
            f"<Message>{escape(error.detail)}</Message></Error>")


async def delete_objects(req: S3Request) -> web.StreamResponse:
    """Validate everything first; then stream the result in request order as keys finish.

    Past validation every outcome is per key and the status is 200, so the
    document can start at once: a thousand slow deletes never leave the client
    waiting in silence on an idle connection.
    """
    require_digest_header(req.http.headers)
    await require_bucket(req)
    body = await read_small_body(req, MAX_BODY)
    verify_digests(req.http.headers, body)
    quiet, items = parse_delete(body)

    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(item: ObjectToDelete) -> errors.S3Error | None:
        async with gate:
            try:
                return await delete_key(req, item)
            except errors.S3Error as exc:  # e.g. Swift unreachable: only that key failed
                return exc

    # Each distinct (key, version, etag) is deleted once, however often it is listed.
    tasks = {item: asyncio.ensure_future(one(item)) for item in dict.fromkeys(items)}
    try:
        resp = web.StreamResponse(status=200, headers={"Content-Type": XML_CONTENT_TYPE})
        await resp.prepare(req.http)
        await resp.write(f'<?xml version="1.0" encoding="UTF-8"?>\n'
                         f'<DeleteResult xmlns="{S3_NAMESPACE}">'.encode())
        for item in items:
            error = await tasks[item]
            if error is not None or not quiet:
                await resp.write(_entry(item, error).encode("utf-8"))
        await resp.write(b"</DeleteResult>")
        await resp.write_eof()
        return resp
    finally:
        for task in tasks.values():
            task.cancel()
