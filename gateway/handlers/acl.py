"""GetBucketAcl and GetObjectAcl: the owner's FULL_CONTROL, as Swift's s3api answers.

The gateway keeps no ACLs: every bucket and object of an account belongs to
the key's owner alone, which is exactly a private canned ACL. Tools that read
ACLs before acting (s3cmd info, rclone, SDK sync helpers) get that answer
instead of NotImplemented. Setting ACLs stays unsupported.
"""

from __future__ import annotations

from aiohttp import web

from gateway.handlers.common import owner_xml, xml_response
from gateway.handlers.objects import require_bucket
from gateway.s3request import S3Request
from gateway.xml import XMLWriter

_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def owner_full_control(owner_id: str) -> XMLWriter:
    doc = XMLWriter("AccessControlPolicy")
    owner_xml(doc, owner_id)
    doc.start("AccessControlList").start("Grant")
    doc.start(f'Grantee xmlns:xsi="{_XSI}" xsi:type="CanonicalUser"')
    doc.element("ID", owner_id).element("DisplayName", owner_id).end("Grantee")
    doc.element("Permission", "FULL_CONTROL").end("Grant").end("AccessControlList")
    return doc


async def get_bucket_acl(req: S3Request) -> web.StreamResponse:
    await require_bucket(req)
    return xml_response(owner_full_control(req.owner_id))


async def get_object_acl(req: S3Request) -> web.StreamResponse:
    assert req.bucket is not None and req.key is not None
    await req.store.head_object(req.account, req.bucket, req.key)
    return xml_response(owner_full_control(req.owner_id))
