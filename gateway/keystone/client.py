"""The gateway's Keystone client: one pooled session, one cached service token.

Everything the gateway asks Keystone goes through here: an EC2 credential by
access key, a user's effective roles on a project, ``/v3/s3tokens``, token
validation, and the Swift service identity's own token (``issue_token``, used
by ``gateway.swift.auth``). The application makes one client in its
``cleanup_ctx`` (``gateway.app``) and closes it once, after its users. Keystone's own error texts never leave this module: callers get
``KeystoneUnavailable`` (unreachable, 5xx, slow), ``KeystoneForbidden`` (the
service identity may not read this) or a plain "not found" answer.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from gateway.config import KeystoneConfig
from gateway.keystone.tokens import (
    KeystoneAuthError, issue_token, password_auth_body, project_scope, system_scope)

log = logging.getLogger("gateway")

# Renew the service token this long before it expires.
RENEW_MARGIN_SECONDS = 120.0
DEFAULT_TOKEN_LIFETIME = 3600.0


class KeystoneUnavailable(Exception):
    """Keystone could not answer (down, slow, 5xx, or refused the service identity)."""


class KeystoneForbidden(Exception):
    """The service identity lacks the role this call needs (e.g. no ``reader``)."""


@dataclass(frozen=True, repr=False)
class Ec2Credential:
    """An EC2 credential as Keystone stores it."""

    access: str
    secret: str
    user_id: str
    project_id: str

    def __repr__(self) -> str:  # never the secret
        return f"Ec2Credential(access={self.access!r}, project_id={self.project_id!r})"


@dataclass(frozen=True)
class TokenInfo:
    """Who a Keystone token (or an s3tokens answer) speaks for."""

    user_id: str
    project_id: str | None  # None for a system- or domain-scoped token
    roles: frozenset[str]
    system: bool = False


def credential_id(access: str) -> str:
    """Keystone files an EC2 credential under the SHA-256 of its access key."""
    return hashlib.sha256(access.encode("utf-8")).hexdigest()


def token_info(document: Any) -> TokenInfo:
    """A ``TokenInfo`` from Keystone's ``{"token": {...}}`` document."""
    token = document.get("token") if isinstance(document, dict) else None
    if not isinstance(token, dict) or not isinstance(token.get("user"), dict):
        raise KeystoneUnavailable("keystone answered without a token document")
    project = token.get("project")
    roles = frozenset(r["name"] for r in token.get("roles") or [] if isinstance(r, dict)
                      and isinstance(r.get("name"), str))
    return TokenInfo(user_id=str(token["user"].get("id", "")),
                     project_id=project.get("id") if isinstance(project, dict) else None,
                     roles=roles, system="system" in token)


