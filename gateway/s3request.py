"""What every handler receives: the resolved, authenticated S3 request."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway import errors
from gateway.auth.authenticate import AuthResult
from gateway.config import GatewayConfig
from gateway.forwarded import CLIENT_INFO, ClientInfo
from gateway.storage.base import Store


@dataclass
class S3Request:
    """One S3 request after addressing and authentication.

    ``bucket`` and ``key`` are decoded; ``key`` is ``None`` for service and bucket
    requests. ``auth`` is ``None`` for an anonymous request. ``operation`` is the
    S3 operation's AWS name (``PutObject``), set once by routing.
    """

    http: web.Request
    request_id: str
    bucket: str | None
    key: str | None
    auth: AuthResult | None
    config: GatewayConfig
    store: Store  # the storage backend (``gateway.storage``): handlers' only way to data
    operation: str = ""

    @property
    def account(self) -> str:
        """The Swift account the request acts on (the credential's own, for now)."""
        if self.auth is None:
            raise errors.AccessDenied()
        return self.auth.credential.account

    @property
    def owner_id(self) -> str:
        return self.account

    @property
    def client(self) -> ClientInfo:
        """The client's IP and TLS, as trusted proxies forwarded them (``aws:SourceIp``,
        ``aws:SecureTransport``); set for every request by the observe middleware."""
        return self.http[CLIENT_INFO]

    @property
    def query(self):  # noqa: ANN201 - aiohttp's MultiDictProxy[str]
        return self.http.query


REQUEST_ID = web.RequestKey("request_id", str)
HOST_ID = web.RequestKey("host_id", str)
S3_REQUEST = web.RequestKey("s3_request", S3Request)
# The S3 error code answered, for the access log and metrics.
ERROR_CODE = web.RequestKey("error_code", str)
