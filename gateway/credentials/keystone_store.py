"""Keystone EC2 credentials as the gateway's credential store.

The gateway verifies signatures itself with the secret it reads from Keystone
(as Swift's s3token does with its secret cache), so a steady-state request
costs no Keystone round trip: a key's secret, project and roles are cached
``[keystone] cache_seconds``. The key's project maps to the Swift account
``<reseller_prefix><project_id>``, as Swift's keystoneauth maps it, and the
key's user must hold an operator role there. An EC2 key never carries more:
the reseller admin role is never an operator role (``config._check_keystone``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from gateway.config import KeystoneConfig
from gateway.credentials.base import (
    Credential, CredentialRefused, CredentialsUnavailable, RemoteVerdict, SecretUnavailable,
    ignore_cache_result)
from gateway.keystone.client import (
    Ec2Credential, KeystoneClient, KeystoneForbidden, KeystoneUnavailable, TokenInfo)
from gateway.keystone.key_cache import KeyCache

log = logging.getLogger("gateway")

# After Keystone failed to answer, it is not asked again for this long: a slow
# Keystone then costs one timeout per period, not one per request.
OUTAGE_RETRY_SECONDS = 2.0


class KeystoneSource(Protocol):
    """What the store needs from Keystone (``KeystoneClient``)."""

    async def ec2_credential(self, access: str) -> Ec2Credential | None: ...

    async def project_roles(self, user_id: str, project_id: str) -> frozenset[str]: ...

    async def enabled(self, kind: str, entity_id: str) -> bool: ...

    async def s3tokens(self, access: str, string_to_sign: bytes,
                       signature: str) -> tuple[bool, TokenInfo | None]: ...


@dataclass(frozen=True)
class KeyVerdict:
    """A cached answer for one key: its credential, or why it may not be used."""

    credential: Credential
    refused: bool


class KeystoneCredentialStore:
    """Looks keys up in Keystone with the service identity, through a ``KeyCache``.

    ``source`` (the application's ``KeystoneClient``) is borrowed, not owned:
    the application closes it once, after every user of it.
    """

    def __init__(self, source: KeystoneSource, config: KeystoneConfig, reseller_prefix: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._prefix = reseller_prefix
        self._operator_roles = frozenset(config.operator_roles)
        self._clock = clock
        self._cache_seconds = config.cache_seconds
        # Until when secrets are known to be unreadable (the service user lacks
        # ``reader``): keys are then checked with s3tokens, one call per request.
        self._secrets_unreadable_until = float("-inf")
        self._outage_until = float("-inf")
        self.cache: KeyCache[KeyVerdict] = KeyCache(
            config.cache_seconds, config.negative_cache_seconds, config.cache_size,
            config.negative_cache_size, grace=config.outage_grace_seconds)
        self._pending: dict[str, asyncio.Task[KeyVerdict | None]] = {}
        self.on_cache: Callable[[bool], None] = ignore_cache_result  # metrics, if any

    @classmethod
    def on_client(cls, client: KeystoneClient, reseller_prefix: str) -> KeystoneCredentialStore:
        """The store on the application's Keystone client, with its ``[keystone]`` settings."""
        return cls(client, client.config, reseller_prefix)

    @property
    def source(self) -> KeystoneSource:
        """The Keystone client this store borrows."""
        return self._source

    async def lookup(self, access_key: str) -> Credential | None:
        now = self._clock()
        found, verdict = self.cache.get(access_key, now)
        self.on_cache(found)
        if not found:
            verdict = await asyncio.shield(self._lookup_task(access_key))
        elif (verdict is not None and access_key not in self._pending
              and self.cache.refresh_due(access_key, now)):
            self._lookup_task(access_key)  # renewed in the background; this request goes on
        if verdict is None:
            return None
        if verdict.refused:
            raise CredentialRefused(access_key)
        return verdict.credential

    def _lookup_task(self, access_key: str) -> asyncio.Task[KeyVerdict | None]:
        """One Keystone lookup per key at a time, in its own task: concurrent misses
        share it, and a client that disconnects does not cancel it for the others."""
        task = self._pending.get(access_key)
        if task is None:
            task = asyncio.ensure_future(self._fetch(access_key))
            self._pending[access_key] = task
            task.add_done_callback(partial(self._settled, access_key))
        return task

    def _settled(self, access_key: str, task: asyncio.Task[KeyVerdict | None]) -> None:
        self._pending.pop(access_key, None)
        if not task.cancelled():
            task.exception()  # retrieved, even when every waiter went away

    async def _fetch(self, access_key: str) -> KeyVerdict | None:
        """Ask Keystone; on an outage, serve a recently cached answer or give up."""
        if self._secrets_unreadable_until > self._clock():
            raise SecretUnavailable(access_key)
        if self._outage_until > self._clock():
            return self._outage_answer(access_key)
        try:
            ec2 = await self._source.ec2_credential(access_key)
            allowed = ec2 is not None and await self._usable(ec2)
        except KeystoneForbidden:
            # Re-checked after the cache time, so granting ``reader`` takes effect.
            self._secrets_unreadable_until = self._clock() + max(self._cache_seconds, 1.0)
            log.info("keystone: the service user may not read EC2 secrets; "
                     "checking signatures with /v3/s3tokens")
            raise SecretUnavailable(access_key) from None
        except KeystoneUnavailable as exc:
            log.warning("keystone lookup of an access key failed: %s", exc)
            self._outage_until = self._clock() + OUTAGE_RETRY_SECONDS
            return self._outage_answer(access_key)
        now = self._clock()
        if ec2 is None:
            self.cache.put_unknown(access_key, now)
            return None
        credential = Credential(access_key, ec2.secret, self._prefix + ec2.project_id)
        verdict = KeyVerdict(credential, refused=not allowed)
        self.cache.put(access_key, verdict, now)
        return verdict

    async def _usable(self, ec2: Ec2Credential) -> bool:
        """The key's user holds an operator role on its project, and both are enabled
        (what s3tokens would check); the three reads run concurrently."""
        if not ec2.project_id:
            return False
        roles, user_on, project_on = await asyncio.gather(
            self._source.project_roles(ec2.user_id, ec2.project_id),
            self._source.enabled("users", ec2.user_id),
            self._source.enabled("projects", ec2.project_id))
        return bool(roles & self._operator_roles) and user_on and project_on

    def _outage_answer(self, access_key: str) -> KeyVerdict:
        """While Keystone is unreachable: a recently cached answer, or 503."""
        stale = self.cache.stale(access_key, self._clock())
        if stale is None:
            raise CredentialsUnavailable("keystone unavailable")
        return stale

    async def verify_signature(self, access_key: str, string_to_sign: str,
                               signature: str) -> RemoteVerdict:
        """Keystone's ``/v3/s3tokens`` checks the signature; the gateway the roles."""
        try:
            known, token = await self._source.s3tokens(
                access_key, string_to_sign.encode("utf-8", "surrogateescape"), signature)
        except (KeystoneUnavailable, KeystoneForbidden) as exc:
            log.warning("keystone s3tokens failed: %s", exc)
            raise CredentialsUnavailable("keystone unavailable") from None
        if token is None:
            return RemoteVerdict(known, None)
        if not token.project_id or not (token.roles & self._operator_roles):
            raise CredentialRefused(access_key)
        return RemoteVerdict(True, Credential(access_key, "", self._prefix + token.project_id))

    async def close(self) -> None:
        """Stop lookups still running; the Keystone client belongs to the application."""
        pending = list(self._pending.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
