"""Running the application: in-process for `s3swift dev`, or N worker processes for `serve`.

``serve`` checks what it can before it starts anything (the credential store,
Swift authentication, the listening address), so a mistake is one line and
exit status 2 rather than a running gateway that answers 503 to everyone.
With several workers the master replaces any worker that dies.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import sqlite3
import ssl
import sys
import time
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.credentials.factory import build_store, build_swift_store
from gateway.http_server import S3AppRunner, drain
from gateway.keystone.client import KeystoneClient
from gateway.observability.admin import create_admin_app
from gateway.observability.multiprocess import forget_worker
from gateway.observability.observer import TELEMETRY, Telemetry, access_logger_class
from gateway.storage.errors import StoreError
from gateway.swift.auth import SwiftAuthError, TokenProvider
from gateway.swift.client import SwiftClient

log = logging.getLogger("gateway")
# A dying worker is replaced at most this often, so a worker that cannot start
# does not turn the master into a fork loop.
RESPAWN_INTERVAL_SECONDS = 1.0
# Allocations between two young-generation collections (CPython's default: 700).
# A 1,000-key listing page allocates thousands of dicts and records that die with
# the request; at 700 each page paid for several collections.
YOUNG_GENERATION_THRESHOLD = 20_000
# After the drain's grace period, what is still running gets this long to end.
SHUTDOWN_CUT_SECONDS = 1.0


class StartupError(Exception):
    """A reason not to start, worded as one line for stderr."""


def tls_context(config: GatewayConfig) -> ssl.SSLContext | None:
    """The server TLS context of ``[server] tls_cert``/``tls_key``, or ``None`` (plain HTTP)."""
    server = config.server
    if not server.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server.tls_cert, server.tls_key)
    return context


@dataclass
class RunningGateway:
    """The S3 listener and, when configured, the admin listener of one process."""

    runner: web.AppRunner
    telemetry: Telemetry
    grace_seconds: float
    admin_runner: web.AppRunner | None = None

    async def stop(self) -> None:
        """Drain: readiness false first, then no new connections; in-flight requests get
        ``shutdown_grace_seconds``; the admin listener (``/readyz``) goes last."""
        self.telemetry.readiness.draining = True
        log.info("draining: no new connections, waiting for in-flight requests")
        await drain(self.runner, self.grace_seconds)
        await self.runner.cleanup()  # cuts what the grace period did not let finish
        if self.admin_runner is not None:
            await self.admin_runner.cleanup()


async def _start_admin(app: web.Application, admin_sock: socket.socket) -> web.AppRunner:
    runner = web.AppRunner(create_admin_app(app), access_log=None, handle_signals=False,
                           shutdown_timeout=1.0)
    await runner.setup()
    await web.SockSite(runner, admin_sock).start()
    return runner


async def start_gateway(config: GatewayConfig, sock: socket.socket | None = None,
                        admin_sock: socket.socket | None = None) -> RunningGateway:
    """Start serving (the admin listener too, on ``admin_sock``); stop with
    ``await gateway.stop()``."""
    app = create_app(config)
    telemetry = app[TELEMETRY]
    runner = S3AppRunner(app, access_log_class=access_logger_class(telemetry),
                         access_log=logging.getLogger("aiohttp.access"), handle_signals=False,
                         request_header_timeout=config.server.request_header_timeout_seconds,
                         shutdown_timeout=SHUTDOWN_CUT_SECONDS)
    await runner.setup()
    context = tls_context(config)
    if sock is not None:
        site: web.BaseSite = web.SockSite(runner, sock, ssl_context=context)
    else:
        site = web.TCPSite(runner, config.server.host, config.server.port, ssl_context=context)
    gateway = RunningGateway(runner, telemetry, config.server.shutdown_grace_seconds)
    try:
        await site.start()
        if admin_sock is not None:
            gateway.admin_runner = await _start_admin(app, admin_sock)
    except BaseException:
        await gateway.stop()  # e.g. the port is taken: close the Swift session too
        raise
    return gateway


def settle_heap() -> None:
    """Once a gateway process has started, before it serves: what start-up built lives
    as long as the process, so the collector stops re-scanning it (``gc.freeze``),
    and young collections come every ``YOUNG_GENERATION_THRESHOLD`` allocations.

    Measured (``benchmarks/canned_swift.py``): a 1,000-key LIST's gateway CPU
    1.73 -> 1.56 ms; a HEAD's unchanged. Not for the test process, whose garbage
    would be frozen with it.
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)


async def _serve_until_signalled(config: GatewayConfig, sock: socket.socket | None,
                                 admin_sock: socket.socket | None) -> None:
    gateway = await start_gateway(config, sock, admin_sock)
    settle_heap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await gateway.stop()


async def _check_credentials(config: GatewayConfig) -> None:
    if config.credentials.backend == "swift":
        return  # checked once Swift authentication is known to work
    keystone = KeystoneClient(config.keystone)  # opens no connection here
    try:
        store = build_store(config.credentials, config.swift.reseller_prefix,
                            keystone=keystone)
    except (ValueError, OSError, sqlite3.Error) as exc:
        raise StartupError(f"[credentials] {exc}") from None
    finally:
        await keystone.close()
    await store.close()


