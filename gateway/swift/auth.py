"""Tokens for the gateway's own Swift service identity (tempauth v1 or Keystone v3).

The gateway acts as a reseller admin: one token reaches every tenant account,
whose storage URL is ``<endpoint>/<reseller_prefix><tenant>``. In the
application a Keystone token is asked for through the application's one
Keystone client (``gateway.keystone.client``, shared with the credential
lookups); one-shot commands without it ask over the Swift session.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import aiohttp

from gateway.config import SwiftConfig
from gateway.keystone.tokens import (
    KeystoneAuthError, issue_token, password_auth_body, project_scope)

# Renew this long before the token expires, so that no request carries a stale one.
RENEW_MARGIN_SECONDS = 120.0
DEFAULT_TOKEN_LIFETIME = 3600.0


class KeystoneTokenIssuer(Protocol):
    """Issues identity v3 tokens over a shared session (``KeystoneClient``)."""

    async def issue_token(self, auth_url: str,
                          body: dict[str, Any]) -> tuple[str, dict[str, Any]]: ...


class SwiftAuthError(Exception):
    """The gateway's service identity could not obtain a token."""


@dataclass(frozen=True)
class Token:
    value: str
    endpoint: str  # the proxy's /v1 URL, without an account
    expires_at: float  # monotonic clock


def _endpoint_from_storage_url(storage_url: str) -> str:
    """``http://proxy/v1/AUTH_admin`` → ``http://proxy/v1``."""
    return storage_url.rstrip("/").rsplit("/", 1)[0]


async def _tempauth(session: aiohttp.ClientSession, config: SwiftConfig) -> Token:
    headers = {"X-Auth-User": config.user, "X-Auth-Key": config.key}
    async with session.get(config.auth_url, headers=headers) as resp:
        if resp.status // 100 != 2:
            raise SwiftAuthError(f"tempauth answered {resp.status} {resp.reason}")
        token = resp.headers.get("X-Auth-Token")
        storage_url = resp.headers.get("X-Storage-Url")
        if not token or not storage_url:
            raise SwiftAuthError(f"tempauth answered {resp.status} without X-Auth-Token and "
                                 "X-Storage-Url: is this a tempauth v1 URL?")
        lifetime = float(resp.headers.get("X-Auth-Token-Expires", DEFAULT_TOKEN_LIFETIME))
    endpoint = config.endpoint or _endpoint_from_storage_url(storage_url)
    return Token(token, endpoint.rstrip("/"), time.monotonic() + lifetime)


def keystone_request_body(config: SwiftConfig) -> dict:
    """Identity v3 password authentication, scoped to the service project."""
    return password_auth_body(config.user, config.key, config.user_domain_name,
                              project_scope(config.project_name, config.project_domain_name))


def keystone_token(token_id: str, body: dict, config: SwiftConfig,
                   now_wall: float, now_monotonic: float) -> Token:
    """Build a ``Token`` from Keystone's answer: expiry and the object-store endpoint."""
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, dict):
        raise SwiftAuthError("keystone answered without a token document")
    expires_at = now_monotonic + DEFAULT_TOKEN_LIFETIME
    if "expires_at" in token:
        expiry = datetime.fromisoformat(token["expires_at"].replace("Z", "+00:00")).timestamp()
        expires_at = now_monotonic + max(expiry - now_wall, 0.0)
    endpoint = config.endpoint
    if not endpoint:
        for service in token.get("catalog", []):
            if service.get("type") != "object-store":
                continue
            for ep in service.get("endpoints", []):
                if ep.get("interface") == config.interface:
                    endpoint = _endpoint_from_storage_url(ep["url"])
                    break
            if endpoint:
                break
    if not endpoint:
        raise SwiftAuthError("no object-store endpoint in the Keystone catalog")
    return Token(token_id, endpoint.rstrip("/"), expires_at)


async def _keystone(session: aiohttp.ClientSession, config: SwiftConfig,
                    issuer: KeystoneTokenIssuer | None) -> Token:
    body = keystone_request_body(config)
    try:
        if issuer is not None:
            token_id, document = await issuer.issue_token(config.auth_url, body)
        else:
            token_id, document = await issue_token(session, config.auth_url, body)
    except KeystoneAuthError as exc:
        raise SwiftAuthError(str(exc)) from None
    return keystone_token(token_id, document, config, time.time(), time.monotonic())


class TokenProvider:
    """Caches the service token; renews it before expiry or after a 401."""

    def __init__(self, session: aiohttp.ClientSession, config: SwiftConfig,
                 on_token: Callable[[], None] | None = None,
                 keystone: KeystoneTokenIssuer | None = None) -> None:
        """``on_token`` is told of each token obtained (metrics); ``keystone``, where
        given, issues Keystone tokens (else ``session`` reaches Keystone)."""
        self._session = session
        self._config = config
        self._keystone = keystone
        self._on_token = on_token
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Token:
        token = self._token
        if token is not None and token.expires_at - RENEW_MARGIN_SECONDS > time.monotonic():
            return token
        async with self._lock:
            token = self._token
            if token is None or token.expires_at - RENEW_MARGIN_SECONDS <= time.monotonic():
                if self._config.auth_type == "keystone":
                    token = await _keystone(self._session, self._config, self._keystone)
                else:
                    token = await _tempauth(self._session, self._config)
                self._token = token
                if self._on_token is not None:
                    self._on_token()
            return token

    def invalidate(self, stale: Token) -> None:
        if self._token is stale:
            self._token = None
