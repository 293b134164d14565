"""Bucket operations on a gateway configured for a region other than us-east-1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.config import GatewayConfig, ServerConfig
from gateway.credentials.base import Credential
from gateway.credentials.static_store import StaticCredentialStore
from gateway.storage.memory import MemoryStore
from tests.handlers.conftest import ACCESS_KEY, ACCOUNT, NO_SWIFT, SECRET_KEY, Reply, assert_error
from tests.integration.rawhttp import sign_v4

REGION = "eu-west-1"


@pytest.fixture
async def eu_client() -> AsyncIterator[TestClient]:
    credentials = StaticCredentialStore([Credential(ACCESS_KEY, SECRET_KEY, ACCOUNT)])
    config = GatewayConfig(server=ServerConfig(region=REGION), swift=NO_SWIFT)
    app = create_app(config, store=credentials, backend=MemoryStore())
    async with TestClient(TestServer(app)) as client:
        yield client


async def send(client: TestClient, method: str, path: str) -> Reply:
    url = str(client.make_url(path))
    headers = sign_v4(method, url, ACCESS_KEY, SECRET_KEY, REGION)
    async with client.session.request(method, url, headers=headers) as resp:
        return Reply(resp.status, resp.headers, await resp.read())


async def test_recreating_your_bucket_outside_us_east_1_is_already_owned(
        eu_client: TestClient) -> None:
    assert (await send(eu_client, "PUT", "/mine")).status == 200
    reply = await send(eu_client, "PUT", "/mine")
    assert_error(reply, "BucketAlreadyOwnedByYou", 409)
    assert reply.xml.findtext("BucketName") == "mine"
    assert (await send(eu_client, "HEAD", "/mine")).headers["x-amz-bucket-region"] == REGION
