"""The handler test layer: the real application on a ``MemoryStore``, no Swift.

Each test gets the app from ``gateway.app.create_app`` with one static
credential and an empty ``MemoryStore`` injected as its storage backend, served
by aiohttp's test server and driven with SigV4 requests signed by botocore
(``tests.integration.rawhttp.sign_v4``). Everything but the storage is the
production path: middlewares, authentication, routing, handlers, error XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDictProxy
from yarl import URL

from gateway.app import create_app
from gateway.config import GatewayConfig, SwiftConfig
from gateway.credentials.base import Credential
from gateway.credentials.static_store import StaticCredentialStore
from gateway.storage.memory import MemoryStore
from gateway.storage.records import NewObject
from tests.integration.listing_support import ALL_KEYS, body_of
from tests.integration.rawhttp import sign_v4

ACCESS_KEY = "handler-access"
SECRET_KEY = "handler-secret"
ACCOUNT = "AUTH_handlers"
REGION = "us-east-1"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# The discard port: a handler that still spoke Swift would fail here, never reach
# a Swift someone happens to run on the default port.
NO_SWIFT = SwiftConfig(auth_url="http://127.0.0.1:9/auth/v1.0", connect_timeout_seconds=1.0)


@dataclass(frozen=True)
class Reply:
    """A gateway response, read whole."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)

    def text(self, path: str) -> str | None:
        """Text of the first element at ``path`` (tag names without the S3 namespace)."""
        return self.xml.findtext(_namespaced(path))

    def texts(self, path: str) -> list[str]:
        return [element.text or "" for element in self.xml.findall(_namespaced(path))]

    @property
    def error_code(self) -> str | None:
        """The ``Code`` of an S3 error document (``None`` for any other body)."""
        if not self.body:
            return None
        root = self.xml
        return root.findtext("Code") if root.tag == "Error" else None


def assert_error(reply: Reply, code: str, status: int) -> None:
    """An S3 error document whose RequestId and HostId are the response's headers."""
    assert (reply.status, reply.error_code) == (status, code), reply.body
    assert reply.xml.findtext("RequestId") == reply.headers["x-amz-request-id"]
    assert reply.xml.findtext("HostId") == reply.headers["x-amz-id-2"]


def _namespaced(path: str) -> str:
    return "/".join(part if part in (".", "..") else S3_NS + part for part in path.split("/"))


class S3Client:
    """Signed requests to the application under test, and its ``MemoryStore``."""

    def __init__(self, client: TestClient, store: MemoryStore) -> None:
        self.client = client
        self.store = store
        self.account = ACCOUNT

    async def request(self, method: str, path: str, *, body: bytes = b"",
                      headers: Mapping[str, str] | None = None,
                      virtual_host: str | None = None) -> Reply:
        """Send ``method`` to ``path`` (already URL-encoded, with its query), to
        ``<virtual_host>.localhost`` when given (virtual-hosted-style addressing)."""
        server = self.client.make_url("")
        url = str(server).rstrip("/") + path
        host = f"{virtual_host}.localhost:{server.port}" if virtual_host else server.authority
        signed = sign_v4(method, f"http://{host}{path}", ACCESS_KEY, SECRET_KEY, REGION,
                         headers=headers, body=body)
        signed["Host"] = host
        async with self.client.session.request(method, URL(url, encoded=True), data=body,
                                               headers=signed) as resp:
            return Reply(resp.status, resp.headers, await resp.read())

    async def put_object(self, bucket: str, key: str, data: bytes = b"") -> None:
        """Store an object directly in the backend (PutObject is not under test here)."""
        await self.store.put_object(ACCOUNT, bucket, key, NewObject(), data)


@pytest.fixture
async def s3() -> AsyncIterator[S3Client]:
    store = MemoryStore()
    credentials = StaticCredentialStore([Credential(ACCESS_KEY, SECRET_KEY, ACCOUNT)])
    app = create_app(GatewayConfig(swift=NO_SWIFT), store=credentials, backend=store)
    async with TestClient(TestServer(app)) as client:
        yield S3Client(client, store)


async def fill_with_listing_keys(s3: S3Client, bucket: str) -> S3Client:
    """``s3`` with ``bucket`` created and holding the integration suite's listing
    key population (``tests.integration.listing_support``)."""
    await s3.store.create_bucket(ACCOUNT, bucket)
    for key in ALL_KEYS:
        await s3.put_object(bucket, key, body_of(key))
    return s3
