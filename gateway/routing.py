"""Which handler serves a request: a table keyed by resource level, method and sub-resource.

To find an S3 operation, look it up in ``OPERATIONS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway import errors
from gateway.handlers import (
    acl, bucket, delete_objects, listing, multipart, object_writes, objects, service,
    versioning)
from gateway.handlers.unsupported_headers import refuse_unsupported
from gateway.s3request import S3Request

Handler = Callable[[S3Request], Awaitable[web.StreamResponse]]

# Query parameters that name an S3 sub-resource (and so a different operation).
SUBRESOURCES = frozenset("""
accelerate acl analytics attributes cors delete encryption intelligent-tiering inventory
legal-hold lifecycle location logging metadataConfiguration metadataTable metrics
notification object-lock ownershipControls partNumber policy policyStatus
publicAccessBlock replication requestPayment restore retention select session tagging
torrent uploadId uploads versionId versioning versions website
""".split())

# Sub-resources that only qualify the plain operation (GET ?versionId=, GET ?partNumber=)
# are resolved by the handler, not here.
QUALIFIERS = frozenset({"versionId", "partNumber"})

OPERATIONS: dict[tuple[str, str, str], Handler] = {
    # level, method, sub-resource
    ("service", "GET", ""): service.list_buckets,
    ("bucket", "PUT", ""): bucket.create_bucket,
    ("bucket", "HEAD", ""): bucket.head_bucket,
    ("bucket", "DELETE", ""): bucket.delete_bucket,
    ("bucket", "GET", ""): listing.list_objects,
    ("bucket", "GET", "location"): bucket.get_bucket_location,
    ("bucket", "POST", "delete"): delete_objects.delete_objects,
    ("bucket", "GET", "uploads"): multipart.list_multipart_uploads,
    ("bucket", "GET", "versioning"): versioning.get_bucket_versioning,
    ("bucket", "GET", "versions"): versioning.list_object_versions,
    ("bucket", "GET", "acl"): acl.get_bucket_acl,
    ("object", "PUT", ""): object_writes.put_or_copy_object,
    ("object", "POST", "uploads"): multipart.create_multipart_upload,
    ("object", "PUT", "uploadId"): object_writes.upload_part_or_copy,
    ("object", "POST", "uploadId"): multipart.complete_multipart_upload,
    ("object", "DELETE", "uploadId"): multipart.abort_multipart_upload,
    ("object", "GET", "uploadId"): multipart.list_parts,
    ("object", "GET", ""): objects.get_object,
    ("object", "HEAD", ""): objects.head_object,
    ("object", "DELETE", ""): objects.delete_object,
    ("object", "GET", "acl"): acl.get_object_acl,
}

S3_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE", "POST"})


def subresource_of(query: web.Request) -> str:
    for name in query.query:
        if name in SUBRESOURCES and name not in QUALIFIERS:
            return name
    return ""


def _check_version_id(req: S3Request) -> None:
    """Every bucket is unversioned for now: only the ``null`` version exists, as on S3."""
    version = req.query.get("versionId")
    if version is not None and version != "null":
        raise errors.InvalidArgument("Invalid version id specified",
                                     ArgumentName="versionId", ArgumentValue=version)


def select_handler(req: S3Request) -> Handler:
    """The handler for ``req``, or the S3 error an unsupported request deserves."""
    _check_version_id(req)
    method = req.http.method
    level = "object" if req.key is not None else "bucket" if req.bucket else "service"
    sub = subresource_of(req.http)
    handler = OPERATIONS.get((level, method, sub))
    if handler is not None:
        refuse_unsupported(req, level, method, sub)  # before the handler stores anything
        return handler
    if method not in S3_METHODS or (level == "service" and not sub):
        raise errors.MethodNotAllowed(Method=method, ResourceType=level.upper())
    raise errors.S3NotImplemented()
