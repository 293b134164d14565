"""The pure parts of the gateway's Swift service authentication and path quoting."""

from __future__ import annotations

import pytest

from gateway.config import SwiftConfig
from gateway.swift.auth import (
    SwiftAuthError, _endpoint_from_storage_url, keystone_request_body, keystone_token)
from gateway.swift.client import encode_query, swift_path

CATALOG = {"token": {
    "expires_at": "2030-01-01T01:00:00.000000Z",
    "catalog": [
        {"type": "identity", "endpoints": [{"interface": "public", "url": "http://ks:5000/v3"}]},
        {"type": "object-store", "endpoints": [
            {"interface": "internal", "url": "http://internal:8080/v1/AUTH_svc"},
            {"interface": "public", "url": "https://swift.example:443/v1/AUTH_svc"},
        ]},
    ],
}}


def config(**kw: str) -> SwiftConfig:
    return SwiftConfig(auth_type="keystone", auth_url="http://ks:5000/v3", user="gw",
                       key="pw", project_name="service", **kw)


def test_keystone_request_body_scopes_to_the_project() -> None:
    body = keystone_request_body(config())
    assert body["auth"]["identity"]["password"]["user"] == {
        "name": "gw", "domain": {"name": "Default"}, "password": "pw"}
    assert body["auth"]["scope"]["project"] == {"name": "service", "domain": {"name": "Default"}}


def test_keystone_token_picks_the_configured_interface_and_expiry() -> None:
    wall = 1893456000.0  # 2030-01-01T00:00:00Z
    token = keystone_token("tok", CATALOG, config(), now_wall=wall, now_monotonic=100.0)
    assert token.value == "tok"
    assert token.endpoint == "https://swift.example:443/v1"
    assert token.expires_at == pytest.approx(100.0 + 3600.0)
    internal = keystone_token("tok", CATALOG, config(interface="internal"), wall, 0.0)
    assert internal.endpoint == "http://internal:8080/v1"


def test_keystone_token_explicit_endpoint_and_missing_catalog() -> None:
    explicit = keystone_token("t", {"token": {}}, config(endpoint="http://p/v1/"), 0.0, 0.0)
    assert explicit.endpoint == "http://p/v1"
    with pytest.raises(SwiftAuthError):
        keystone_token("t", {"token": {"catalog": []}}, config(), 0.0, 0.0)


def test_storage_url_to_endpoint() -> None:
    assert _endpoint_from_storage_url("http://proxy:8080/v1/AUTH_admin") == "http://proxy:8080/v1"
    assert _endpoint_from_storage_url("http://proxy/v1/AUTH_a/") == "http://proxy/v1"


@pytest.mark.parametrize("key, expected", [
    ("a/b", "a%2Fb"),
    ("..", "%2E%2E"),
    ("a//b/../c", "a%2F%2Fb%2F%2E%2E%2Fc"),
    ("sp ace+plus%?#", "sp%20ace%2Bplus%25%3F%23"),
    ("日本", "%E6%97%A5%E6%9C%AC"),
])
def test_object_names_are_fully_encoded(key: str, expected: str) -> None:
    assert swift_path("AUTH_test", "bucket", key) == f"/AUTH_test/bucket/{expected}"


def test_query_encoding() -> None:
    assert encode_query(None) == ""
    assert encode_query({"prefix": "a b/&", "limit": "5"}) == "?prefix=a%20b%2F%26&limit=5"
