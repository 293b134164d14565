"""Who may manage whose keys, where Keystone is configured: Keystone's answer.

A Keystone token names its user, project and roles (``KeystoneClient.validate_token``).
The caller may act as ``user_id`` only with a token of that user (as Keystone's
own ``identity:ec2_*`` policy says for non-admins), and may manage keys of the
Swift account ``<reseller_prefix><project_id>`` only with a token scoped to that
project and holding one of the operator roles there (the roles that make a key
of that project usable at all; Swift keystoneauth's ``operator_roles``).
"""

from __future__ import annotations

import hashlib

from gateway.credentials.ttl_cache import TtlCache
from gateway.identity_api.tokens import CACHE_ENTRIES, Access
from gateway.keystone.client import KeystoneClient, KeystoneUnavailable, TokenInfo
from gateway.storage.errors import StoreUnavailable


class KeystoneTokenValidator:
    """``TokenValidator`` on Keystone; validations cached per token for ``cache_seconds``."""

    def __init__(self, keystone: KeystoneClient, reseller_prefix: str,
                 operator_roles: tuple[str, ...] | list[str], cache_seconds: float) -> None:
        self._keystone = keystone
        self._prefix = reseller_prefix
        self._operator_roles = frozenset(role.lower() for role in operator_roles)
        self._cache: TtlCache[TokenInfo | None] = TtlCache(cache_seconds, CACHE_ENTRIES)

    async def authorize(self, token: str, user_id: str, account: str | None) -> Access:
        if not token:
            return Access.INVALID_TOKEN
        info = await self._token_info(token)
        if info is None:
            return Access.INVALID_TOKEN
        if info.user_id != user_id:
            return Access.FORBIDDEN
        if account is None:
            return Access.ALLOWED
        if info.project_id is None or account != self._prefix + info.project_id:
            return Access.FORBIDDEN
        if not self._operator_roles & {role.lower() for role in info.roles}:
            return Access.FORBIDDEN
        return Access.ALLOWED

    async def _token_info(self, token: str) -> TokenInfo | None:
        key = hashlib.sha256(token.encode()).hexdigest()  # never the token itself
        hit, info = self._cache.get(key)
        if hit:
            return info
        try:
            info = await self._keystone.validate_token(token)
        except KeystoneUnavailable as exc:
            raise StoreUnavailable("Keystone cannot validate tokens now") from exc
        self._cache.put(key, info)
        return info
