"""An async Swift client on one shared aiohttp ``ClientSession``.

Paths are percent-encoded by hand and handed to aiohttp as already-encoded URLs,
so keys such as ``..``, ``a//b``, ``?``, ``#``, ``%`` or ``+`` reach Swift byte for
byte: nothing on the way normalises them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Mapping
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
import orjson
from yarl import URL

from gateway.config import SwiftConfig
from gateway.storage.errors import StoreUnavailable
from gateway.storage.records import SpliceableBody
from gateway.swift.auth import KeystoneTokenIssuer, SwiftAuthError, TokenProvider
from gateway.swift.spliced_upload import SplicedPayload

log = logging.getLogger("gateway")


def quote_name(name: str) -> str:
    """Encode one path element (account, container or whole object name).

    ``/`` is encoded too, so an object name never forms path segments that a
    URL library could collapse; Swift decodes ``%2F`` back to ``/``.
    """
    return quote(name, safe="").replace(".", "%2E")


def swift_path(account: str, container: str | None = None, obj: str | None = None) -> str:
    path = "/" + quote_name(account)
    if container is not None:
        path += "/" + quote_name(container)
        if obj is not None:
            path += "/" + quote_name(obj)
    return path


def encode_query(params: Mapping[str, str] | None) -> str:
    if not params:
        return ""
    return "?" + "&".join(f"{quote(k, safe='')}={quote(str(v), safe='')}" for k, v in params.items())


async def json_body(resp: aiohttp.ClientResponse) -> Any:
    """A JSON answer of Swift (listings), decoded from its bytes by orjson.

    A 1,000-entry container listing is ~175 KB: the standard library spends about
    twice orjson's time on it (0.51 against 0.24 ms here), on every LIST page.
    Malformed JSON raises ``ValueError``, as ``json.loads`` does.
    """
    return orjson.loads(await resp.read())


class SwiftObserver(Protocol):
    """Told of every Swift request (metrics, the access log's Swift time); the Swift
    code stays free of what observes it. Called on the request's own task."""

    def swift_answered(self, method: str, status: int, seconds: float) -> None: ...

    def swift_unreachable(self, method: str, seconds: float) -> None: ...

    def token_obtained(self) -> None: ...


class _Unobserved:
    def swift_answered(self, method: str, status: int, seconds: float) -> None:
        pass

    def swift_unreachable(self, method: str, seconds: float) -> None:
        pass

    def token_obtained(self) -> None:
        pass


class SwiftClient:
    """Sends requests to tenant accounts with the gateway's service token."""

    def __init__(self, session: aiohttp.ClientSession, config: SwiftConfig,
                 body_errors: tuple[type[BaseException], ...] = (),
                 observer: SwiftObserver | None = None,
                 keystone: KeystoneTokenIssuer | None = None) -> None:
        """``body_errors``: what a streamed body may raise on purpose (a failed
        signature or checksum check); re-raised as itself, never as an outage.
        ``observer`` times each request to its response head. ``keystone``: the
        application's Keystone client, for a Keystone service identity."""
        self._session = session
        self._config = config
        self._observer: SwiftObserver = observer if observer is not None else _Unobserved()
        self._tokens = TokenProvider(session, config, on_token=self._observer.token_obtained,
                                     keystone=keystone)
        self._body_errors = body_errors

    @property
    def read_timeout_seconds(self) -> float:
        """How long a response body may stay silent (aiohttp's ``sock_read``)."""
        return self._config.timeout_seconds

    @classmethod
    def create_session(cls, config: SwiftConfig) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=config.pool_size, limit_per_host=config.pool_size,
            keepalive_timeout=30, enable_cleanup_closed=True)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=config.connect_timeout_seconds,
            sock_read=config.timeout_seconds)
        # Bodies pass through untouched: never decompress what Swift stores.
        return aiohttp.ClientSession(
            connector=connector, timeout=timeout, auto_decompress=False,
            skip_auto_headers=("User-Agent", "Content-Type", "Accept-Encoding"))

    async def request(
        self,
        method: str,
        account: str,
        container: str | None = None,
        obj: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        data: bytes | AsyncIterable[bytes] | None = None,
    ) -> aiohttp.ClientResponse:
        """Send one request; the caller reads or releases the response.

        Connection failures and timeouts become ``StoreUnavailable``, and so
        does a 401 (a refused service token) that cannot be retried with a
        renewed token: a streamed body has been consumed, and a second refusal
        means the identity itself is in trouble (S3 clients get a 503, which
        SDKs retry). One of ``body_errors`` raised by a streamed ``data``
        iterator is re-raised as itself, after the upstream request was aborted
        (so Swift stores nothing partial). A ``SpliceableBody`` goes socket to
        socket where it can (``gateway.swift.spliced_upload``).
        """
        path = swift_path(account, container, obj) + encode_query(params)
        replayable = data is None or isinstance(data, bytes)
        body: bytes | AsyncIterable[bytes] | SplicedPayload | None = data
        if isinstance(data, SpliceableBody):
            body = SplicedPayload(data, self.read_timeout_seconds)
        for attempt in (1, 2):
            try:
                token = await self._tokens.get()
            except (SwiftAuthError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise StoreUnavailable("no service token") from exc
            send_headers: dict[str, Any] = dict(headers or {})
            send_headers["X-Auth-Token"] = token.value
            url = URL(token.endpoint + path, encoded=True)
            started = time.perf_counter()
            try:
                resp = await self._session.request(method, url, headers=send_headers, data=body)
            except self._body_errors:
                raise
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                body_error = self._find_body_error(exc)
                if body_error is not None:
                    raise body_error from exc
                self._observer.swift_unreachable(method, time.perf_counter() - started)
                raise StoreUnavailable(f"Swift unreachable for {method}") from exc
            self._observer.swift_answered(method, resp.status, time.perf_counter() - started)
            if resp.status == 401:
                # Swift refused the gateway's own token (expired, or lost by
                # tempauth's memcache): never the client's fault, never AccessDenied.
                resp.release()
                self._tokens.invalidate(token)
                if attempt == 1 and replayable:
                    continue
                log.warning("Swift refused the service token on %s; body not replayable",
                            method)
                raise StoreUnavailable("Swift refused the service token")
            return resp
        raise AssertionError("unreachable")

    async def account_status_for(self, user_token: str, account: str) -> int:
        """The status of a HEAD of ``account`` sent with a user's token, not the
        service's: 2xx the token may act on it, 401 the token is not valid, 403
        it is valid but not for this account (the OS-EC2 API's token check)."""
        try:
            token = await self._tokens.get()  # only for the proxy's endpoint
        except (SwiftAuthError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise StoreUnavailable("no service token") from exc
        url = URL(token.endpoint + swift_path(account), encoded=True)
        try:
            async with self._session.head(url, headers={"X-Auth-Token": user_token}) as resp:
                return resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise StoreUnavailable("Swift unreachable for a token check") from exc

    async def check_ready(self) -> None:
        """Swift answers with a valid service token (readiness), else ``StoreUnavailable``.

        A HEAD on an account no one uses: the reseller admin may HEAD any account,
        so anything but a 5xx (a refused token is renewed once, then 503) is fine."""
        resp = await self.request("HEAD", f"{self._config.reseller_prefix}s3swift-readiness")
        resp.release()
        if resp.status >= 500:
            raise StoreUnavailable(f"Swift answered {resp.status}")

    async def close(self) -> None:
        await self._session.close()

    def _find_body_error(self, exc: BaseException | None) -> BaseException | None:
        """aiohttp wraps what a body iterator raised; dig it back out."""
        seen = 0
        while exc is not None and seen < 8:
            if self._body_errors and isinstance(exc, self._body_errors):
                return exc
            exc = exc.__cause__ or exc.__context__
            seen += 1
        return None
