"""The admin listener: ``/metrics``, ``/healthz`` and ``/readyz``, on their own port.

Never on the S3 port, where ``/healthz`` would shadow a bucket of that name.
``/healthz`` says the process serves HTTP; ``/readyz`` that it can serve S3
(``readiness.py``).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.appkeys import CREDENTIALS, SWIFT
from gateway.observability.observer import TELEMETRY
from gateway.observability.readiness import PROBE_ACCESS_KEY

S3_APP = web.AppKey("s3_app", web.Application)
CHECK_TIMEOUT_SECONDS = 5.0


async def _swift_problems(s3_app: web.Application) -> list[str]:
    try:
        await asyncio.wait_for(s3_app[SWIFT].check_ready(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure is a reason, never a 500
        return [f"swift: {exc or type(exc).__name__}"]
    return []


async def _credential_problems(s3_app: web.Application) -> list[str]:
    try:
        await asyncio.wait_for(s3_app[CREDENTIALS].lookup(PROBE_ACCESS_KEY),
                               CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure is a reason, never a 500
        return [f"credentials: {exc or type(exc).__name__}"]
    return []


async def _check(s3_app: web.Application) -> list[str]:
    swift, credentials = await asyncio.gather(_swift_problems(s3_app),
                                              _credential_problems(s3_app))
    return swift + credentials


async def metrics(request: web.Request) -> web.Response:
    telemetry = request.app[S3_APP][TELEMETRY]
    return web.Response(body=telemetry.metrics.render(),
                        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def readyz(request: web.Request) -> web.Response:
    s3_app = request.app[S3_APP]
    problems = await s3_app[TELEMETRY].readiness.problems(lambda: _check(s3_app))
    if problems:
        return web.Response(status=503, text="not ready\n" + "\n".join(problems) + "\n")
    return web.Response(text="ready\n")


def create_admin_app(s3_app: web.Application) -> web.Application:
    """The admin application, observing ``s3_app``."""
    admin = web.Application()
    admin[S3_APP] = s3_app
    admin.router.add_get("/metrics", metrics)
    admin.router.add_get("/healthz", healthz)
    admin.router.add_get("/readyz", readyz)
    return admin
