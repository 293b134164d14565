"""Swift's side of a request, as the gateway's Swift client reports it.

``SwiftMetrics`` (a ``gateway.swift.client.SwiftObserver``) counts every Swift
request's latency and errors and the service tokens obtained, and adds each
request's time to the S3 request that caused it (``SwiftTime``, carried in a
context variable: a Swift request runs in the task of the S3 request that
made it, or in a task created from it). Plain calls, no aiohttp tracing: that
would cost a signal per body chunk.
"""

from __future__ import annotations

import contextvars

from gateway.observability.metrics import GatewayMetrics


class SwiftTime:
    """Swift requests made for one S3 request, and their total time to response head."""

    __slots__ = ("requests", "seconds")

    def __init__(self) -> None:
        self.requests = 0
        self.seconds = 0.0


CURRENT_SWIFT_TIME: contextvars.ContextVar[SwiftTime | None] = contextvars.ContextVar(
    "s3swift_swift_time", default=None)


class SwiftMetrics:
    """The Swift series of ``metrics``, and the current S3 request's Swift time."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self._metrics = metrics
        self._latency_by_method: dict[str, object] = {}

    def _timed(self, method: str, seconds: float) -> None:
        swift_time = CURRENT_SWIFT_TIME.get()
        if swift_time is not None:
            swift_time.requests += 1
            swift_time.seconds += seconds
        latency = self._latency_by_method.get(method)
        if latency is None:
            latency = self._latency_by_method[method] = \
                self._metrics.swift_seconds.labels(method)
        latency.observe(seconds)  # type: ignore[attr-defined]

    def swift_answered(self, method: str, status: int, seconds: float) -> None:
        self._timed(method, seconds)
        if status >= 500 or status == 401:
            self._metrics.swift_errors.labels(str(status)).inc()

    def swift_unreachable(self, method: str, seconds: float) -> None:
        self._timed(method, seconds)
        self._metrics.swift_errors.labels("connection").inc()

    def token_obtained(self) -> None:
        self._metrics.token_renewals.inc()
