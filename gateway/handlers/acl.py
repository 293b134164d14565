"""Get/PutBucketAcl, Get/PutObjectAcl, and the ACL a write gives its object.

A bucket's ACL is its ``acl`` bucket document (absent: private to its owner);
an object's rides in its metadata (``ObjectInfo.acl``; absent: private to the
bucket's owner, who then owns the object). Who may call these is decided by
the authorization point (``gateway.authz.point``): READ_ACP/WRITE_ACP, and the
bucket owner always for its bucket.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from gateway import errors
from gateway.authz.acl import Acl, Owner, private
from gateway.authz.acl_input import acl_of_headers, acl_of_xml, acl_xml, has_acl_headers
from gateway.authz.cache import ACL_DOCUMENT
from gateway.authz.point import check_object, forget_bucket
from gateway.body import read_small_body
from gateway.handlers.common import xml_response
from gateway.policy.ownership import BUCKET_OWNER_ENFORCED, BUCKET_OWNER_PREFERRED, OBJECT_WRITER
from gateway.s3request import S3Request, owner_of
from gateway.storage.records import NewObject

MAX_ACL_BODY = 64 * 1024


async def get_bucket_acl(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    await req.store.head_bucket(req.account, req.bucket)
    acl = req.access.bucket_acl if req.access is not None else None
    return xml_response(acl_xml(acl or private(req.owner)))


async def put_bucket_acl(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    acl = await _requested_acl(req, req.owner, None)
    _check_acl_write(req, acl, req.owner)
    await req.store.put_bucket_document(req.account, req.bucket, ACL_DOCUMENT, acl.to_bytes())
    await register_name(req)
    forget_bucket(req, req.bucket)
    return web.Response(status=200)


async def register_name(req: S3Request) -> None:
    """Adopt an unregistered bucket (a container made through Swift) into the
    registry for its account; AccessDenied if another account took the name."""
    assert req.bucket is not None
    if req.access is None or req.access.registered:
        return
    if await req.store.claim_bucket_name(req.bucket, req.account) != req.account:
        forget_bucket(req, req.bucket)
        raise errors.AccessDenied()


async def get_object_acl(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    info = await req.store.head_object(req.account, req.bucket, req.key)
    check_object(req, info)
    return xml_response(acl_xml(Acl.from_bytes(info.acl) if info.acl else private(req.owner)))


async def put_object_acl(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    info = await req.store.head_object(req.account, req.bucket, req.key)
    check_object(req, info)
    owner = Acl.from_bytes(info.acl).owner if info.acl else req.owner
    acl = await _requested_acl(req, owner, req.owner)
    _check_acl_write(req, acl, owner)
    await req.store.put_object_acl(req.account, req.bucket, req.key, info,
                                   None if acl == private(req.owner) else acl.to_bytes())
    return web.Response(status=200)


async def _requested_acl(req: S3Request, owner: Owner, bucket_owner: Owner | None) -> Acl:
    """Put*Acl's ACL: from headers or from an ``AccessControlPolicy`` body, not both."""
    body = await read_small_body(req, MAX_ACL_BODY)
    headers = req.http.headers
    if has_acl_headers(headers):
        if body.strip():
            raise errors.UnexpectedContent()
        acl = acl_of_headers(headers, owner, bucket_owner)
        assert acl is not None
        return acl
    if not body.strip():
        raise errors.MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    return acl_of_xml(body, owner)


def with_object_acl(req: S3Request, new: NewObject) -> NewObject:
    """``new`` with the ACL the write gives its object (``x-amz-acl``, grants)."""
    return replace(new, acl=object_acl_of_write(req))


def object_acl_of_write(req: S3Request) -> bytes | None:
    """The stored ACL of an object this request writes, owned by
    ``object_writer_account``; ``None`` when that is the default, private to the
    bucket's owner, so most objects carry nothing."""
    bucket_owner = req.owner
    headers = req.http.headers
    if _ownership(req) == BUCKET_OWNER_ENFORCED:
        if has_acl_headers(headers) and headers.get("x-amz-acl") != "bucket-owner-full-control":
            raise errors.AccessControlListNotSupported()
        return None
    writer = owner_of(object_writer_account(req))
    acl = acl_of_headers(headers, writer, bucket_owner) or private(writer)
    if _bucket_owner_takes(req):
        acl = private(bucket_owner)
    _check_acl_write(req, acl, writer)
    return None if acl == private(bucket_owner) else acl.to_bytes()


def object_writer_account(req: S3Request) -> str:
    """The account that owns an object this request writes: the writer, but the
    bucket's owner for an anonymous writer, under BucketOwnerEnforced, and under
    BucketOwnerPreferred with ``bucket-owner-full-control``."""
    if req.principal.is_anonymous or _ownership(req) == BUCKET_OWNER_ENFORCED \
            or _bucket_owner_takes(req):
        return req.account
    return req.caller_account


def _ownership(req: S3Request) -> str:
    return req.access.ownership if req.access is not None else OBJECT_WRITER


def _bucket_owner_takes(req: S3Request) -> bool:
    return _ownership(req) == BUCKET_OWNER_PREFERRED \
        and req.http.headers.get("x-amz-acl") == "bucket-owner-full-control"


def _check_acl_write(req: S3Request, acl: Acl, owner: Owner) -> None:
    """ACLs under the bucket's ownership controls and public access block: with
    BucketOwnerEnforced only the owner's full control may be set
    (``AccessControlListNotSupported``); BlockPublicAcls refuses public grants."""
    access = req.access
    if access is None:
        return
    if not access.acls_apply and acl != private(owner):
        raise errors.AccessControlListNotSupported()
    if access.block.block_public_acls and acl.is_public:
        raise errors.AccessDenied()
