"""Identity v3 password authentication: the one place that asks Keystone for a token.

Used by the Keystone client (credential lookups, system scope) and by the Swift
service identity (``gateway.swift.auth``, project scope).
"""

from __future__ import annotations

from typing import Any

import aiohttp


class KeystoneAuthError(Exception):
    """Keystone refused or could not issue the service token (no secret in the text)."""


def password_auth_body(user: str, password: str, user_domain: str,
                       scope: dict[str, Any]) -> dict[str, Any]:
    """A v3 password authentication request for ``user`` with the given ``scope``."""
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": user_domain}, "password": password}}},
        "scope": scope,
    }}


def project_scope(project: str, project_domain: str) -> dict[str, Any]:
    return {"project": {"name": project, "domain": {"name": project_domain}}}


def system_scope(system: str = "all") -> dict[str, Any]:
    return {"system": {system: True}}


def tokens_url(auth_url: str) -> str:
    """``http://ks:5000/v3`` → ``http://ks:5000/v3/auth/tokens`` (a full URL stays)."""
    url = auth_url.rstrip("/")
    return url if url.endswith("/auth/tokens") else url + "/auth/tokens"


async def issue_token(session: aiohttp.ClientSession, auth_url: str,
                      body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """POST the password request; the token id and Keystone's token document."""
    async with session.post(tokens_url(auth_url), json=body) as resp:
        if resp.status // 100 != 2:
            raise KeystoneAuthError(f"keystone answered {resp.status} {resp.reason}")
        token_id = resp.headers.get("X-Subject-Token")
        if not token_id:
            raise KeystoneAuthError(f"keystone answered {resp.status} without X-Subject-Token: "
                                    "is this an identity v3 URL?")
        document = await resp.json(content_type=None)
    if not isinstance(document, dict) or not isinstance(document.get("token"), dict):
        raise KeystoneAuthError("keystone answered without a token document")
    return token_id, document
