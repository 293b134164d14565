"""Who may manage whose keys: the caller's X-Auth-Token checked against Swift.

The account model: an EC2 credential's ``tenant_id`` is its Swift account
without the reseller prefix (``test`` for ``AUTH_test``; with Keystone a
project id, as keystoneauth names accounts). ``user_id`` names the caller:
with tempauth the Swift user ``account:user`` (``test:tester``) or just the
account; its *home account* is the part before ``:``. A token may act as
``user_id`` when Swift lets it act on the home account, and may manage a key
of ``tenant_id`` when Swift lets it act on that account too. Another
validator (Keystone's, which knows the token's user) plugs in through
``TokenValidator``.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Protocol

from gateway.credentials.ttl_cache import TtlCache
from gateway.storage.errors import StoreUnavailable
from gateway.swift.client import SwiftClient

CACHE_ENTRIES = 4096


class Access(enum.Enum):
    """The three answers Keystone distinguishes: 200 (ALLOWED), 401, 403."""

    ALLOWED = "allowed"
    INVALID_TOKEN = "invalid token"
    FORBIDDEN = "forbidden"


class TokenValidator(Protocol):
    """May the holder of ``token``, acting as ``user_id``, manage keys of ``account``?

    Raises ``gateway.storage.errors.StoreUnavailable`` when it cannot tell.
    """

    async def authorize(self, token: str, user_id: str, account: str | None) -> Access: ...


class SwiftTokenValidator:
    """Asks Swift (tempauth or keystoneauth) with a HEAD of the account, sent with the
    caller's token; answers are cached per token and account for ``cache_seconds``."""

    def __init__(self, swift: SwiftClient, reseller_prefix: str, cache_seconds: float) -> None:
        self._swift = swift
        self._prefix = reseller_prefix
        self._cache: TtlCache[Access] = TtlCache(cache_seconds, CACHE_ENTRIES)

    def home_account(self, user_id: str) -> str:
        """``test:tester`` or ``test`` -> ``AUTH_test``."""
        return self._prefix + user_id.partition(":")[0]

    async def authorize(self, token: str, user_id: str, account: str | None) -> Access:
        if not token or not user_id.partition(":")[0]:
            return Access.INVALID_TOKEN if not token else Access.FORBIDDEN
        home = self.home_account(user_id)
        access = await self._access(token, home)
        if access is not Access.ALLOWED or account is None or account == home:
            return access
        return await self._access(token, account)

    async def _access(self, token: str, account: str) -> Access:
        # The cache holds a digest, never the token itself.
        key = hashlib.sha256(f"{token}\n{account}".encode()).hexdigest()
        hit, access = self._cache.get(key)
        if hit and access is not None:
            return access
        status = await self._swift.account_status_for(token, account)
        if status >= 500:
            raise StoreUnavailable(f"Swift answered {status} to a token check")
        if status // 100 == 2:
            access = Access.ALLOWED
        elif status == 401:
            access = Access.INVALID_TOKEN
        else:
            access = Access.FORBIDDEN
        self._cache.put(key, access)
        return access
