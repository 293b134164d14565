"""Which S3 operation a request is, and which handler serves it.

To find an S3 operation, look its name up in ``ROUTES`` (served) or
``NOT_IMPLEMENTED`` (named, refused). A row is keyed by resource level, method
and sub-resource; where one key holds several operations (PutObject and
CopyObject), a declarative condition on the request tells them apart, and the
first row whose condition holds wins. Routing sets ``S3Request.operation`` once,
so authorization, counting and logging can all go by the operation's name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from gateway import errors
from gateway.handlers import (
    acl, bucket, copy, delete_objects, listing, multipart, object_attributes, objects,
    part_copy, service, versioning)
from gateway.handlers import bucket_policy, ownership_controls, public_access_block
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

S3_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE", "POST"})


class Condition(Protocol):
    """What tells apart operations that share a level, method and sub-resource."""

    def holds(self, http: web.Request) -> bool: ...


@dataclass(frozen=True)
class HasHeader:
    """The request carries header ``name`` (e.g. ``x-amz-copy-source``: a copy)."""

    name: str

    def holds(self, http: web.Request) -> bool:
        return self.name in http.headers


@dataclass(frozen=True)
class HasQuery:
    """The query has parameter ``name``, equal to ``value`` unless that is None."""

    name: str
    value: str | None = None

    def holds(self, http: web.Request) -> bool:
        found = http.query.get(self.name)
        return found is not None and (self.value is None or found == self.value)


@dataclass(frozen=True)
class Route:
    """One S3 operation: where it is, its AWS name and the handler serving it."""

    level: str  # "service", "bucket" or "object"
    method: str
    subresource: str  # "" for the plain resource
    operation: str  # AWS's name of the operation
    handler: Handler
    when: Condition | None = None  # None: every request with this key

    @property
    def key(self) -> tuple[str, str, str]:
        return self.level, self.method, self.subresource

    def matches(self, http: web.Request) -> bool:
        return self.when is None or self.when.holds(http)


COPY_SOURCE = HasHeader("x-amz-copy-source")

ROUTES: tuple[Route, ...] = (
    Route("service", "GET", "", "ListBuckets", service.list_buckets),
    Route("bucket", "PUT", "", "CreateBucket", bucket.create_bucket),
    Route("bucket", "HEAD", "", "HeadBucket", bucket.head_bucket),
    Route("bucket", "DELETE", "", "DeleteBucket", bucket.delete_bucket),
    Route("bucket", "GET", "", "ListObjectsV2", listing.list_objects_v2,
          when=HasQuery("list-type", "2")),
    Route("bucket", "GET", "", "ListObjects", listing.list_objects),
    Route("bucket", "GET", "location", "GetBucketLocation", bucket.get_bucket_location),
    Route("bucket", "POST", "delete", "DeleteObjects", delete_objects.delete_objects),
    Route("bucket", "GET", "uploads", "ListMultipartUploads",
          multipart.list_multipart_uploads),
    Route("bucket", "GET", "versioning", "GetBucketVersioning",
          versioning.get_bucket_versioning),
    Route("bucket", "GET", "versions", "ListObjectVersions", versioning.list_object_versions),
    Route("bucket", "GET", "acl", "GetBucketAcl", acl.get_bucket_acl),
    Route("bucket", "PUT", "acl", "PutBucketAcl", acl.put_bucket_acl),
    Route("bucket", "PUT", "policy", "PutBucketPolicy", bucket_policy.put_bucket_policy),
    Route("bucket", "GET", "policy", "GetBucketPolicy", bucket_policy.get_bucket_policy),
    Route("bucket", "DELETE", "policy", "DeleteBucketPolicy",
          bucket_policy.delete_bucket_policy),
    Route("bucket", "GET", "policyStatus", "GetBucketPolicyStatus",
          bucket_policy.get_bucket_policy_status),
    Route("bucket", "PUT", "ownershipControls", "PutBucketOwnershipControls",
          ownership_controls.put_bucket_ownership_controls),
    Route("bucket", "GET", "ownershipControls", "GetBucketOwnershipControls",
          ownership_controls.get_bucket_ownership_controls),
    Route("bucket", "DELETE", "ownershipControls", "DeleteBucketOwnershipControls",
          ownership_controls.delete_bucket_ownership_controls),
    Route("bucket", "PUT", "publicAccessBlock", "PutPublicAccessBlock",
          public_access_block.put_public_access_block),
    Route("bucket", "GET", "publicAccessBlock", "GetPublicAccessBlock",
          public_access_block.get_public_access_block),
    Route("bucket", "DELETE", "publicAccessBlock", "DeletePublicAccessBlock",
          public_access_block.delete_public_access_block),
    Route("object", "PUT", "", "CopyObject", copy.copy_object, when=COPY_SOURCE),
    Route("object", "PUT", "", "PutObject", objects.put_object),
    Route("object", "GET", "", "GetObject", objects.get_object),
    Route("object", "HEAD", "", "HeadObject", objects.head_object),
    Route("object", "DELETE", "", "DeleteObject", objects.delete_object),
    Route("object", "GET", "acl", "GetObjectAcl", acl.get_object_acl),
    Route("object", "PUT", "acl", "PutObjectAcl", acl.put_object_acl),
    Route("object", "GET", "attributes", "GetObjectAttributes",
          object_attributes.get_object_attributes),
    Route("object", "POST", "uploads", "CreateMultipartUpload",
          multipart.create_multipart_upload),
    Route("object", "PUT", "uploadId", "UploadPartCopy", part_copy.upload_part_copy,
          when=COPY_SOURCE),
    Route("object", "PUT", "uploadId", "UploadPart", multipart.upload_part),
    Route("object", "POST", "uploadId", "CompleteMultipartUpload",
          multipart.complete_multipart_upload),
    Route("object", "DELETE", "uploadId", "AbortMultipartUpload",
          multipart.abort_multipart_upload),
    Route("object", "GET", "uploadId", "ListParts", multipart.list_parts),
)


async def not_implemented(req: S3Request) -> web.StreamResponse:
    """The handler of every S3 operation this gateway does not serve."""
    raise errors.S3NotImplemented(f"{req.operation} is not implemented")


def _unserved(level: str, method: str, sub: str, operation: str,
              when: Condition | None = None) -> Route:
    return Route(level, method, sub, operation, not_implemented, when)


_ID = HasQuery("id")  # a configuration by id, rather than the list of them

# S3 operations refused with NotImplemented, named for the error message and the log.
NOT_IMPLEMENTED: tuple[Route, ...] = (
    _unserved("bucket", "POST", "", "PostObject"),
    _unserved("bucket", "GET", "accelerate", "GetBucketAccelerateConfiguration"),
    _unserved("bucket", "PUT", "accelerate", "PutBucketAccelerateConfiguration"),
    _unserved("bucket", "GET", "analytics", "GetBucketAnalyticsConfiguration", _ID),
    _unserved("bucket", "GET", "analytics", "ListBucketAnalyticsConfigurations"),
    _unserved("bucket", "PUT", "analytics", "PutBucketAnalyticsConfiguration"),
    _unserved("bucket", "DELETE", "analytics", "DeleteBucketAnalyticsConfiguration"),
    _unserved("bucket", "GET", "cors", "GetBucketCors"),
    _unserved("bucket", "PUT", "cors", "PutBucketCors"),
    _unserved("bucket", "DELETE", "cors", "DeleteBucketCors"),
    _unserved("bucket", "GET", "encryption", "GetBucketEncryption"),
    _unserved("bucket", "PUT", "encryption", "PutBucketEncryption"),
    _unserved("bucket", "DELETE", "encryption", "DeleteBucketEncryption"),
    _unserved("bucket", "GET", "intelligent-tiering",
              "GetBucketIntelligentTieringConfiguration", _ID),
    _unserved("bucket", "GET", "intelligent-tiering",
              "ListBucketIntelligentTieringConfigurations"),
    _unserved("bucket", "PUT", "intelligent-tiering",
              "PutBucketIntelligentTieringConfiguration"),
    _unserved("bucket", "DELETE", "intelligent-tiering",
              "DeleteBucketIntelligentTieringConfiguration"),
    _unserved("bucket", "GET", "inventory", "GetBucketInventoryConfiguration", _ID),
    _unserved("bucket", "GET", "inventory", "ListBucketInventoryConfigurations"),
    _unserved("bucket", "PUT", "inventory", "PutBucketInventoryConfiguration"),
    _unserved("bucket", "DELETE", "inventory", "DeleteBucketInventoryConfiguration"),
    _unserved("bucket", "GET", "lifecycle", "GetBucketLifecycleConfiguration"),
    _unserved("bucket", "PUT", "lifecycle", "PutBucketLifecycleConfiguration"),
    _unserved("bucket", "DELETE", "lifecycle", "DeleteBucketLifecycle"),
    _unserved("bucket", "GET", "logging", "GetBucketLogging"),
    _unserved("bucket", "PUT", "logging", "PutBucketLogging"),
    _unserved("bucket", "GET", "metadataConfiguration", "GetBucketMetadataConfiguration"),
    _unserved("bucket", "POST", "metadataConfiguration",
              "CreateBucketMetadataConfiguration"),
    _unserved("bucket", "DELETE", "metadataConfiguration",
              "DeleteBucketMetadataConfiguration"),
    _unserved("bucket", "GET", "metadataTable", "GetBucketMetadataTableConfiguration"),
    _unserved("bucket", "POST", "metadataTable", "CreateBucketMetadataTableConfiguration"),
    _unserved("bucket", "DELETE", "metadataTable", "DeleteBucketMetadataTableConfiguration"),
    _unserved("bucket", "GET", "metrics", "GetBucketMetricsConfiguration", _ID),
    _unserved("bucket", "GET", "metrics", "ListBucketMetricsConfigurations"),
    _unserved("bucket", "PUT", "metrics", "PutBucketMetricsConfiguration"),
    _unserved("bucket", "DELETE", "metrics", "DeleteBucketMetricsConfiguration"),
    _unserved("bucket", "GET", "notification", "GetBucketNotificationConfiguration"),
    _unserved("bucket", "PUT", "notification", "PutBucketNotificationConfiguration"),
    _unserved("bucket", "GET", "object-lock", "GetObjectLockConfiguration"),
    _unserved("bucket", "PUT", "object-lock", "PutObjectLockConfiguration"),
    _unserved("bucket", "GET", "replication", "GetBucketReplication"),
    _unserved("bucket", "PUT", "replication", "PutBucketReplication"),
    _unserved("bucket", "DELETE", "replication", "DeleteBucketReplication"),
    _unserved("bucket", "GET", "requestPayment", "GetBucketRequestPayment"),
    _unserved("bucket", "PUT", "requestPayment", "PutBucketRequestPayment"),
    _unserved("bucket", "GET", "session", "CreateSession"),
    _unserved("bucket", "GET", "tagging", "GetBucketTagging"),
    _unserved("bucket", "PUT", "tagging", "PutBucketTagging"),
    _unserved("bucket", "DELETE", "tagging", "DeleteBucketTagging"),
    _unserved("bucket", "PUT", "versioning", "PutBucketVersioning"),
    _unserved("bucket", "GET", "website", "GetBucketWebsite"),
    _unserved("bucket", "PUT", "website", "PutBucketWebsite"),
    _unserved("bucket", "DELETE", "website", "DeleteBucketWebsite"),
    _unserved("object", "GET", "legal-hold", "GetObjectLegalHold"),
    _unserved("object", "PUT", "legal-hold", "PutObjectLegalHold"),
    _unserved("object", "POST", "restore", "RestoreObject"),
    _unserved("object", "GET", "retention", "GetObjectRetention"),
    _unserved("object", "PUT", "retention", "PutObjectRetention"),
    _unserved("object", "POST", "select", "SelectObjectContent"),
    _unserved("object", "GET", "tagging", "GetObjectTagging"),
    _unserved("object", "PUT", "tagging", "PutObjectTagging"),
    _unserved("object", "DELETE", "tagging", "DeleteObjectTagging"),
    _unserved("object", "GET", "torrent", "GetObjectTorrent"),
)


def _by_key(routes: tuple[Route, ...]) -> dict[tuple[str, str, str], tuple[Route, ...]]:
    """Rows grouped by key, in table order (conditional rows come first in the table)."""
    table: dict[tuple[str, str, str], tuple[Route, ...]] = {}
    for route in routes:
        table[route.key] = table.get(route.key, ()) + (route,)
    return table


_ROUTES_BY_KEY = _by_key(ROUTES + NOT_IMPLEMENTED)


def subresource_of(query: web.Request) -> str:
    for name in query.query:
        if name in SUBRESOURCES and name not in QUALIFIERS:
            return name
    return ""


def level_of(req: S3Request) -> str:
    return "object" if req.key is not None else "bucket" if req.bucket else "service"


def find_route(level: str, method: str, sub: str, http: web.Request) -> Route | None:
    """The first row for this key whose condition holds for ``http``."""
    for route in _ROUTES_BY_KEY.get((level, method, sub), ()):
        if route.matches(http):
            return route
    return None


def _check_version_id(req: S3Request) -> None:
    """Every bucket is unversioned for now: only the ``null`` version exists, as on S3."""
    version = req.query.get("versionId")
    if version is not None and version != "null":
        raise errors.InvalidArgument("Invalid version id specified",
                                     ArgumentName="versionId", ArgumentValue=version)


def select_handler(req: S3Request) -> Handler:
    """Name ``req``'s operation (``req.operation``) and return its handler, or raise
    the S3 error a request that is no S3 operation deserves."""
    _check_version_id(req)
    method = req.http.method
    level = level_of(req)
    sub = subresource_of(req.http)
    route = find_route(level, method, sub, req.http)
    if route is not None:
        req.operation = route.operation
        refuse_unsupported(req)  # before the handler stores anything
        return route.handler
    if method not in S3_METHODS or (level == "service" and not sub):
        raise errors.MethodNotAllowed(Method=method, ResourceType=level.upper())
    req.operation = _unserved_operation(level, sub)
    raise errors.S3NotImplemented(_refusal(req.operation, method, level, sub))


def _unserved_operation(level: str, sub: str) -> str:
    """The one unserved operation of this sub-resource (``GET ?select`` is a request
    for SelectObjectContent by another method), or "" when there is none or several."""
    names = {route.operation for route in NOT_IMPLEMENTED
             if route.level == level and route.subresource == sub and sub}
    return names.pop() if len(names) == 1 else ""


def _refusal(operation: str, method: str, level: str, sub: str) -> str:
    """The message of a 501 for a request no row serves: the operation's name if it
    has one, else the request described (never the unsupported-header text)."""
    if operation:
        return f"{operation} is not implemented"
    article = "an" if level == "object" else "the" if level == "service" else "a"
    target = f"the {sub} sub-resource of {article} {level}" if sub else f"{article} {level}"
    return f"{method} on {target} is not implemented"
