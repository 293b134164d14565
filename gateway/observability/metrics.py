"""The gateway's Prometheus series, one set per application (no global registry).

Requests are keyed by the named S3 operation routing gave them (``PutObject``),
never by path, so cardinality stays bounded. With ``--workers N`` the values
live in prometheus-client's multiprocess directory (``multiprocess.py``) and
``render`` sums every worker's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.observability.multiprocess import multiprocess_directory

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   300.0)
UPLOAD_OPERATIONS = frozenset({"PutObject", "UploadPart"})
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class _OperationSeries:
    seconds: Any
    bytes_in: Any
    bytes_out: Any


class GatewayMetrics:
    """Every series the gateway exports; ``registry`` is this application's."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._multiprocess_dir = multiprocess_directory()
        r = self.registry
        self.requests = Counter("s3swift_requests", "S3 requests by operation and status class",
                                ("operation", "status_class"), registry=r)
        self.request_seconds = Histogram(
            "s3swift_request_duration_seconds", "S3 request latency, until the last byte sent",
            ("operation",), buckets=LATENCY_BUCKETS, registry=r)
        self.bytes_in = Counter("s3swift_request_body_bytes",
                                "Request body bytes received", ("operation",), registry=r)
        self.bytes_out = Counter("s3swift_response_bytes",
                                 "Response bytes sent (headers included)", ("operation",),
                                 registry=r)
        self.in_flight = Gauge("s3swift_requests_in_flight", "S3 requests being served",
                               registry=r, multiprocess_mode="livesum")
        self.swift_seconds = Histogram(
            "s3swift_swift_request_duration_seconds", "Swift request latency, to the response head",
            ("method",), buckets=LATENCY_BUCKETS, registry=r)
        self.swift_errors = Counter(
            "s3swift_swift_errors", "Swift answers of 5xx or 401, and connection failures "
            "(status \"connection\")", ("status",), registry=r)
        self.token_renewals = Counter("s3swift_swift_token_renewals",
                                      "Service tokens obtained from the Swift auth service",
                                      registry=r)
        self.aborted_uploads = Counter(
            "s3swift_aborted_uploads", "PutObject/UploadPart requests that stored nothing "
            "(a failed check, a dropped client)", ("operation", "error_code"), registry=r)
        self.complete_keepalives = Counter(
            "s3swift_complete_keepalive_responses",
            "CompleteMultipartUpload answers that started early and sent keep-alive spaces",
            registry=r)
        credential_lookups = Counter(
            "s3swift_credential_cache_lookups", "Access-key lookups of a caching credential "
            "store (swift, keystone) answered from its cache (hit) or not (miss)",
            ("result",), registry=r)
        self._credential_hit = credential_lookups.labels("hit")
        self._credential_miss = credential_lookups.labels("miss")
        self.spliced_bytes = Counter(
            "s3swift_spliced_body_bytes", "Body bytes (of those counted above) the kernel "
            "moved socket to socket, never copied into the gateway", ("operation",), registry=r)
        self.client_disconnects = Counter(
            "s3swift_client_disconnects", "Requests whose client went away before the end",
            ("operation",), registry=r)

        # Label children by operation, found once: ``labels()`` validates and locks on
        # every call, and every request would otherwise make five of those calls.
        self._by_operation: dict[str, _OperationSeries] = {}
        self._by_status: dict[tuple[str, int], Any] = {}

    def credential_cache(self, hit: bool) -> None:
        """One lookup of a caching credential store (``CachingCredentialStore.on_cache``)."""
        (self._credential_hit if hit else self._credential_miss).inc()

    def request_done(self, operation: str, status: int, seconds: float, bytes_in: int,
                     bytes_out: int) -> None:
        """Count one answered S3 request."""
        series = self._by_operation.get(operation)
        if series is None:
            series = self._by_operation[operation] = _OperationSeries(
                self.request_seconds.labels(operation), self.bytes_in.labels(operation),
                self.bytes_out.labels(operation))
        status_class = status // 100
        requests = self._by_status.get((operation, status_class))
        if requests is None:
            requests = self._by_status[(operation, status_class)] = self.requests.labels(
                operation, f"{status_class}xx" if 1 <= status_class <= 5 else "other")
        requests.inc()
        series.seconds.observe(seconds)
        if bytes_in:
            series.bytes_in.inc(bytes_in)
        series.bytes_out.inc(bytes_out)

    def render(self) -> bytes:
        """The text exposition: this process's series, or every worker's summed."""
        if self._multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, self._multiprocess_dir)
        return generate_latest(registry)
