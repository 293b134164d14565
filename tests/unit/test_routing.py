"""The routing table: every row's operation name, its conditions, and what routing sets."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from gateway import errors
from gateway.handlers import copy, listing, multipart, objects, part_copy
from gateway.middlewares import _error_response
from gateway.routing import (
    NOT_IMPLEMENTED, ROUTES, HasHeader, HasQuery, find_route, not_implemented, select_handler)
from gateway.s3request import S3_REQUEST, S3Request

COPY = {"x-amz-copy-source": "/src/key"}

# Every served operation, by the request that reaches it.
SERVED = [
    ("service", "GET", "", "", {}, "ListBuckets"),
    ("bucket", "PUT", "", "", {}, "CreateBucket"),
    ("bucket", "HEAD", "", "", {}, "HeadBucket"),
    ("bucket", "DELETE", "", "", {}, "DeleteBucket"),
    ("bucket", "GET", "", "", {}, "ListObjects"),
    ("bucket", "GET", "", "list-type=2", {}, "ListObjectsV2"),
    ("bucket", "GET", "", "list-type=3", {}, "ListObjects"),
    ("bucket", "GET", "location", "location", {}, "GetBucketLocation"),
    ("bucket", "POST", "delete", "delete", {}, "DeleteObjects"),
    ("bucket", "GET", "uploads", "uploads", {}, "ListMultipartUploads"),
    ("bucket", "GET", "versioning", "versioning", {}, "GetBucketVersioning"),
    ("bucket", "GET", "versions", "versions", {}, "ListObjectVersions"),
    ("bucket", "GET", "acl", "acl", {}, "GetBucketAcl"),
    ("bucket", "PUT", "acl", "acl", {}, "PutBucketAcl"),
    ("object", "PUT", "", "", {}, "PutObject"),
    ("object", "PUT", "", "", COPY, "CopyObject"),
    ("object", "GET", "", "", {}, "GetObject"),
    ("object", "HEAD", "", "", {}, "HeadObject"),
    ("object", "DELETE", "", "", {}, "DeleteObject"),
    ("object", "GET", "acl", "acl", {}, "GetObjectAcl"),
    ("object", "PUT", "acl", "acl", {}, "PutObjectAcl"),
    ("object", "GET", "attributes", "attributes", {}, "GetObjectAttributes"),
    ("object", "POST", "uploads", "uploads", {}, "CreateMultipartUpload"),
    ("object", "PUT", "uploadId", "uploadId=u&partNumber=1", {}, "UploadPart"),
    ("object", "PUT", "uploadId", "uploadId=u&partNumber=1", COPY, "UploadPartCopy"),
    ("object", "POST", "uploadId", "uploadId=u", {}, "CompleteMultipartUpload"),
    ("object", "DELETE", "uploadId", "uploadId=u", {}, "AbortMultipartUpload"),
    ("object", "GET", "uploadId", "uploadId=u", {}, "ListParts"),
    ("bucket", "PUT", "policy", "policy", {}, "PutBucketPolicy"),
    ("bucket", "GET", "policy", "policy", {}, "GetBucketPolicy"),
    ("bucket", "DELETE", "policy", "policy", {}, "DeleteBucketPolicy"),
    ("bucket", "GET", "policyStatus", "policyStatus", {}, "GetBucketPolicyStatus"),
    ("bucket", "PUT", "ownershipControls", "ownershipControls", {},
     "PutBucketOwnershipControls"),
    ("bucket", "GET", "ownershipControls", "ownershipControls", {},
     "GetBucketOwnershipControls"),
    ("bucket", "DELETE", "ownershipControls", "ownershipControls", {},
     "DeleteBucketOwnershipControls"),
    ("bucket", "PUT", "publicAccessBlock", "publicAccessBlock", {}, "PutPublicAccessBlock"),
    ("bucket", "GET", "publicAccessBlock", "publicAccessBlock", {}, "GetPublicAccessBlock"),
    ("bucket", "DELETE", "publicAccessBlock", "publicAccessBlock", {},
     "DeletePublicAccessBlock"),
]


def http(method: str, query: str = "", headers: dict[str, str] | None = None) -> web.Request:
    path = "/b/k" + (f"?{query}" if query else "")
    return make_mocked_request(method, path, headers=CIMultiDict(headers or {}))


def s3_request(method: str, bucket: str | None, key: str | None, query: str = "",
               headers: dict[str, str] | None = None) -> S3Request:
    return S3Request(http=http(method, query, headers), request_id="r", bucket=bucket,
                     key=key, auth=None, config=None, store=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("level", "method", "sub", "query", "headers", "operation"), SERVED)
def test_every_served_row_is_named(level: str, method: str, sub: str, query: str,
                                   headers: dict[str, str], operation: str) -> None:
    route = find_route(level, method, sub, http(method, query, headers))
    assert route is not None and route.operation == operation
    assert route.handler is not not_implemented


def test_the_table_serves_exactly_the_listed_operations() -> None:
    assert {route.operation for route in ROUTES} == {row[-1] for row in SERVED}


def test_choices_are_made_by_routing() -> None:
    assert find_route("object", "PUT", "", http("PUT", "", COPY)).handler is copy.copy_object
    assert find_route("object", "PUT", "", http("PUT")).handler is objects.put_object
    part = "uploadId=u&partNumber=1"
    assert find_route("object", "PUT", "uploadId",
                      http("PUT", part, COPY)).handler is part_copy.upload_part_copy
    assert find_route("object", "PUT", "uploadId", http("PUT", part)).handler is \
        multipart.upload_part
    assert find_route("bucket", "GET", "", http("GET", "list-type=2")).handler is \
        listing.list_objects_v2
    assert find_route("bucket", "GET", "", http("GET")).handler is listing.list_objects


def test_conditions() -> None:
    copy_source = HasHeader("x-amz-copy-source")
    assert copy_source.holds(http("PUT", "", {"X-Amz-Copy-Source": "/a/b"}))
    assert not copy_source.holds(http("PUT", "", {"x-amz-copy-source-range": "bytes=0-1"}))
    v2 = HasQuery("list-type", "2")
    assert v2.holds(http("GET", "list-type=2"))
    assert not v2.holds(http("GET", "list-type=1"))
    assert not v2.holds(http("GET", "prefix=2"))
    by_id = HasQuery("id")
    assert by_id.holds(http("GET", "analytics&id=x")) and by_id.holds(http("GET", "id="))
    assert not by_id.holds(http("GET", "analytics"))


def test_no_row_is_unreachable_and_names_are_unique() -> None:
    rows = ROUTES + NOT_IMPLEMENTED
    names = [route.operation for route in rows]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"(?:[A-Z][a-z0-9]*)+", name) for name in names), names
    for index, route in enumerate(rows):
        if route.when is None:  # an unconditional row ends its key: nothing after it
            assert not [later for later in rows[index + 1:] if later.key == route.key], route


@pytest.mark.parametrize(("level", "method", "query", "operation"), [
    ("bucket", "GET", "tagging", "GetBucketTagging"),
    ("object", "GET", "tagging", "GetObjectTagging"),
    ("bucket", "PUT", "cors", "PutBucketCors"),
    ("object", "GET", "torrent", "GetObjectTorrent"),
    ("object", "POST", "select&select-type=2", "SelectObjectContent"),
    ("object", "POST", "restore", "RestoreObject"),
    ("bucket", "PUT", "versioning", "PutBucketVersioning"),
    ("bucket", "GET", "analytics", "ListBucketAnalyticsConfigurations"),
    ("bucket", "GET", "analytics&id=a", "GetBucketAnalyticsConfiguration"),
    ("bucket", "DELETE", "lifecycle", "DeleteBucketLifecycle"),
])
def test_unsupported_operations_are_named(level: str, method: str, query: str,
                                          operation: str) -> None:
    request = s3_request(method, "b", "k" if level == "object" else None, query)
    handler = select_handler(request)
    assert handler is not_implemented and request.operation == operation


async def test_an_unsupported_operation_is_refused_by_name() -> None:
    request = s3_request("GET", "b", None, "tagging")
    with pytest.raises(errors.S3NotImplemented) as refused:
        await select_handler(request)(request)
    assert refused.value.detail == "GetBucketTagging is not implemented"
    assert (refused.value.code, refused.value.status) == ("NotImplemented", 501)


def test_select_names_the_request() -> None:
    request = s3_request("PUT", "b", "k", "", COPY)
    assert select_handler(request) is copy.copy_object
    assert request.operation == "CopyObject"


def test_header_rules_follow_the_routed_operation() -> None:
    # x-amz-tagging-directive concerns CopyObject only: PutObject ignores it.
    bad = {"x-amz-tagging-directive": "SOMETIMES"}
    assert select_handler(s3_request("PUT", "b", "k", "", bad)) is objects.put_object
    with pytest.raises(errors.InvalidArgument):
        select_handler(s3_request("PUT", "b", "k", "", {**COPY, **bad}))


@pytest.mark.parametrize(("method", "query", "operation"), [
    ("GET", "select", "SelectObjectContent"),
    ("GET", "restore", "RestoreObject"),
    ("DELETE", "torrent", "GetObjectTorrent"),
])
def test_other_methods_of_an_unserved_subresource_are_named(method: str, query: str,
                                                            operation: str) -> None:
    request = s3_request(method, "b", "k", query)
    with pytest.raises(errors.S3NotImplemented) as refused:
        select_handler(request)
    assert request.operation == operation
    assert refused.value.detail == f"{operation} is not implemented"


def test_requests_that_are_no_operation() -> None:
    unnamed = s3_request("POST", "b", "k")
    with pytest.raises(errors.S3NotImplemented) as refused:
        select_handler(unnamed)
    assert unnamed.operation == ""
    assert refused.value.detail == "POST on an object is not implemented"
    wrong_method = s3_request("DELETE", "b", None, "location")
    with pytest.raises(errors.S3NotImplemented) as refused:
        select_handler(wrong_method)
    assert refused.value.detail == \
        "DELETE on the location sub-resource of a bucket is not implemented"
    with pytest.raises(errors.MethodNotAllowed):
        select_handler(s3_request("PUT", None, None))
    with pytest.raises(errors.MethodNotAllowed):
        select_handler(s3_request("PATCH", "b", "k"))


def test_the_5xx_log_line_names_the_operation(caplog: pytest.LogCaptureFixture) -> None:
    request = s3_request("GET", "b", None, "tagging")
    select_handler(request)
    request.http[S3_REQUEST] = request
    with caplog.at_level(logging.WARNING, logger="gateway"):
        _error_response(request.http, errors.S3NotImplemented(), "RID", "HID")
    assert "RID: NotImplemented GetBucketTagging GET /b/k" in caplog.text
