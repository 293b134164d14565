"""The application factory: middlewares in order, one catch-all route, shared clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web

from gateway import errors
from gateway.appkeys import (
    AUTH_SETTINGS, BUCKET_ACCESS, CONFIG, CREDENTIALS, KEYSTONE, POLICY_PORT, STORE, SWIFT)
from gateway.auth.authenticate import AuthSettings
from gateway.authz.cache import BucketAccessCache
from gateway.authz.point import authorize, guard_missing
from gateway.authz.policy_port import connect_policy
from gateway.body import defer_continue
from gateway.config import GatewayConfig
from gateway.credentials.base import CredentialStore
from gateway.credentials.factory import build_store
from gateway.identity_api.listener import IDENTITY_LISTENER, IdentityListener, serve_identity_api
from gateway.forwarded import TrustedProxies
from gateway.keystone.client import KeystoneClient
from gateway.middlewares import add_s3_headers, context_middleware, error_middleware
from gateway.observability.access_log import AccessLog
from gateway.observability.metrics import GatewayMetrics
from gateway.observability.observer import (TELEMETRY, Telemetry, make_drain_hook,
                                            make_observe_middleware)
from gateway.observability.swift_observer import SwiftMetrics
from gateway.routing import select_handler
from gateway.s3request import S3_REQUEST
from gateway.storage.base import Store
from gateway.storage.errors import ObjectNotFound
from gateway.swift.client import SwiftClient
from gateway.swift.store import SwiftStore


# S3 limits a request's header section to 8 KB, not its number of headers: 8 KB
# hold ~550 of the shortest ``x-amz-meta-`` lines (aiohttp's default is 128).
MAX_REQUEST_HEADERS = 600


async def dispatch(request: web.Request) -> web.StreamResponse:
    s3_request = request[S3_REQUEST]
    handler = select_handler(s3_request)
    await authorize(s3_request)
    try:
        return await handler(s3_request)
    except ObjectNotFound:
        guard_missing(s3_request)  # AccessDenied for whoever may not list the bucket
        raise


async def _keystone(app: web.Application) -> AsyncIterator[None]:
    """One Keystone client (one session) for every use of Keystone: credential
    lookups, OS-EC2 token checks and the Swift service identity; closed once,
    after all of them (``cleanup_ctx`` unwinds in reverse)."""
    config = app[CONFIG]
    if not config.keystone.auth_url and config.swift.auth_type != "keystone":
        yield
        return
    app[KEYSTONE] = client = KeystoneClient(config.keystone)
    yield
    await client.close()


async def _swift_store(app: web.Application, backend: Store | None) -> AsyncIterator[None]:
    """The storage backend for the application's lifetime: one pooled ClientSession
    to Swift, and the store's caches (``gateway.swift.store``); or ``backend``
    (e.g. ``MemoryStore`` in handler tests), the client then never connecting."""
    config = app[CONFIG].swift
    # A streamed body's own S3 errors (signature, checksum) pass through as themselves.
    app[SWIFT] = SwiftClient(SwiftClient.create_session(config), config,
                             body_errors=(errors.S3Error,),
                             observer=SwiftMetrics(app[TELEMETRY].metrics),
                             keystone=app.get(KEYSTONE))
    app[STORE] = backend if backend is not None else SwiftStore(app[SWIFT], config.registry)
    yield
    await app[STORE].close()
    if backend is not None:
        await app[SWIFT].close()


async def _credentials(app: web.Application, store: CredentialStore | None) -> AsyncIterator[None]:
    """The credential store, built here because the ``swift`` backend shares the
    application's Swift client (``_swift_store`` runs first)."""
    config = app[CONFIG]
    app[CREDENTIALS] = store if store is not None else build_store(
        config.credentials, config.swift.reseller_prefix, swift=app[SWIFT],
        keystone=app.get(KEYSTONE))
    if hasattr(app[CREDENTIALS], "on_cache"):  # a caching store: count hits and misses
        app[CREDENTIALS].on_cache = app[TELEMETRY].metrics.credential_cache
    yield
    await app[CREDENTIALS].close()


async def _access_log(app: web.Application) -> AsyncIterator[None]:
    yield
    app[TELEMETRY].access_log.close()


def _telemetry(config: GatewayConfig) -> Telemetry:
    """Metrics (this application's registry), the access log and trusted proxies."""
    return Telemetry(metrics=GatewayMetrics(), access_log=AccessLog(config.server),
                     proxies=TrustedProxies(config.server.trusted_proxies))


def create_app(config: GatewayConfig, store: CredentialStore | None = None,
               backend: Store | None = None) -> web.Application:
    """The gateway; ``store`` replaces the configured credentials and ``backend``
    the Swift storage (tests)."""
    telemetry = _telemetry(config)
    app = web.Application(
        middlewares=[make_observe_middleware(telemetry), error_middleware, context_middleware],
        # Bodies are streamed and stored byte for byte: never inflate gzip uploads.
        handler_args={"auto_decompress": False, "max_headers": MAX_REQUEST_HEADERS},
    )
    app[CONFIG] = config
    app[TELEMETRY] = telemetry
    app[AUTH_SETTINGS] = AuthSettings(
        max_clock_skew_seconds=config.server.max_clock_skew_seconds,
        max_presign_expires_seconds=config.server.max_presign_expires_seconds,
        region=config.server.region)
    app[POLICY_PORT] = port = connect_policy()
    app[BUCKET_ACCESS] = BucketAccessCache(port.parse)
    app.on_response_prepare.append(add_s3_headers)
    app.on_response_prepare.append(make_drain_hook(telemetry))
    app.cleanup_ctx.append(_keystone)
    app.cleanup_ctx.append(partial(_swift_store, backend=backend))
    app.cleanup_ctx.append(partial(_credentials, store=store))
    # The OS-EC2 API's own port, when [identity_api] enabled: same store, same Swift client.
    app[IDENTITY_LISTENER] = IdentityListener(config.identity_api,
                                              reuse_port=config.server.workers > 1)
    app.cleanup_ctx.append(serve_identity_api)
    app.cleanup_ctx.append(_access_log)
    # One route for everything: S3 dispatches on Host, path depth and query, not paths.
    # Its expect handler defers "100 Continue" until auth and target were checked.
    app.router.add_route("*", r"/{tail:[\s\S]*}", dispatch, expect_handler=defer_continue)
    return app
