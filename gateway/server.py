"""Running the application: in-process for `s3swift dev`, or N worker processes for `serve`.

``serve`` checks what it can before it starts anything (the credential store,
Swift authentication, the listening address), so a mistake is one line and
exit status 2 rather than a running gateway that answers 503 to everyone.
With several workers the master replaces any worker that dies.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sqlite3
import sys
import time

import aiohttp
from aiohttp import web

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.credentials.factory import build_store, build_swift_store
from gateway.http_server import S3AppRunner
from gateway.storage.errors import StoreError
from gateway.swift.auth import SwiftAuthError, TokenProvider
from gateway.swift.client import SwiftClient

log = logging.getLogger("gateway")
# A dying worker is replaced at most this often, so a worker that cannot start
# does not turn the master into a fork loop.
RESPAWN_INTERVAL_SECONDS = 1.0


class StartupError(Exception):
    """A reason not to start, worded as one line for stderr."""


async def start_gateway(config: GatewayConfig, sock: socket.socket | None = None) -> web.AppRunner:
    """Start serving; stop with ``await runner.cleanup()``."""
    runner = S3AppRunner(create_app(config), access_log=None, handle_signals=False,
                         request_header_timeout=config.server.request_header_timeout_seconds)
    await runner.setup()
    if sock is not None:
        site: web.BaseSite = web.SockSite(runner, sock)
    else:
        site = web.TCPSite(runner, config.server.host, config.server.port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()  # e.g. the port is taken: close the Swift session too
        raise
    return runner


async def _serve_until_signalled(config: GatewayConfig, sock: socket.socket | None) -> None:
    runner = await start_gateway(config, sock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _check_credentials(config: GatewayConfig) -> None:
    if config.credentials.backend == "swift":
        return  # checked once Swift authentication is known to work
    try:
        store = build_store(config.credentials, config.swift.reseller_prefix,
                            keystone=config.keystone)
    except (ValueError, OSError, sqlite3.Error) as exc:
        raise StartupError(f"[credentials] {exc}") from None
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
    await _check_credentials(config)
    await check_swift_auth(config)
    if config.credentials.backend == "swift":
        await _check_swift_credentials(config)


def _check_identity_port(config: GatewayConfig) -> None:
    """The OS-EC2 API's port must be free too (each worker binds it when it starts)."""
    identity = config.identity_api
    if identity.enabled:
        _bind(identity.host, identity.port, "[identity_api] host and port").close()


def _bind(host: str, port: int, keys: str = "[server] host and port") -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port} ({keys}): "
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
    sock = _bind(config.server.host, config.server.port)
    workers = config.server.workers
    log.info("s3swift listening on http://%s:%d with %d worker(s)",
             config.server.host, config.server.port, workers)
    if workers == 1:
        asyncio.run(_serve_until_signalled(config, sock))
        return 0
    return _Supervisor(config, sock).run()


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


class _Supervisor:
    """The master of ``--workers N``: keeps N workers, replaces any that dies."""

    def __init__(self, config: GatewayConfig, sock: socket.socket) -> None:
        self._config = config
        self._sock = sock
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
                asyncio.run(_serve_until_signalled(self._config, self._sock))
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
