"""A recording HTTP proxy in front of Swift: which requests, with which headers.

Used by ``cpu_per_op.py --census`` only (never while CPU is metered): a gateway
configured with ``[swift] endpoint = <recorder>/v1`` sends every Swift request
through it, and each one is kept as (method, path, headers) in ``requests``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from _cluster import LOOPBACK, free_port

_HOP_BY_HOP = frozenset(("connection", "keep-alive", "transfer-encoding", "te", "trailer",
                         "upgrade", "proxy-authorization", "proxy-authenticate", "host"))


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class SwiftRecorder:
    """Forwards to ``upstream`` (the proxy's base URL) and records every request."""

    upstream: str
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(auto_decompress=False, read_bufsize=1 << 20)
        app = web.Application(client_max_size=1 << 40)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, LOOPBACK, self.port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self._session.close()

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/v1"

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        seen = SeenRequest(request.method, request.raw_path, dict(headers))
        self.requests.append(seen)
        data = request.content if request.body_exists else None
        async with self._session.request(request.method, self.upstream + request.raw_path,
                                         headers=headers, data=data,
                                         allow_redirects=False) as upstream:
            seen.status = upstream.status
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
            if request.method == "HEAD" or upstream.status in (204, 304):
                response = web.StreamResponse(status=upstream.status, headers=out)
                await response.prepare(request)
                return response
            response = web.StreamResponse(status=upstream.status, headers=out)
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
