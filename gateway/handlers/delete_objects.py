"""DeleteObjects: the multi-object delete (POST ?delete).

Plain keys (no ETag condition, no version other than ``null``) go to Swift's
bulk delete in one request (``delete_bulk``); multipart objects' segments are
then swept for the whole batch (``segment_sweep.sweep_many``). Keys with an
ETag condition need a HEAD first (as s3api does) and are deleted one by one,
at most ``CONCURRENCY`` at a time; so is every key when the bulk request
fails as a whole. A Static Large Object's manifest and segments go together
with ``?multipart-manifest=delete``; on a plain object Swift refuses that
query ("Not an SLO manifest").
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from gateway import checksums, errors, multipart_layout
from gateway.body import read_small_body
from gateway.handlers.common import XML_CONTENT_TYPE
from gateway.handlers.copy_source import NULL_VERSION
from gateway.handlers.delete_bulk import BulkUnavailable, bulk_delete_keys
from gateway.handlers.object_headers import MAX_KEY_BYTES, md5_etag
from gateway.handlers.multipart_complete import MIN_KEEPALIVE_INTERVAL
from gateway.handlers.objects import require_bucket
from gateway.handlers.segment_sweep import sweep_many
from gateway.s3request import S3Request
from gateway.storage.errors import StoreError
from gateway.storage.s3_errors import s3_error_for
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

log = logging.getLogger("gateway")


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


def _bulk_eligible(item: ObjectToDelete) -> bool:
    """What the bulk request can take: the rest needs ``delete_key``'s checks."""
    return (item.etag is None and item.version_id in (None, NULL_VERSION) and item.key != ""
            and len(item.key.encode("utf-8")) <= MAX_KEY_BYTES)


async def delete_all(req: S3Request, items: list[ObjectToDelete]) -> dict[
        ObjectToDelete, errors.S3Error | None]:
    """Every item's outcome; segments of deleted multipart objects swept at the end."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(item: ObjectToDelete) -> errors.S3Error | None:
        async with gate:
            try:
                return await delete_key(req, item)
            except errors.S3Error as exc:  # e.g. Swift unreachable: only that key failed
                return exc
            except StoreError as exc:
                return s3_error_for(exc)

    async def bulk(plain: list[ObjectToDelete]) -> dict[ObjectToDelete, errors.S3Error | None]:
        try:
            by_key = await bulk_delete_keys(req, list(dict.fromkeys(i.key for i in plain)))
        except (BulkUnavailable, errors.S3Error, StoreError) as exc:
            log.warning("bulk delete in %s failed (%s): deleting key by key", req.bucket, exc)
            return dict(zip(plain, await asyncio.gather(*(one(i) for i in plain))))
        return {item: by_key[item.key] for item in plain}

    plain = [item for item in items if _bulk_eligible(item)]
    others = [item for item in items if not _bulk_eligible(item)]
    outcomes, *rest = await asyncio.gather(bulk(plain), *(one(item) for item in others))
    outcomes.update(zip(others, rest))
    await sweep_many(req, (item.key for item, error in outcomes.items() if error is None))
    return outcomes


async def delete_objects(req: S3Request) -> web.StreamResponse:
    """Validate everything first; then answer 200 at once and the result when done.

    Past validation every outcome is per key and the status is 200, so the
    document starts at once, and a space follows every
    ``complete_keepalive_seconds`` while the keys are deleted (Quiet mode
    too): a client never waits in silence on an idle connection. A client
    that hangs up does not stop the deletes (their segments must go too).
    """
    require_digest_header(req.http.headers)
    await require_bucket(req)
    body = await read_small_body(req, MAX_BODY)
    verify_digests(req.http.headers, body)
    quiet, items = parse_delete(body)
    # Each distinct (key, version, etag) is deleted once, however often it is listed.
    work = asyncio.ensure_future(delete_all(req, list(dict.fromkeys(items))))
    interval = max(req.config.server.complete_keepalive_seconds, MIN_KEEPALIVE_INTERVAL)
    resp = web.StreamResponse(status=200, headers={"Content-Type": XML_CONTENT_TYPE})
    try:
        await resp.prepare(req.http)
        await resp.write(f'<?xml version="1.0" encoding="UTF-8"?>\n'
                         f'<DeleteResult xmlns="{S3_NAMESPACE}">'.encode())
        while not work.done():
            await asyncio.wait({work}, timeout=interval)
            if not work.done():
                await resp.write(b" ")
        outcomes = work.result()
        await resp.write("".join(_entry(item, outcomes[item]) for item in items
                                 if outcomes[item] is not None or not quiet).encode("utf-8"))
        await resp.write(b"</DeleteResult>")
        await resp.write_eof()
    except (ConnectionError, RuntimeError):
        log.info("request %s: client went away during DeleteObjects; finishing the deletes",
                 req.request_id)
        await asyncio.shield(asyncio.wait({work}))
    return resp
