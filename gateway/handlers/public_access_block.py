"""PutPublicAccessBlock, GetPublicAccessBlock and DeletePublicAccessBlock.

The four flags are stored as the bucket document ``public-access-block``
(``gateway.policy.access_block``). PutBucketPolicy honours BlockPublicPolicy;
the other three act in the authorization point (ACLs and anonymous access).
"""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.authz.point import forget_bucket
from gateway.body import read_small_body
from gateway.handlers.common import xml_response
from gateway.handlers.delete_objects import require_digest_header, verify_digests
from gateway.policy import access_block
from gateway.s3request import S3Request
from gateway.xml import XMLWriter, parse


async def put_public_access_block(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    require_digest_header(req.http.headers)
    body = await read_small_body(req, 64 * 1024)
    verify_digests(req.http.headers, body)
    root = parse(body, "PublicAccessBlockConfiguration")
    if len(root) == 0:
        raise errors.InvalidRequest("Must specify at least one configuration.")
    flags = {name: (root.findtext(name) or "").strip() == "true"
             for name in access_block.FLAG_NAMES}
    block = access_block.PublicAccessBlock.from_names(flags)
    await req.store.put_bucket_document(req.account, req.bucket, access_block.DOCUMENT,
                                        block.to_document())
    forget_bucket(req, req.bucket)  # the authorization point reads it anew
    return web.Response(status=200)


async def get_public_access_block(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    block = access_block.stored_access_block(await req.store.get_bucket_document(
        req.account, req.bucket, access_block.DOCUMENT))
    if block is None:
        raise errors.NoSuchPublicAccessBlockConfiguration(BucketName=req.bucket)
    doc = XMLWriter("PublicAccessBlockConfiguration")
    for name, value in block.by_name().items():
        doc.element(name, value)
    return xml_response(doc)


async def delete_public_access_block(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    await req.store.delete_bucket_document(req.account, req.bucket, access_block.DOCUMENT)
    forget_bucket(req, req.bucket)  # the authorization point reads it anew
    return web.Response(status=204)
