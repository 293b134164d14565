"""Every S3 operation the gateway does not serve is refused by name: 501 NotImplemented,
"<Operation> is not implemented", never the unsupported-header message."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from gateway.routing import NOT_IMPLEMENTED, HasQuery, Route
from tests.integration.rawhttp import signed_request

HEADER_TEXT = "A header you provided implies functionality that is not implemented."


def query_of(route: Route) -> str:
    """The query that reaches ``route``: its sub-resource and what its condition asks."""
    parts = [route.subresource] if route.subresource else []
    if isinstance(route.when, HasQuery):
        parts.append(f"{route.when.name}={route.when.value or 'x'}")
    return "&".join(parts)


def assert_refused_by_name(response: Any, operation: str) -> None:
    assert response.status_code == 501, response.text
    root = etree.fromstring(response.content)
    assert root.findtext("Code") == "NotImplemented"
    assert root.findtext("Message") == f"{operation} is not implemented"
    assert HEADER_TEXT not in response.text


def test_every_unserved_operation_is_refused_by_name(gateway_env: Any, bucket: str) -> None:
    for route in NOT_IMPLEMENTED:
        path = f"/{bucket}" + ("/some-key" if route.level == "object" else "")
        response = signed_request(gateway_env, route.method, path, query=query_of(route))
        assert_refused_by_name(response, route.operation)


@pytest.mark.parametrize(("method", "query", "operation"), [
    ("GET", "torrent", "GetObjectTorrent"),
    ("GET", "select", "SelectObjectContent"),
    ("GET", "select&select-type=2", "SelectObjectContent"),
    ("GET", "restore", "RestoreObject"),
])
def test_plain_get_of_an_unserved_subresource(gateway_env: Any, s3_client: Any, bucket: str,
                                              method: str, query: str, operation: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="some-key", Body=b"x")
    response = signed_request(gateway_env, method, f"/{bucket}/some-key", query=query)
    assert_refused_by_name(response, operation)