async def _check_swift_credentials(config: GatewayConfig) -> None:
    """The ``swift`` backend: its container reachable, the encryption key the right one."""
    swift = SwiftClient(SwiftClient.create_session(config.swift), config.swift)
    try:
        await build_swift_store(config.credentials, config.swift.reseller_prefix,
                                swift).check_key()
    except (ValueError, StoreError) as exc:
        raise StartupError(f"[credentials] backend 'swift': {exc}") from None
    finally:
        await swift.close()


async def check_swift_auth(config: GatewayConfig) -> None:
    """Obtain a token as the gateway will; a wrong URL, user, key or auth type shows here."""
    swift = config.swift
    session = SwiftClient.create_session(swift)
    try:
        await TokenProvider(session, swift).get()
    except asyncio.TimeoutError:
        raise StartupError(f"Swift authentication ({swift.auth_type}) at {swift.auth_url} "
                           f"timed out") from None
    except (SwiftAuthError, aiohttp.ClientError, OSError, ValueError) as exc:
        raise StartupError(f"Swift authentication ({swift.auth_type}) at {swift.auth_url} "
                           f"failed: {exc}") from None
    finally:
        await session.close()


async def _preflight(config: GatewayConfig) -> None:
    try:
        tls_context(config)
    except (OSError, ValueError) as exc:
        raise StartupError(f"[server] tls_cert/tls_key: cannot load "
                           f"{config.server.tls_cert}, {config.server.tls_key}: {exc}") from None
    await _check_credentials(config)
    await check_swift_auth(config)
    if config.credentials.backend == "swift":
        await _check_swift_credentials(config)


def _check_identity_port(config: GatewayConfig) -> None:
    """The OS-EC2 API's port must be free too (each worker binds it when it starts)."""
    identity = config.identity_api
    if identity.enabled:
        bind(identity.host, identity.port, "[identity_api] host and port").close()


def admin_address(config: GatewayConfig) -> tuple[str, int]:
    """Where the admin listener binds: ``metrics_host`` (else the S3 host), ``metrics_port``."""
    return config.server.metrics_host or config.server.host, config.server.metrics_port


def bind(host: str, port: int, what: str) -> socket.socket:
    """A listening socket workers can inherit; ``StartupError`` naming ``what`` if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port} ({what}): "
                           f"{exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(config: GatewayConfig) -> int:
    """Serve until SIGINT/SIGTERM; with ``workers > 1``, forked processes share one socket.

    Raises ``StartupError`` before anything runs if the gateway cannot work.
    """
    logging.basicConfig(level=config.server.log_level,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    asyncio.run(_preflight(config))
    _check_identity_port(config)
    sock = bind(config.server.host, config.server.port, "[server] host and port")
    admin_sock = None
    if config.server.metrics_port:
        admin_sock = bind(*admin_address(config), "[server] metrics_host and metrics_port")
        log.info("admin listener on http://%s:%d (/metrics, /healthz, /readyz)",
                 *admin_address(config))
    workers = config.server.workers
    log.info("s3swift listening on %s://%s:%d with %d worker(s)",
             "https" if config.server.tls_cert else "http", config.server.host,
             config.server.port, workers)
    if workers == 1:
        asyncio.run(_serve_until_signalled(config, sock, admin_sock))
        return 0
    return _Supervisor(config, sock, admin_sock).run()


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


class _Supervisor:
    """The master of ``--workers N``: keeps N workers, replaces any that dies."""

    def __init__(self, config: GatewayConfig, sock: socket.socket,
                 admin_sock: socket.socket | None) -> None:
        self._config = config
        self._sock = sock
        self._admin_sock = admin_sock
        self._children: set[int] = set()
        self._stopping = False
        self._last_spawn = 0.0

    def _spawn(self) -> None:
        self._last_spawn = time.monotonic()
        pid = os.fork()
        if pid == 0:
            # The master's handlers must not run here (they signal the siblings).
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                asyncio.run(_serve_until_signalled(self._config, self._sock, self._admin_sock))
                code = 0
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                os._exit(code)
        self._children.add(pid)
        log.info("worker %d started", pid)
        if self._stopping:  # the stop signal came while forking
            os.kill(pid, signal.SIGTERM)

    def _stop(self, signum: int, _frame: object) -> None:
        self._stopping = True
        # The workers hold their own copies: once they stop listening the port is
        # closed, and new connections are refused instead of queueing here.
        self._sock.close()
        for child in list(self._children):
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for _ in range(self._config.server.workers):
            self._spawn()
        status = 0
        while self._children:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            if pid not in self._children:
                continue
            self._children.remove(pid)
            forget_worker(pid)
            if self._stopping:
                if wait_status != 0:
                    log.warning("worker %d %s while stopping", pid, _describe_exit(wait_status))
                    status = 1
                continue
            log.warning("worker %d %s; starting a replacement", pid, _describe_exit(wait_status))
            delay = self._last_spawn + RESPAWN_INTERVAL_SECONDS - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if not self._stopping:
                self._spawn()
        self._sock.close()
        sys.stdout.flush()
        return status
