"""Credentials kept in Swift itself, so every gateway replica shares them.

Each key is one small JSON object, named by the access key, in a reserved
container of a reserved account that only the gateway's service identity
reaches (``[credentials] swift_account``/``swift_container``); secrets are
Fernet-encrypted with ``[credentials] encryption_key``, as in the SQLite store.
Lookups are cached per process for ``cache_seconds`` (misses too, bounded), so
a steady stream of requests costs no Swift round trip; this process's own
writes update its cache at once, other replicas see them within the cache time.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

from cryptography.fernet import InvalidToken

from gateway.credentials.base import Credential, StoredCredential, ignore_cache_result
from gateway.credentials.sqlite_store import (
    decrypt_secret,
    make_fernet,
    validate_access_key,
    validate_account,
    validate_secret_key,
)
from gateway.credentials.ttl_cache import TtlCache
from gateway.storage.errors import StoreUnavailable
from gateway.swift.client import SwiftClient

CACHE_ENTRIES = 10_000
# Misses have their own, smaller bound: a flood of made-up keys never evicts real ones.
MISS_CACHE_ENTRIES = 1_000
# Records read at once when listing (management only, never on the S3 path).
LIST_CONCURRENCY = 16
# Container metadata proving the configured key is the one the records were written with.
KEY_CHECK_HEADER = "X-Container-Meta-S3gw-Key-Check"
_KEY_CHECK_PLAINTEXT = b"s3swift-credentials-key-check"
_LIST_PAGE = 10_000


def default_account(reseller_prefix: str) -> str:
    """``AUTH_s3swift-credentials``: no Keystone project (hex ids) is named so, and
    tempauth users are the operator's to name. (Not ``AUTH_.x``: tempauth keeps
    dot accounts from reseller admins.)"""
    return f"{reseller_prefix}s3swift-credentials"


class SwiftCredentialStore:
    """A ``ManagedCredentialStore`` on the gateway's Swift client (shared, not owned)."""

    def __init__(self, swift: SwiftClient, encryption_key: str, account: str,
                 container: str, cache_seconds: float) -> None:
        self._swift = swift
        self._fernet = make_fernet(encryption_key)
        self.account = account
        self.container = container
        self._cache: TtlCache[StoredCredential] = TtlCache(cache_seconds, CACHE_ENTRIES)
        self.on_cache: Callable[[bool], None] = ignore_cache_result  # metrics, if any
        self._misses: TtlCache[bool] = TtlCache(cache_seconds, MISS_CACHE_ENTRIES)
        # One GET per uncached key, however many requests wait for it.
        self._reading: dict[str, asyncio.Future[StoredCredential | None]] = {}

    async def check_key(self) -> None:
        """Create the container if needed and fail (``ValueError``) when the configured
        key is not the one its records were written with: at start-up, not per request."""
        resp = await self._swift.request("HEAD", self.account, self.container)
        resp.release()
        if resp.status == 404:
            await self._ensure_container()
            return
        self._expect(resp.status, "HEAD the credentials container")
        token = resp.headers.get(KEY_CHECK_HEADER)
        if token is None:
            await self._ensure_container()
            return
        try:
            self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise ValueError(f"the encryption key does not match the one the credentials in "
                             f"Swift ({self.account}/{self.container}) were written with") from None

    async def _ensure_container(self) -> None:
        """PUT the container with its key check (Swift's ``account_autocreate`` makes
        the account)."""
        check = self._fernet.encrypt(_KEY_CHECK_PLAINTEXT).decode("ascii")
        resp = await self._swift.request("PUT", self.account, self.container,
                                         headers={KEY_CHECK_HEADER: check})
        resp.release()
        self._expect(resp.status, "create the credentials container")

    @staticmethod
    def _expect(status: int, what: str) -> None:
        if status // 100 != 2:
            raise StoreUnavailable(f"Swift answered {status} to {what}")

    async def lookup(self, access_key: str) -> Credential | None:
        """The cached record, else one GET shared by every concurrent lookup of the
        key (its answer cached, a miss too)."""
        hit, record = self._cache.get(access_key)
        if hit:
            self.on_cache(True)
            return record
        known_miss = self._misses.get(access_key)[0]
        self.on_cache(known_miss)
        if known_miss:
            return None
        reading = self._reading.get(access_key)
        if reading is not None:
            try:
                return await asyncio.shield(reading)
            except asyncio.CancelledError:
                if not reading.cancelled():
                    raise  # this request itself was cancelled
                return await self.get_credential(access_key)  # the reader's request was
        reading = asyncio.get_running_loop().create_future()
        self._reading[access_key] = reading
        try:
            record = await self.get_credential(access_key)
        except asyncio.CancelledError:
            reading.cancel()  # the waiters read for themselves
            raise
        except BaseException as exc:
            reading.set_exception(exc)
            reading.exception()  # retrieved: no "never retrieved" warning when none waits
            raise
        else:
            reading.set_result(record)
            return record
        finally:
            del self._reading[access_key]

    async def get_credential(self, access_key: str) -> StoredCredential | None:
        """Read ``access_key``'s record from Swift, always fresh; refreshes the cache."""
        try:
            validate_access_key(access_key)
        except ValueError:
            return None
        resp = await self._swift.request("GET", self.account, self.container, access_key)
        try:
            if resp.status == 404:
                record = None
            else:
                self._expect(resp.status, "GET a credential")
                record = self._decode(access_key, await resp.read())
        finally:
            resp.release()
        if record is not None and record.account == self.account:
            record = None  # the reserved account is never a key's: not forgeable, not usable
        self._remember(access_key, record)
        return record

    def _remember(self, access_key: str, record: StoredCredential | None) -> None:
        if record is None:
            self._cache.discard(access_key)
            self._misses.put(access_key, True)
        else:
            self._misses.discard(access_key)
            self._cache.put(access_key, record)

    async def create_credential(self, access_key: str, secret_key: str, account: str,
                                user_id: str = "") -> StoredCredential:
        """Store (or replace) a key: one PUT; creates the container on first use."""
        validate_access_key(access_key)
        validate_secret_key(secret_key)
        validate_account(account)
        if account == self.account:
            raise ValueError(f"{account} is the gateway's own credentials account")
        record = StoredCredential(access_key, secret_key, account,
                                  datetime.now(timezone.utc).replace(microsecond=0), user_id)
        body = self._encode(record)
        resp = await self._put(access_key, body)
        if resp == 404:
            await self._ensure_container()
            resp = await self._put(access_key, body)
        self._expect(resp, "PUT a credential")
        self._remember(access_key, record)
        return record

    async def _put(self, access_key: str, body: bytes) -> int:
        resp = await self._swift.request("PUT", self.account, self.container, access_key,
                                         headers={"Content-Type": "application/json"},
                                         data=body)
        resp.release()
        return resp.status

    async def list_credentials(self) -> list[StoredCredential]:
        """Every record, by access key: a listing, then one GET per key (management only)."""
        names: list[str] = []
        marker = ""
        while True:
            params = {"format": "json", "limit": str(_LIST_PAGE), "marker": marker}
            resp = await self._swift.request("GET", self.account, self.container, params=params)
            try:
                if resp.status == 404:
                    return []
                self._expect(resp.status, "list the credentials")
                page = json.loads(await resp.read() or b"[]")
            finally:
                resp.release()
            names.extend(item["name"] for item in page)
            if len(page) < _LIST_PAGE:
                break
            marker = page[-1]["name"]
        limit = asyncio.Semaphore(LIST_CONCURRENCY)

        async def read(name: str) -> StoredCredential | None:
            async with limit:
                return await self.get_credential(name)

        records = await asyncio.gather(*(read(name) for name in names))
        return [record for record in records if record is not None]

    async def delete_credential(self, access_key: str) -> bool:
        """Remove a key; ``False`` when it did not exist. Forgotten by this process at once."""
        try:
            validate_access_key(access_key)
        except ValueError:
            return False
        resp = await self._swift.request("DELETE", self.account, self.container, access_key)
        resp.release()
        self._remember(access_key, None)
        if resp.status == 404:
            return False
        self._expect(resp.status, "DELETE a credential")
        return True

    def _encode(self, record: StoredCredential) -> bytes:
        document: dict[str, Any] = {
            "secret": self._fernet.encrypt(record.secret_key.encode("utf-8")).decode("ascii"),
            "account": record.account, "user_id": record.user_id,
            "created_at": record.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return json.dumps(document, separators=(",", ":")).encode("utf-8")

    def _decode(self, access_key: str, body: bytes) -> StoredCredential:
        try:
            document = json.loads(body)
            token = document["secret"].encode("ascii")
            account, user_id = str(document["account"]), str(document.get("user_id", ""))
            created = datetime.fromisoformat(document["created_at"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise StoreUnavailable(f"credential record {access_key!r} is malformed") from None
        secret = decrypt_secret(self._fernet, access_key, token)
        return StoredCredential(access_key, secret, account, created, user_id)

    async def close(self) -> None:
        """The Swift client is the application's; its owner closes it."""
        self._cache.clear()
        self._misses.clear()
