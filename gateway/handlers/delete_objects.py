"""DeleteObjects: the multi-object delete (POST ?delete).

The handler checks the request (digests, the Delete document, version ids,
key lengths) and streams the result; the store deletes the keys
(``Store.delete_objects``; on Swift, mostly one bulk request:
``swift/deletes.py``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from gateway import checksums, errors
from gateway.body import read_small_body
from gateway.handlers.common import XML_CONTENT_TYPE
from gateway.handlers.copy_source import NULL_VERSION
from gateway.handlers.object_headers import MAX_KEY_BYTES, md5_etag
from gateway.handlers.multipart_complete import MIN_KEEPALIVE_INTERVAL
from gateway.handlers.objects import require_bucket
from gateway.s3request import S3Request
from gateway.storage.records import DeleteItem
from gateway.storage.s3_errors import s3_error_for
from gateway.xml import S3_NAMESPACE, escape, parse

MAX_KEYS = 1000
# 1000 keys of up to 1024 bytes each, with markup and some escaping.
MAX_BODY = 2 * 1024 * 1024
# x-amz-checksum-* headers that carry no digest of the body.
NOT_DIGESTS = frozenset({"x-amz-checksum-mode", "x-amz-checksum-type",
                         "x-amz-checksum-algorithm"})

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


def _refusal(item: ObjectToDelete) -> errors.S3Error | None:
    """What S3 answers for an item before any storage is asked, if anything."""
    if item.version_id is not None and item.version_id != NULL_VERSION:
        return errors.InvalidArgument("Invalid version id specified")
    if len(item.key.encode("utf-8")) > MAX_KEY_BYTES:
        return errors.KeyTooLongError()
    return None


def _entry(item: ObjectToDelete, error: errors.S3Error | None) -> str:
    """One <Deleted> or <Error> element of the DeleteResult."""
    version = f"<VersionId>{escape(item.version_id)}</VersionId>" if item.version_id else ""
    key = f"<Key>{escape(item.key)}</Key>"
    if error is None:
        return f"<Deleted>{key}{version}</Deleted>"
    return (f"<Error>{key}{version}<Code>{escape(error.code)}</Code>"
            f"<Message>{escape(error.detail)}</Message></Error>")


async def delete_all(req: S3Request, items: list[ObjectToDelete]) -> dict[
        ObjectToDelete, errors.S3Error | None]:
    """Every item's outcome: refused here, or as the store reports it."""
    assert req.bucket is not None
    outcomes: dict[ObjectToDelete, errors.S3Error | None] = {}
    asked: dict[ObjectToDelete, DeleteItem] = {}
    for item in items:
        refusal = _refusal(item)
        if refusal is not None:
            outcomes[item] = refusal
        else:
            asked[item] = DeleteItem(item.key, item.etag)
    if asked:
        done = await req.store.delete_objects(req.account, req.bucket,
                                              list(dict.fromkeys(asked.values())))
        for item, asked_item in asked.items():
            error = done[asked_item]
            outcomes[item] = s3_error_for(error) if error is not None else None
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
