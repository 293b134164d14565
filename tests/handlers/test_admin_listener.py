"""The admin application on a gateway whose Swift is unreachable: alive, not ready,
and never ready again once draining; the S3 request's client info is set."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.credentials.base import Credential
from gateway.credentials.static_store import StaticCredentialStore

from gateway.forwarded import ClientInfo
from gateway.observability.admin import create_admin_app
from gateway.observability.observer import TELEMETRY
from gateway.s3request import S3_REQUEST
from gateway.storage.memory import MemoryStore
from tests.handlers.conftest import ACCESS_KEY, ACCOUNT, NO_SWIFT, SECRET_KEY, S3Client


async def test_health_readiness_and_metrics(s3: S3Client) -> None:
    s3_app = s3.client.server.app
    async with TestClient(TestServer(create_admin_app(s3_app))) as admin:
        assert (await admin.get("/healthz")).status == 200
        not_ready = await admin.get("/readyz")
        text = await not_ready.text()
        assert not_ready.status == 503 and "swift:" in text and "credentials" not in text
        metrics = await admin.get("/metrics")
        assert metrics.status == 200 and "s3swift_requests_in_flight" in await metrics.text()
        s3_app[TELEMETRY].readiness.draining = True
        draining = await admin.get("/readyz")
        assert draining.status == 503 and "draining" in await draining.text()


async def test_every_s3_request_knows_its_client() -> None:
    """``S3Request.client``: what aws:SourceIp and aws:SecureTransport will read."""
    seen: list[ClientInfo] = []
    app = create_app(GatewayConfig(swift=NO_SWIFT), store=StaticCredentialStore(
        [Credential(ACCESS_KEY, SECRET_KEY, ACCOUNT)]), backend=MemoryStore())

    async def keep(request: web.Request, _response: web.StreamResponse) -> None:
        s3_request = request.get(S3_REQUEST)
        if s3_request is not None:
            seen.append(s3_request.client)

    app.on_response_prepare.append(keep)
    async with TestClient(TestServer(app)) as client:
        reply = await S3Client(client, MemoryStore()).request(
            "GET", "/", headers={"X-Forwarded-For": "203.0.113.7"})  # not from a trusted proxy
    assert reply.status == 200
    assert seen == [ClientInfo("127.0.0.1", False)]
