"""PutBucketOwnershipControls, GetBucketOwnershipControls, DeleteBucketOwnershipControls.

The mode is stored as the bucket document ``ownership``
(``gateway.policy.ownership``); enforcing it (objects' owners, ACLs disabled
under BucketOwnerEnforced) is the authorization point's part.
"""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.authz.point import forget_bucket
from gateway.body import read_small_body
from gateway.handlers.common import xml_response
from gateway.handlers.delete_objects import require_digest_header, verify_digests
from gateway.policy import ownership
from gateway.s3request import S3Request
from gateway.xml import XMLWriter, parse


async def put_bucket_ownership_controls(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    require_digest_header(req.http.headers)
    body = await read_small_body(req, 64 * 1024)
    verify_digests(req.http.headers, body)
    mode = (parse(body, "OwnershipControls").findtext("Rule/ObjectOwnership") or "").strip()
    await req.store.put_bucket_document(req.account, req.bucket, ownership.DOCUMENT,
                                        ownership.ownership_document(mode))
    forget_bucket(req, req.bucket)  # the authorization point reads it anew
    return web.Response(status=200)


async def get_bucket_ownership_controls(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    mode = ownership.stored_ownership(await req.store.get_bucket_document(
        req.account, req.bucket, ownership.DOCUMENT))
    if mode is None:
        raise errors.OwnershipControlsNotFoundError(BucketName=req.bucket)
    doc = XMLWriter("OwnershipControls").start("Rule").element("ObjectOwnership", mode)
    return xml_response(doc.end("Rule"))


async def delete_bucket_ownership_controls(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    await req.store.delete_bucket_document(req.account, req.bucket, ownership.DOCUMENT)
    forget_bucket(req, req.bucket)  # the authorization point reads it anew
    return web.Response(status=204)
