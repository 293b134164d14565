"""PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy and GetBucketPolicyStatus.

The policy is validated (``gateway.policy.parse_policy``) and stored as sent,
under the bucket document ``policy``; GetBucketPolicy returns those bytes.
A public policy is refused while the bucket's BlockPublicPolicy is set. Who
may call these is the authorization point's decision, not this module's.

``x-amz-confirm-remove-self-bucket-access`` (a boolean) is accepted and changes
nothing: S3 asks for it before a policy that would deny its own caller the
policy operations, but here the bucket owner always keeps them
(``gateway.authz.decision.OWNER_ALWAYS``), so no policy can lock it out.
"""

from __future__ import annotations

from aiohttp import web

from gateway import errors
from gateway.authz.point import forget_bucket
from gateway.body import read_small_body
from gateway.handlers.common import xml_response
from gateway.handlers.delete_objects import require_digest_header, verify_digests
from gateway.policy import MAX_POLICY_BYTES, BucketPolicy, is_public, parse_policy
from gateway.policy import access_block
from gateway.policy.malformed import INVALID_JSON, TOO_LARGE, malformed
from gateway.s3request import S3Request
from gateway.xml import XMLWriter

DOCUMENT = "policy"
CONFIRM_REMOVE_SELF = "x-amz-confirm-remove-self-bucket-access"
# Read past S3's limit, so parse_policy words the refusal of a policy a little too large.
_BODY_LIMIT = 2 * MAX_POLICY_BYTES


def _decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed(INVALID_JSON) from None


async def put_bucket_policy(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    require_digest_header(req.http.headers)
    _check_confirm_remove_self(req)
    # Also NoSuchBucket before anything else, as S3.
    block = access_block.public_access_block(await req.store.get_bucket_document(
        req.account, req.bucket, access_block.DOCUMENT))
    try:
        body = await read_small_body(req, _BODY_LIMIT)
    except errors.MaxMessageLengthExceeded:
        raise malformed(TOO_LARGE) from None
    verify_digests(req.http.headers, body)
    policy = parse_policy(_decoded(body), req.bucket)
    if block.block_public_policy and is_public(policy):
        raise errors.AccessDenied("Access Denied: public policies are blocked by the "
                                  "BlockPublicPolicy block public access setting.")
    await req.store.put_bucket_document(req.account, req.bucket, DOCUMENT, body)
    forget_bucket(req, req.bucket)  # the authorization point reads it anew
    return web.Response(status=204)


def _check_confirm_remove_self(req: S3Request) -> None:
    """The header is a boolean; anything else is S3's InvalidArgument."""
    value = req.http.headers.get(CONFIRM_REMOVE_SELF)
    if value is not None and value.strip().lower() not in ("true", "false"):
        raise errors.InvalidArgument(ArgumentName=CONFIRM_REMOVE_SELF, ArgumentValue=value)


async def stored_policy(req: S3Request) -> bytes:
    """The bucket's policy as it was put; NoSuchBucketPolicy when it has none."""
    assert req.bucket is not None
    document = await req.store.get_bucket_document(req.account, req.bucket, DOCUMENT)
    if document is None:
        raise errors.NoSuchBucketPolicy(BucketName=req.bucket)
    return document


async def get_bucket_policy(req: S3Request) -> web.StreamResponse:
    return web.Response(body=await stored_policy(req), content_type="application/json")


async def delete_bucket_policy(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    await req.store.delete_bucket_document(req.account, req.bucket, DOCUMENT)
    forget_bucket(req, req.bucket)  # the authorization point reads it anew
    return web.Response(status=204)


def parsed_policy(document: bytes, bucket: str) -> BucketPolicy:
    """A stored policy, parsed (it was validated when put)."""
    return parse_policy(document.decode("utf-8"), bucket)


async def get_bucket_policy_status(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    policy = parsed_policy(await stored_policy(req), req.bucket)
    doc = XMLWriter("PolicyStatus").element("IsPublic", is_public(policy))
    return xml_response(doc)
