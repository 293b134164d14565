"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation."""

from __future__ import annotations

import ipaddress
import re

from aiohttp import web

from gateway import errors
from gateway.authz.acl import private
from gateway.authz.acl_input import acl_of_headers
from gateway.authz.cache import ACL_DOCUMENT
from gateway.authz.point import forget_bucket, remember_bucket
from gateway.body import read_small_body
from gateway.policy import ownership
from gateway.handlers.common import xml_response
from gateway.s3request import S3Request
from gateway.storage import errors as store
from gateway.xml import XMLWriter, parse

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Region names S3 knows; a LocationConstraint naming another one of them is
# "illegal" at this endpoint, anything else is "invalid".
AWS_REGIONS = frozenset("""
us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1 ap-south-1 ap-south-2
ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-northeast-1
ap-northeast-2 ap-northeast-3 ca-central-1 ca-west-1 cn-north-1 cn-northwest-1
eu-central-1 eu-central-2 eu-west-1 eu-west-2 eu-west-3 eu-south-1 eu-south-2
eu-north-1 il-central-1 me-south-1 me-central-1 sa-east-1 us-gov-east-1
us-gov-west-1 EU
""".split())

# The one region where re-creating a bucket you own answers 200.
LEGACY_REGION = "us-east-1"


def validate_bucket_name(name: str) -> None:
    """S3's naming rules for new buckets (general purpose buckets)."""
    valid = (
        _BUCKET_NAME.match(name) is not None
        and ".." not in name and ".-" not in name and "-." not in name
        and not name.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        and not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))
    )
    if valid:
        try:
            ipaddress.IPv4Address(name)
            valid = False
        except ValueError:
            pass
    if not valid:
        raise errors.InvalidBucketName(BucketName=name)


def _check_location(req: S3Request, body: bytes) -> None:
    if not body.strip():
        return
    root = parse(body, "CreateBucketConfiguration")
    location = (root.findtext("LocationConstraint") or "").strip()
    region = req.config.server.region
    if not location or location == region:
        return
    if location in AWS_REGIONS:
        raise errors.IllegalLocationConstraintException(
            f"The {location} location constraint is incompatible for the region "
            "specific endpoint this request was sent to.")
    raise errors.InvalidLocationConstraint(LocationConstraint=location)


async def create_bucket(req: S3Request) -> web.StreamResponse:
    """The name is claimed in the registry first (one owner gateway-wide: another
    account's name is BucketAlreadyExists), then the bucket is made in the
    caller's account; a container the account already had is adopted."""
    assert req.bucket is not None
    validate_bucket_name(req.bucket)
    _check_location(req, await read_small_body(req))
    account = req.caller_account
    acl = acl_of_headers(req.http.headers, req.caller)  # refused before anything is made
    if acl == private(req.caller):
        acl = None
    mode = req.http.headers.get("x-amz-object-ownership")  # checked: unsupported_headers
    effective = mode or req.config.buckets.default_object_ownership
    if acl is not None and effective == ownership.BUCKET_OWNER_ENFORCED:
        raise errors.InvalidBucketAclWithObjectOwnership()
    try:
        owner = await req.store.create_registered_bucket(account, req.bucket)
    except store.BucketAlreadyOwned:
        # S3's legacy rule in us-east-1: re-creating your own bucket succeeds and
        # leaves it as it is; every other region answers BucketAlreadyOwnedByYou.
        if req.config.server.region != LEGACY_REGION:
            raise
        return _created(req.bucket)
    finally:
        forget_bucket(req, req.bucket)
    if owner != account:
        raise errors.BucketAlreadyExists(BucketName=req.bucket)
    if acl is not None:
        await req.store.put_bucket_document(account, req.bucket, ACL_DOCUMENT, acl.to_bytes())
    if mode is not None:
        await req.store.put_bucket_document(account, req.bucket, ownership.DOCUMENT,
                                            ownership.ownership_document(mode))
    remember_bucket(req, req.bucket, account, acl, mode)
    return _created(req.bucket)


def _created(bucket: str) -> web.Response:
    return web.Response(status=200, headers={"Location": f"/{bucket}"})


async def head_bucket(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    await req.store.head_bucket(req.account, req.bucket)
    return web.Response(status=200, headers={
        "x-amz-bucket-region": req.config.server.region,
        "x-amz-access-point-alias": "false",
    })


async def delete_bucket(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    # With its uploads in progress and documents; the name is free again.
    await req.store.delete_registered_bucket(req.account, req.bucket)
    forget_bucket(req, req.bucket)
    return web.Response(status=204)


async def get_bucket_location(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None
    await req.store.head_bucket(req.account, req.bucket)
    region = req.config.server.region
    doc = XMLWriter("LocationConstraint")
    # S3 answers an empty constraint for its original region.
    if region != "us-east-1":
        doc.text(region)
    return xml_response(doc)
