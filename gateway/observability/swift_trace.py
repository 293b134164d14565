"""Swift's side of a request, seen from the gateway's one Swift session.

An aiohttp ``TraceConfig`` on that session times every Swift request, counts
its errors and token renewals, and adds the time to the S3 request that caused
it (``SwiftTime``, carried in a context variable: a Swift request runs in the
task of the S3 request that made it, or in a task created from it). The Swift
code itself knows nothing of this.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from types import SimpleNamespace

import aiohttp

from gateway.observability.metrics import GatewayMetrics


class SwiftTime:
    """Swift requests made for one S3 request, and their total time to response head."""

    __slots__ = ("requests", "seconds")

    def __init__(self) -> None:
        self.requests = 0
        self.seconds = 0.0


CURRENT_SWIFT_TIME: contextvars.ContextVar[SwiftTime | None] = contextvars.ContextVar(
    "s3swift_swift_time", default=None)


def swift_trace_config(metrics: GatewayMetrics, auth_url: str) -> aiohttp.TraceConfig:
    """The trace hooks for the Swift session: auth requests count as token renewals."""
    trace = aiohttp.TraceConfig()

    def is_auth(params: aiohttp.TraceRequestStartParams | aiohttp.TraceRequestEndParams
                | aiohttp.TraceRequestExceptionParams) -> bool:
        return bool(auth_url) and str(params.url).startswith(auth_url)

    def elapsed(context: SimpleNamespace) -> float:
        seconds = time.perf_counter() - context.start
        swift_time = CURRENT_SWIFT_TIME.get()
        if swift_time is not None:
            swift_time.requests += 1
            swift_time.seconds += seconds
        return seconds

    async def on_start(_session: aiohttp.ClientSession, context: SimpleNamespace,
                       params: aiohttp.TraceRequestStartParams) -> None:
        context.start = time.perf_counter()

    async def on_end(_session: aiohttp.ClientSession, context: SimpleNamespace,
                     params: aiohttp.TraceRequestEndParams) -> None:
        seconds = elapsed(context)
        status = params.response.status
        if is_auth(params):
            if status < 300:
                metrics.token_renewals.inc()
            return
        metrics.swift_seconds.labels(params.method).observe(seconds)
        if status >= 500 or status == 401:
            metrics.swift_errors.labels(str(status)).inc()

    async def on_exception(_session: aiohttp.ClientSession, context: SimpleNamespace,
                           params: aiohttp.TraceRequestExceptionParams) -> None:
        elapsed(context)
        # A streamed body's own failure (a bad signature) is the client's, not Swift's.
        failed_on_the_way = isinstance(params.exception, (aiohttp.ClientConnectionError,
                                                          asyncio.TimeoutError, OSError))
        if failed_on_the_way and not is_auth(params):
            metrics.swift_errors.labels("connection").inc()

    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_exception)
    return trace
