"""The application's one Keystone client: made in its ``cleanup_ctx`` where any
part of the gateway uses Keystone, lent to the credential store, and closed once
at shutdown (no Keystone is contacted here: the client connects on first use)."""

from __future__ import annotations

from aiohttp import web

from gateway.app import create_app
from gateway.appkeys import CREDENTIALS, KEYSTONE
from gateway.config import load_config
from gateway.credentials.keystone_store import KeystoneCredentialStore

KEYSTONE_BACKEND = {
    "S3SWIFT_CREDENTIALS_BACKEND": "keystone",
    "S3SWIFT_KEYSTONE_AUTH_URL": "http://127.0.0.1:9/v3",
    "S3SWIFT_KEYSTONE_USER": "gw", "S3SWIFT_KEYSTONE_PASSWORD": "pw",
}


async def started(env: dict[str, str]) -> tuple[web.Application, web.AppRunner]:
    app = create_app(load_config(None, env=env))
    runner = web.AppRunner(app)
    await runner.setup()  # runs the cleanup_ctx start-ups
    return app, runner


async def test_the_credential_store_borrows_the_applications_keystone_client() -> None:
    app, runner = await started(KEYSTONE_BACKEND)
    try:
        store = app[CREDENTIALS]
        assert isinstance(store, KeystoneCredentialStore)
        assert store.source is app[KEYSTONE]
    finally:
        await runner.cleanup()


async def test_a_keystone_swift_identity_alone_gets_the_client_too() -> None:
    app, runner = await started({
        "S3SWIFT_SWIFT_AUTH_TYPE": "keystone", "S3SWIFT_SWIFT_AUTH_URL": "http://127.0.0.1:9/v3",
        "S3SWIFT_SWIFT_USER": "gw", "S3SWIFT_SWIFT_KEY": "pw",
        "S3SWIFT_SWIFT_PROJECT_NAME": "service",
        "S3SWIFT_CREDENTIALS_BACKEND": "static", "S3SWIFT_CREDENTIALS_ACCESS_KEY": "AK",
        "S3SWIFT_CREDENTIALS_SECRET_KEY": "SK", "S3SWIFT_CREDENTIALS_ACCOUNT": "test"})
    try:
        assert KEYSTONE in app
    finally:
        await runner.cleanup()


async def test_no_keystone_client_where_nothing_uses_keystone() -> None:
    app, runner = await started({
        "S3SWIFT_CREDENTIALS_BACKEND": "static", "S3SWIFT_CREDENTIALS_ACCESS_KEY": "AK",
        "S3SWIFT_CREDENTIALS_SECRET_KEY": "SK", "S3SWIFT_CREDENTIALS_ACCOUNT": "test"})
    try:
        assert KEYSTONE not in app
    finally:
        await runner.cleanup()
