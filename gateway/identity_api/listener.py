"""The identity port: the OS-EC2 API started and stopped with the S3 application.

It shares the S3 application's credential store, Swift client and Keystone
client (one pool each, one cache, so a key deleted here stops working for S3
in this process at once). With several ``serve`` workers each binds the port
with SO_REUSEPORT.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.appkeys import CONFIG, CREDENTIALS, KEYSTONE, SWIFT
from gateway.config import IdentityApiConfig
from gateway.identity_api.app import create_identity_app
from gateway.identity_api.keystone_tokens import KeystoneTokenValidator
from gateway.identity_api.tokens import SwiftTokenValidator, TokenValidator


class IdentityListener:
    """Where the API listens once started (``url``), and its runner.

    ``validator`` decides what a token may do: Keystone's answer where
    ``[keystone]`` is configured (``KeystoneTokenValidator``), else Swift's
    (``SwiftTokenValidator``); another can be set before start-up.
    """

    def __init__(self, config: IdentityApiConfig, reuse_port: bool = False,
                 validator: TokenValidator | None = None) -> None:
        self.config = config
        self.reuse_port = reuse_port
        self.validator = validator
        self.url: str | None = None
        self._runner: web.AppRunner | None = None

    async def start(self, app: web.Application) -> None:
        config = app[CONFIG]
        store = app[CREDENTIALS]
        if not hasattr(store, "create_credential"):
            raise ValueError(f"the {config.credentials.backend!r} credential store cannot "
                             "hold keys made through the OS-EC2 API")
        validator = self.validator
        if validator is None and config.keystone.auth_url:
            validator = KeystoneTokenValidator(
                app[KEYSTONE], config.swift.reseller_prefix,
                config.keystone.operator_roles, self.config.token_cache_seconds)
        if validator is None:
            validator = SwiftTokenValidator(app[SWIFT], config.swift.reseller_prefix,
                                            self.config.token_cache_seconds)
        identity_app = create_identity_app(store, validator,  # type: ignore[arg-type]
                                           config.swift.reseller_prefix)
        self._runner = web.AppRunner(identity_app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port,
                           reuse_port=self.reuse_port or None)
        try:
            await site.start()
        except BaseException:
            await self.stop()
            raise
        host, port = self._runner.addresses[0][:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
        self.url = f"http://{shown}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


IDENTITY_LISTENER = web.AppKey("identity_listener", IdentityListener)


async def serve_identity_api(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx`` of the S3 application, after the credentials' one."""
    listener = app[IDENTITY_LISTENER]
    if listener.config.enabled:
        await listener.start(app)
    yield
    await listener.stop()
