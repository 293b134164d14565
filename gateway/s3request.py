"""What every handler receives: the resolved, authenticated S3 request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from gateway import errors
from gateway.auth.authenticate import AuthResult
from gateway.authz.acl import Owner
from gateway.authz.identity import ANONYMOUS, Principal, canonical_id
from gateway.config import GatewayConfig
from gateway.forwarded import CLIENT_INFO, ClientInfo
from gateway.storage.base import Store


class BucketVerdicts(Protocol):
    """What the authorization point decided for a request
    (``gateway.authz.point.RequestAccess``), as handlers read it; declared here
    because that module imports this one."""

    bucket_acl: Any  # gateway.authz.acl.Acl | None
    registered: bool
    ownership: str
    block: Any  # gateway.policy.access_block.PublicAccessBlock

    @property
    def acls_apply(self) -> bool: ...

    @property
    def is_bucket_owner(self) -> bool: ...

    def may_list(self) -> bool: ...

    def check_object(self, operation: str, info: Any) -> None: ...


@dataclass
class S3Request:
    """One S3 request after addressing and authentication.

    ``bucket`` and ``key`` are decoded; ``key`` is ``None`` for service and bucket
    requests. ``auth`` is ``None`` for an anonymous request. ``operation`` is the
    S3 operation's AWS name (``PutObject``), set once by routing.
    ``bucket_account``: the account that owns ``bucket`` (the bucket registry's
    answer, set by the authorization point), where its data lives.
    ``access``: the authorization point's verdicts for this request
    (``BucketVerdicts``), for checks that need an object's ACL.
    """

    http: web.Request
    request_id: str
    bucket: str | None
    key: str | None
    auth: AuthResult | None
    config: GatewayConfig
    store: Store  # the storage backend (``gateway.storage``): handlers' only way to data
    operation: str = ""
    bucket_account: str | None = None
    access: BucketVerdicts | None = None

    @property
    def principal(self) -> Principal:
        """Who sends the request (``ANONYMOUS`` without a signature)."""
        return ANONYMOUS if self.auth is None else Principal(self.auth.credential.account)

    @property
    def caller_account(self) -> str:
        """The signer's own account (ListBuckets, CreateBucket); anonymous: AccessDenied."""
        if self.auth is None:
            raise errors.AccessDenied()
        return self.auth.credential.account

    @property
    def account(self) -> str:
        """The Swift account the request acts on: the bucket owner's, else the caller's."""
        return self.bucket_account if self.bucket_account is not None else self.caller_account

    @property
    def owner(self) -> Owner:
        """The owner of the account acted on (the bucket's owner), as S3 shows owners."""
        return owner_of(self.account)

    @property
    def caller(self) -> Owner:
        """The signer, as S3 shows owners and initiators."""
        return owner_of(self.caller_account)

    @property
    def client(self) -> ClientInfo:
        """The client's IP and TLS, as trusted proxies forwarded them (``aws:SourceIp``,
        ``aws:SecureTransport``); set for every request by the observe middleware."""
        return self.http[CLIENT_INFO]

    @property
    def query(self):  # noqa: ANN201 - aiohttp's MultiDictProxy[str]
        return self.http.query


def owner_of(account: str) -> Owner:
    """An account as S3 shows it: its canonical id and, as display name, its name."""
    return Owner(canonical_id(account), account)


REQUEST_ID = web.RequestKey("request_id", str)
HOST_ID = web.RequestKey("host_id", str)
S3_REQUEST = web.RequestKey("s3_request", S3Request)
# The S3 error code answered, for the access log and metrics.
ERROR_CODE = web.RequestKey("error_code", str)
# Body bytes the kernel moved socket to socket (``gateway.relay``,
# ``gateway.body.splice_source``), for the metrics.
SPLICED_BYTES = web.RequestKey("spliced_bytes", int)
