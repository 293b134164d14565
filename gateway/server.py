"""Running the application: in-process for `s3swift dev`, or N worker processes for `serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys

from aiohttp import web

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.http_server import S3AppRunner

log = logging.getLogger("gateway")


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


def _bind(config: GatewayConfig) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.server.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.server.host, config.server.port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def serve(config: GatewayConfig) -> int:
    """Serve until SIGINT/SIGTERM; with ``workers > 1``, forked processes share one socket."""
    logging.basicConfig(level=config.server.log_level.upper(),
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    sock = _bind(config)
    workers = max(1, config.server.workers)
    log.info("s3swift listening on http://%s:%d with %d worker(s)",
             config.server.host, config.server.port, workers)
    if workers == 1:
        asyncio.run(_serve_until_signalled(config, sock))
        return 0
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            try:
                asyncio.run(_serve_until_signalled(config, sock))
            finally:
                os._exit(0)
        children.append(pid)
    sock.close()

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    while children:
        try:
            pid, code = os.wait()
        except ChildProcessError:
            break
        if pid in children:
            children.remove(pid)
            if code != 0:
                status = 1
            if children:  # one worker died: take the others down too
                forward(signal.SIGTERM, None)
    sys.stdout.flush()
    return status
