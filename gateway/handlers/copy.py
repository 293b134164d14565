"""CopyObject: a server-side copy from ``x-amz-copy-source``.

The handler makes the S3 decisions: it reads the source's record
(``Store.head_object``), because S3's conditions, size limit, error codes and
copy-to-itself rule need it, then asks the store to copy exactly those bytes
(``Store.copy_object``, pinned to the record's ``backend_etag``). If the
source changed in between, the store says ``PreconditionFailed`` and the copy
is tried once more from a fresh record (``ATTEMPTS``). The destination's
metadata is the source's (COPY) or the request's, read as PutObject reads it
(REPLACE); which gateway state survives a copy is the store's rule.

The source step, the retry and the result document are shared with
UploadPartCopy (``gateway.handlers.upload_part_copy``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway import errors
from gateway.authz.point import access_to
from gateway.checksums import Checksum
from gateway.handlers.common import s3_etag, xml_response
from gateway.handlers.acl import object_acl_of_write
from gateway.handlers.copy_source import (
    COPY_SOURCE, CopyConditions, CopySource, check_copy_size, parse_copy_source)
from gateway.handlers.object_headers import MAX_KEY_BYTES, check_key, new_object
from gateway.s3request import S3Request
from gateway.storage import errors as store
from gateway.storage.records import CopySpec, ObjectInfo, WriteResult
from gateway.timefmt import iso_from_timestamp
from gateway.xml import XMLWriter

DIRECTIVE = "x-amz-metadata-directive"
# Pinning attempts: PreconditionFailed from the store means the source changed after its HEAD.
ATTEMPTS = 2
TO_ITSELF = ("This copy request is illegal because it is trying to copy an object to "
             "itself without changing the object's metadata, storage class, website "
             "redirect location or encryption attributes.")

Attempt = Callable[[CopySource, ObjectInfo], Awaitable[WriteResult]]


async def head_source(req: S3Request, source: CopySource) -> tuple[CopySource, ObjectInfo]:
    """The source (with its bucket owner's account) and its record, which the
    principal must be able to read: NoSuchBucket, NoSuchKey (AccessDenied for
    whoever may not list the source bucket)."""
    access = await access_to(req, source.bucket)
    try:
        if len(source.key.encode("utf-8")) > MAX_KEY_BYTES:  # no such key can exist
            await req.store.head_bucket(access.account, source.bucket)
            raise errors.NoSuchKey(Key=source.key)
        info = await req.store.head_object(access.account, source.bucket, source.key)
    except (store.ObjectNotFound, errors.NoSuchKey):
        if not access.may_list():
            raise errors.AccessDenied() from None
        raise
    access.check_object("GetObject", info)
    return dataclasses.replace(source, account=access.account), info


async def read_source(req: S3Request) -> tuple[CopySource, ObjectInfo]:
    """``x-amz-copy-source`` parsed, its record, its ``x-amz-copy-source-if-*`` checked."""
    source, info = await head_source(req, parse_copy_source(req.http.headers[COPY_SOURCE]))
    CopyConditions.from_headers(req.http.headers).check(info.etag, info.last_modified)
    return source, info


async def pinned(req: S3Request, attempt: Attempt) -> WriteResult:
    """Read the source and run ``attempt`` on it, again once if the source changed
    in between (the store's ``PreconditionFailed``)."""
    for number in range(1, ATTEMPTS + 1):
        source, info = await read_source(req)
        try:
            return await attempt(source, info)
        except store.PreconditionFailed:
            if number == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def copy_result(root: str, result: WriteResult, with_type: bool = True) -> web.Response:
    """CopyObjectResult or CopyPartResult (which has no ``ChecksumType`` element)."""
    moment = result.last_modified
    doc = XMLWriter(root)
    doc.element("ETag", s3_etag(result.etag))
    doc.element("LastModified", iso_from_timestamp(moment.timestamp() if moment else 0))
    checksum: Checksum | None = result.checksum
    if checksum is not None:
        if with_type:
            doc.element("ChecksumType", checksum.type)
        doc.element("Checksum" + checksum.algorithm, checksum.value)
    return xml_response(doc)


def _directive(req: S3Request) -> str:
    value = req.http.headers.get(DIRECTIVE, "COPY")
    if value not in ("COPY", "REPLACE"):
        raise errors.InvalidArgument("Unknown metadata directive.",
                                     ArgumentName=DIRECTIVE, ArgumentValue=value)
    return value


async def copy_object(req: S3Request) -> web.StreamResponse:
    bucket, key = req.bucket, req.key
    assert key is not None and bucket is not None
    check_key(key)
    directive = _directive(req)
    # REPLACE: the request's metadata, read and validated as PutObject reads it.
    replace = new_object(req.http.headers) if directive == "REPLACE" else None
    object_acl = object_acl_of_write(req)  # never the source's

    async def attempt(source: CopySource, info: ObjectInfo) -> WriteResult:
        if directive == "COPY" and (source.bucket, source.key, source.account) == (
                bucket, key, req.account):
            raise errors.InvalidRequest(TO_ITSELF)
        check_copy_size(info.size)
        return await req.store.copy_object(
            req.account, bucket, key,
            CopySpec(source.bucket, info, new=replace, acl=object_acl,
                     source_account=source.account))

    return copy_result("CopyObjectResult", await pinned(req, attempt))