class KeystoneClient:
    """Talks to Keystone as the gateway's service user (``[keystone]`` settings);
    ``issue_token`` also serves other identities (the Swift service identity)."""

    def __init__(self, config: KeystoneConfig) -> None:
        self._config = config
        self._url = config.auth_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    def _http(self) -> aiohttp.ClientSession:
        """The session, created on first use inside the running loop."""
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._config.timeout_seconds)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    @property
    def config(self) -> KeystoneConfig:
        return self._config

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def issue_token(self, auth_url: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A token for the password request ``body`` at ``auth_url``, over this
        client's session (``KeystoneAuthError`` when refused)."""
        return await issue_token(self._http(), auth_url, body)

    def _scope(self) -> dict[str, Any]:
        c = self._config
        if c.system_scope:
            return system_scope(c.system_scope)
        return project_scope(c.project_name, c.project_domain_name)

    async def service_token(self) -> str:
        """The service user's token, renewed before it expires."""
        if self._token is not None and self._token_expires > time.monotonic():
            return self._token
        async with self._token_lock:
            if self._token is None or self._token_expires <= time.monotonic():
                c = self._config
                body = password_auth_body(c.user, c.password, c.user_domain_name, self._scope())
                try:
                    token_id, document = await self.issue_token(self._url, body)
                except KeystoneAuthError as exc:
                    log.warning("keystone service identity: %s", exc)
                    raise KeystoneUnavailable("no service token") from None
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                    raise KeystoneUnavailable(f"keystone unreachable: {type(exc).__name__}") \
                        from None
                self._token = token_id
                self._token_expires = time.monotonic() + _lifetime(document) \
                    - RENEW_MARGIN_SECONDS
            return self._token

    async def _call(self, method: str, path: str, *, json_body: Any = None,
                    headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One authenticated call: (status, parsed JSON or None); retried once after a 401."""
        for attempt in (1, 2):
            token = await self.service_token()
            all_headers = {"X-Auth-Token": token, **(headers or {})}
            try:
                async with self._http().request(method, self._url + path, json=json_body,
                                                headers=all_headers) as resp:
                    status = resp.status
                    body = await resp.read()
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise KeystoneUnavailable(f"keystone unreachable: {type(exc).__name__}") from None
            if status == 401 and attempt == 1 and path != "/s3tokens":
                self._token = None  # revoked or expired early: one fresh token
                continue
            if status >= 500 or (status == 401 and path != "/s3tokens"):
                raise KeystoneUnavailable(f"keystone answered {status} to {method}")
            try:
                return status, json.loads(body) if body else None
            except ValueError:
                raise KeystoneUnavailable("keystone answered something other than JSON") \
                    from None
        raise AssertionError("unreachable")

    async def ec2_credential(self, access: str) -> Ec2Credential | None:
        """The credential with this access key, ``None`` when Keystone has none."""
        status, body = await self._call("GET", f"/credentials/{credential_id(access)}")
        if status == 404:
            return None
        if status == 403:
            raise KeystoneForbidden("the service identity may not read EC2 secrets")
        if status != 200:
            raise KeystoneUnavailable(f"keystone answered {status} to a credential read")
        cred = body.get("credential") if isinstance(body, dict) else None
        if not isinstance(cred, dict) or cred.get("type") != "ec2":
            return None
        try:
            blob = json.loads(cred["blob"]) if isinstance(cred.get("blob"), str) else cred["blob"]
            if blob["access"] != access:  # a hash collision is no match
                return None
            return Ec2Credential(access, str(blob["secret"]), str(cred["user_id"]),
                                 str(cred.get("project_id") or blob.get("project_id") or ""))
        except (KeyError, TypeError, ValueError):
            return None

    async def project_roles(self, user_id: str, project_id: str) -> frozenset[str]:
        """The names of the roles ``user_id`` holds on ``project_id``, inherited ones included."""
        path = (f"/role_assignments?user.id={user_id}&scope.project.id={project_id}"
                "&effective&include_names")
        status, body = await self._call("GET", path)
        if status == 403:
            raise KeystoneForbidden("the service identity may not list role assignments")
        if status != 200 or not isinstance(body, dict):
            raise KeystoneUnavailable(f"keystone answered {status} to role assignments")
        return frozenset(a["role"]["name"] for a in body.get("role_assignments") or []
                         if isinstance(a, dict) and isinstance(a.get("role"), dict)
                         and isinstance(a["role"].get("name"), str))

    async def enabled(self, kind: str, entity_id: str) -> bool:
        """Whether the user or project (``kind`` "users"/"projects") exists and is enabled."""
        status, body = await self._call("GET", f"/{kind}/{entity_id}")
        if status == 404:
            return False
        if status == 403:
            raise KeystoneForbidden(f"the service identity may not read {kind}")
        if status != 200 or not isinstance(body, dict):
            raise KeystoneUnavailable(f"keystone answered {status} to a {kind} read")
        entity = body.get(kind[:-1])
        return isinstance(entity, dict) and entity.get("enabled", True) is True

    async def s3tokens(self, access: str, string_to_sign: bytes,
                       signature: str) -> tuple[bool, TokenInfo | None]:
        """Ask Keystone to check a signature: ``(False, None)`` for an unknown key,
        ``(True, None)`` for a wrong signature, ``(True, token)`` for a match.

        Keystone does not check the request's date: the caller enforces the clock skew.
        """
        body = {"credentials": {"access": access, "signature": signature,
                                "token": base64.b64encode(string_to_sign).decode("ascii")}}
        status, answer = await self._call("POST", "/s3tokens", json_body=body)
        if status == 404:
            return False, None
        if status == 401:
            return True, None
        if status == 403:
            raise KeystoneForbidden("the service identity may not call s3tokens")
        if status != 200:
            raise KeystoneUnavailable(f"keystone answered {status} to s3tokens")
        return True, token_info(answer)

    async def validate_token(self, token: str) -> TokenInfo | None:
        """Who ``token`` (a user's ``X-Auth-Token``) speaks for; ``None`` when invalid.

        For the OS-EC2 listener: a user may manage credentials of the projects
        it holds roles on.
        """
        status, body = await self._call("GET", "/auth/tokens",
                                        headers={"X-Subject-Token": token})
        if status in (404, 403, 400):
            return None
        if status != 200:
            raise KeystoneUnavailable(f"keystone answered {status} to a token validation")
        return token_info(body)


def _lifetime(document: dict[str, Any]) -> float:
    """Seconds until the token in ``document`` expires."""
    expires = document["token"].get("expires_at")
    if not isinstance(expires, str):
        return DEFAULT_TOKEN_LIFETIME
    try:
        at = datetime.fromisoformat(expires.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return DEFAULT_TOKEN_LIFETIME
    return max(at - time.time(), RENEW_MARGIN_SECONDS + 1.0)
