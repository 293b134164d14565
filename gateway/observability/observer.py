"""Observing each request: in-flight count and client info on the way in; metrics and
the access line once the response is sent (aiohttp's access-logger hook, called
after the last byte, or after the client went away).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest

from gateway.forwarded import CLIENT_INFO, TrustedProxies
from gateway.observability.access_log import AccessLog
from gateway.observability.metrics import UPLOAD_OPERATIONS, GatewayMetrics
from gateway.observability.readiness import Readiness
from gateway.observability.swift_observer import CURRENT_SWIFT_TIME, SwiftTime
from gateway.s3request import ERROR_CODE, REQUEST_ID, S3_REQUEST, SPLICED_BYTES

SWIFT_TIME = web.RequestKey("swift_time", SwiftTime)
# AWS access key ids are at most 128 characters.
MAX_ACCESS_KEY_LENGTH = 128


@dataclass
class Telemetry:
    """What an application observes itself with."""

    metrics: GatewayMetrics
    access_log: AccessLog
    proxies: TrustedProxies
    readiness: Readiness = field(default_factory=Readiness)


TELEMETRY = web.AppKey("telemetry", Telemetry)


def make_observe_middleware(telemetry: Telemetry) -> Any:
    """The outermost middleware: counts the request in flight, fixes who the client is
    and opens the request's Swift time account."""
    metrics, proxies = telemetry.metrics, telemetry.proxies

    @web.middleware
    async def observe_middleware(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
        request[CLIENT_INFO] = proxies.client_info(request)
        swift_time = request[SWIFT_TIME] = SwiftTime()
        token = CURRENT_SWIFT_TIME.set(swift_time)
        metrics.in_flight.inc()
        try:
            return await handler(request)
        finally:
            metrics.in_flight.dec()
            CURRENT_SWIFT_TIME.reset(token)

    return observe_middleware


def make_drain_hook(telemetry: Telemetry) -> Any:
    """``on_response_prepare``: while draining, every response closes its connection,
    so keep-alive clients reconnect (to another replica) for their next request."""
    readiness = telemetry.readiness

    async def close_when_draining(_request: web.Request, response: web.StreamResponse) -> None:
        if readiness.draining:
            response.force_close()

    return close_when_draining


def claimed_access_key(request: BaseRequest) -> str | None:
    """The access key a request names even when it failed authentication: the part of
    the credential before its first ``/`` (v4) or ``:`` (v2), nothing after it, and
    no longer than any access key (a client's garbage must not swell the log)."""
    authorization = request.headers.get("Authorization", "")
    if "Credential=" in authorization:
        claimed = authorization.split("Credential=", 1)[1].split("/", 1)[0].strip()
    elif authorization.startswith("AWS "):
        claimed = authorization[4:].split(":", 1)[0].strip()
    else:
        query = request.query
        credential = query.get("X-Amz-Credential") or query.get("AWSAccessKeyId") or ""
        claimed = credential.split("/", 1)[0]
    return claimed[:MAX_ACCESS_KEY_LENGTH] or None


def _disconnected(request: BaseRequest) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def access_logger_class(telemetry: Telemetry) -> type[AbstractAccessLogger]:
    """aiohttp's per-connection access logger, bound to ``telemetry``."""
    metrics, access_log = telemetry.metrics, telemetry.access_log

    class RequestObserver(AbstractAccessLogger):
        """Metrics and the access line of one finished request."""

        def log(self, request: BaseRequest, response: web.StreamResponse, time_: float) -> None:
            s3 = request.get(S3_REQUEST)
            operation = (s3.operation if s3 is not None else "") or "-"
            status = response.status
            disconnected = _disconnected(request)
            bytes_in = getattr(request.content, "total_bytes", 0)
            bytes_out = response.body_length
            error_code = request.get(ERROR_CODE)
            metrics.request_done(operation, status, time_, bytes_in, bytes_out)
            if disconnected:
                metrics.client_disconnects.labels(operation).inc()
            spliced = request.get(SPLICED_BYTES)
            if spliced:
                metrics.spliced_bytes.labels(operation).inc(spliced)
            if operation in UPLOAD_OPERATIONS and status >= 400:
                metrics.aborted_uploads.labels(operation, error_code or "-").inc()
            if operation == "CompleteMultipartUpload" and type(response) is web.StreamResponse:
                metrics.complete_keepalives.inc()
            if not access_log.enabled:
                return
            swift_time = request.get(SWIFT_TIME)
            client = request.get(CLIENT_INFO)
            auth = s3.auth if s3 is not None else None
            access_log.write({
                "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
                "request_id": request.get(REQUEST_ID) or response.headers.get("x-amz-request-id"),
                "remote_addr": client.ip if client is not None else request.remote,
                "secure": client.secure_transport if client is not None else None,
                "access_key": (auth.credential.access_key if auth is not None
                               else claimed_access_key(request)),
                "account": auth.credential.account if auth is not None else None,
                "operation": operation,
                "bucket": s3.bucket if s3 is not None else None,
                "key": s3.key if s3 is not None else None,
                "status": status,
                "error_code": error_code,
                "bytes_in": bytes_in,
                "bytes_out": bytes_out,
                "duration_ms": round(time_ * 1000, 3),
                "swift_ms": round(swift_time.seconds * 1000, 3) if swift_time else 0.0,
                "swift_requests": swift_time.requests if swift_time else 0,
                "user_agent": request.headers.get("User-Agent"),
                "client_disconnected": disconnected,
            })

        @property
        def enabled(self) -> bool:
            return True  # metrics need every request, logged or not

    return RequestObserver

