"""``SwiftCredentialStore`` on the session's Swift, counting the requests it sends.

What the cache and the records promise: a steady lookup costs no request,
concurrent lookups of an uncached key share one GET, the reserved account is
never a key's, and a wrong encryption key is refused before any request is
served. Two replicas sharing the store: test_shared_credentials.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from cryptography.fernet import Fernet

from gateway.config import SwiftConfig
from gateway.credentials.sqlite_store import generate_encryption_key
from gateway.credentials.swift_store import SwiftCredentialStore
from tests.integration.conftest import GatewayEnv
from tests.integration.store_support import CountingClient

ACCOUNT = "AUTH_s3swift-credentials"


@contextlib.asynccontextmanager
async def credential_store(env: GatewayEnv, container: str, key: str,
                           cache_seconds: float = 60.0
                           ) -> AsyncIterator[tuple[SwiftCredentialStore, CountingClient]]:
    config = SwiftConfig(auth_url=env.swift_auth_url, user=env.swift_admin_user,
                         key=env.swift_admin_key)
    client = CountingClient(CountingClient.create_session(config), config)
    try:
        yield SwiftCredentialStore(client, key, ACCOUNT, container, cache_seconds), client
    finally:
        await client.close()


def taken(client: CountingClient) -> list[tuple[str, str | None, str | None]]:
    requests, client.sent = client.sent, []
    return requests


@pytest.fixture
def container() -> str:
    return f"credentials-test-{uuid.uuid4().hex[:8]}"


async def test_lookups_are_cached_and_coalesced(gateway_env: GatewayEnv, container: str) -> None:
    key = generate_encryption_key()
    async with credential_store(gateway_env, container, key) as (writer, _):
        await writer.check_key()
        await writer.create_credential("SHAREDKEY1", "secret-1", "AUTH_test")
    async with credential_store(gateway_env, container, key) as (store, client):
        found = await asyncio.gather(*(store.lookup("SHAREDKEY1") for _ in range(20)))
        assert {(c.secret_key, c.account) for c in found if c} == {("secret-1", "AUTH_test")}
        assert taken(client) == [("GET", container, "SHAREDKEY1")]  # one GET for twenty
        assert await store.lookup("SHAREDKEY1") is found[0]
        misses = await asyncio.gather(*(store.lookup("NOSUCHKEY") for _ in range(5)))
        assert misses == [None] * 5 and await store.lookup("NOSUCHKEY") is None
        assert taken(client) == [("GET", container, "NOSUCHKEY")]  # misses cached too

        # This process's own writes apply at once, without a read.
        await store.create_credential("NOSUCHKEY", "now-it-exists", "AUTH_test")
        assert (await store.lookup("NOSUCHKEY")).secret_key == "now-it-exists"
        assert await store.delete_credential("SHAREDKEY1") is True
        assert await store.lookup("SHAREDKEY1") is None
        assert [method for method, _, _ in taken(client)] == ["PUT", "DELETE"]
        listed = await store.list_credentials()
        assert [(c.access_key, c.account) for c in listed] == [("NOSUCHKEY", "AUTH_test")]


async def test_a_cancelled_reader_leaves_its_waiters_an_answer(gateway_env: GatewayEnv,
                                                               container: str) -> None:
    """The request whose GET the others wait for may be cancelled (its client went
    away); the others then read for themselves."""
    key = generate_encryption_key()
    async with credential_store(gateway_env, container, key) as (store, _):
        await store.check_key()
        await store.create_credential("WAITEDKEY", "secret-w", "AUTH_test")
    async with credential_store(gateway_env, container, key) as (store, _):
        reader = asyncio.ensure_future(store.lookup("WAITEDKEY"))
        await asyncio.sleep(0)  # the reader's GET is under way
        waiter = asyncio.ensure_future(store.lookup("WAITEDKEY"))
        await asyncio.sleep(0)  # the waiter waits for it
        reader.cancel()
        found = await waiter
        assert found is not None and found.secret_key == "secret-w"


async def test_the_reserved_account_is_never_a_keys(gateway_env: GatewayEnv,
                                                    container: str) -> None:
    key = generate_encryption_key()
    async with credential_store(gateway_env, container, key) as (store, client):
        await store.check_key()
        with pytest.raises(ValueError, match="credentials account"):
            await store.create_credential("FORGED", "secret", ACCOUNT)
        # A record naming it (written behind the store's back) is ignored.
        forged = json.dumps({"secret": Fernet(key).encrypt(b"secret").decode(),
                             "account": ACCOUNT, "user_id": "",
                             "created_at": "2026-01-01T00:00:00Z"}).encode()
        resp = await client.request("PUT", ACCOUNT, container, "FORGED", data=forged)
        resp.release()
        assert await store.get_credential("FORGED") is None


async def test_a_wrong_encryption_key_is_refused(gateway_env: GatewayEnv,
                                                 container: str) -> None:
    async with credential_store(gateway_env, container, generate_encryption_key()) as (store, _):
        await store.check_key()
        await store.check_key()  # the right key, again: fine
    async with credential_store(gateway_env, container, generate_encryption_key()) as (store, _):
        with pytest.raises(ValueError, match="encryption key does not match"):
            await store.check_key()
