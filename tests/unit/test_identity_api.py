"""The OS-EC2 API's decisions (Keystone's bodies and codes) on a real SQLite store.

Who a token is comes from ``TableValidator``, a ``TokenValidator`` answering
from a table, so these tests need no Swift; tests/integration/test_identity_api.py
runs the same API against Swift's tempauth and python-keystoneclient.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.credentials.sqlite_store import (
    SqliteCredentialStore,
    generate_encryption_key,
)
from gateway.identity_api.app import create_identity_app
from gateway.identity_api.tokens import Access
from gateway.storage.errors import StoreUnavailable

ALICE_TOKEN = "token-of-alice"
BOB_TOKEN = "token-of-bob"


class TableValidator:
    """Alice's token acts as ``alice:a`` on AUTH_alice and AUTH_shared; Bob's as
    ``bob`` on AUTH_bob; any other token is invalid."""

    grants = {ALICE_TOKEN: ("alice:a", {"AUTH_alice", "AUTH_shared"}),
              BOB_TOKEN: ("bob", {"AUTH_bob"})}

    async def authorize(self, token: str, user_id: str, account: str | None) -> Access:
        if token not in self.grants:
            return Access.INVALID_TOKEN
        user, accounts = self.grants[token]
        if user != user_id or (account is not None and account not in accounts):
            return Access.FORBIDDEN
        return Access.ALLOWED


class UnreachableStore(SqliteCredentialStore):
    """A store whose backend is down, as a Swift-backed one can be."""

    async def list_credentials(self) -> Any:
        raise StoreUnavailable("Swift unreachable")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteCredentialStore]:
    with SqliteCredentialStore(tmp_path / "c.sqlite", generate_encryption_key()) as s:
        yield s


@pytest.fixture
async def client(store: SqliteCredentialStore) -> AsyncIterator[TestClient]:
    app = create_identity_app(store, TableValidator(), "AUTH_")
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def ec2_path(user: str, access: str = "", prefix: str = "/v3") -> str:
    path = f"{prefix}/users/{user}/credentials/OS-EC2"
    return f"{path}/{access}" if access else path


async def create(client: TestClient, token: str = ALICE_TOKEN, tenant: str = "alice",
                 user: str = "alice:a", prefix: str = "/v3") -> Any:
    resp = await client.post(ec2_path(user, prefix=prefix), json={"tenant_id": tenant},
                             headers={"X-Auth-Token": token})
    return resp.status, await resp.json()


async def test_create_get_list_delete_with_keystones_bodies(
        client: TestClient, store: SqliteCredentialStore) -> None:
    status, body = await create(client)
    assert status == 201
    cred = body["credential"]
    assert set(cred) == {"access", "secret", "tenant_id", "user_id", "trust_id", "links"}
    # Keystone's v3 wraps each credential with its own URL.
    assert cred["links"]["self"].endswith(ec2_path("alice:a", cred["access"]))
    assert cred["tenant_id"] == "alice" and cred["user_id"] == "alice:a"
    assert cred["trust_id"] is None
    assert len(cred["access"]) == 32 and len(cred["secret"]) == 32
    # The key is the gateway's: S3 finds it, on the account the tenant names.
    found = await store.lookup(cred["access"])
    assert found is not None and (found.secret_key, found.account) == (cred["secret"], "AUTH_alice")

    headers = {"X-Auth-Token": ALICE_TOKEN}
    resp = await client.get(ec2_path("alice:a", cred["access"]), headers=headers)
    assert resp.status == 200 and (await resp.json()) == {"credential": cred}
    resp = await client.get(ec2_path("alice:a"), headers=headers)
    listed = await resp.json()
    assert resp.status == 200 and listed["credentials"] == [cred]
    assert listed["links"]["next"] is None and listed["links"]["self"].endswith(ec2_path("alice:a"))
    for path in (ec2_path("alice:a"), ec2_path("alice:a", cred["access"])):
        resp = await client.head(path, headers=headers)  # v3 answers HEAD as GET
        assert resp.status == 200 and await resp.read() == b""

    resp = await client.delete(ec2_path("alice:a", cred["access"]), headers=headers)
    assert resp.status == 204 and await resp.read() == b""
    assert await store.lookup(cred["access"]) is None
    resp = await client.get(ec2_path("alice:a", cred["access"]), headers=headers)
    assert resp.status == 401
    assert (await resp.json())["error"] == {
        "code": 401, "title": "Unauthorized", "message": "EC2 access key not found."}


async def test_v2_spelling_is_the_same_api_with_v2_bodies(client: TestClient) -> None:
    """Status codes as Keystone's v2.0 API reference gives them (201, 200, 204); the
    bodies as its v2.0 controller wrote them: no ``links``."""
    status, body = await create(client, prefix="/identity/v2.0")
    assert status == 201 and body["credential"]["tenant_id"] == "alice"
    assert set(body["credential"]) == {"access", "secret", "tenant_id", "user_id", "trust_id"}
    access = body["credential"]["access"]
    headers = {"X-Auth-Token": ALICE_TOKEN}
    resp = await client.get(ec2_path("alice:a", access, "/identity/v2.0"), headers=headers)
    assert resp.status == 200 and await resp.json() == body
    resp = await client.get(ec2_path("alice:a", prefix="/identity/v2.0"), headers=headers)
    assert resp.status == 200 and await resp.json() == {"credentials": [body["credential"]]}
    resp = await client.delete(ec2_path("alice:a", access, "/identity/v2.0"), headers=headers)
    assert resp.status == 204


async def test_missing_or_invalid_token_is_401_naming_keystone(client: TestClient) -> None:
    for headers in ({}, {"X-Auth-Token": "forged"}):
        resp = await client.get(ec2_path("alice:a"), headers=headers)
        assert resp.status == 401
        bad_body = await client.post(ec2_path("alice:a"), data=b"{", headers=headers)
        assert bad_body.status == 401  # the token first, then the body
        assert resp.headers["WWW-Authenticate"].startswith('Keystone uri="http://')
        assert (await resp.json())["error"]["message"] == (
            "The request you have made requires authentication.")


async def test_another_users_path_or_account_is_403(client: TestClient) -> None:
    status, body = await create(client, token=BOB_TOKEN)  # Bob acting as alice:a
    assert status == 403
    assert body["error"]["message"] == ("You are not authorized to perform the requested "
                                        "action: identity:ec2_create_credential.")
    status, _ = await create(client, tenant="bob")  # Alice on Bob's account
    assert status == 403
    status, _ = await create(client, tenant="shared")  # a second account Alice reaches
    assert status == 201


async def test_a_key_of_another_user_is_not_found(client: TestClient) -> None:
    _, body = await create(client)
    access = body["credential"]["access"]
    resp = await client.get(ec2_path("bob", access), headers={"X-Auth-Token": BOB_TOKEN})
    assert resp.status == 401
    resp = await client.delete(ec2_path("bob", access), headers={"X-Auth-Token": BOB_TOKEN})
    assert resp.status == 401
    resp = await client.get(ec2_path("bob"), headers={"X-Auth-Token": BOB_TOKEN})
    assert (await resp.json())["credentials"] == []


async def test_keys_made_with_the_cli_are_not_listed(client: TestClient,
                                                     store: SqliteCredentialStore) -> None:
    store.create("CLIKEY", "cli-secret", "AUTH_alice")
    resp = await client.get(ec2_path("alice:a"), headers={"X-Auth-Token": ALICE_TOKEN})
    assert (await resp.json())["credentials"] == []


@pytest.mark.parametrize("body, status", [
    (b"{not json", 400), (b"{}", 404), (b'{"tenant_id": 7}', 404), (b'["alice"]', 404)])
async def test_bad_create_bodies(client: TestClient, body: bytes, status: int) -> None:
    resp = await client.post(ec2_path("alice:a"), data=body,
                             headers={"X-Auth-Token": ALICE_TOKEN})
    assert resp.status == status
    assert (await resp.json())["error"]["code"] == status


async def test_an_oversized_body_is_a_keystone_413(client: TestClient) -> None:
    resp = await client.post(ec2_path("alice:a"), data=b"{" + b" " * (2 << 20) + b"}",
                             headers={"X-Auth-Token": ALICE_TOKEN})
    assert resp.status == 413 and (await resp.json())["error"]["code"] == 413


async def test_unknown_paths_and_methods_are_keystone_errors(client: TestClient) -> None:
    resp = await client.get("/v3/users/alice:a/credentials/OS-OTHER")
    assert resp.status == 404 and (await resp.json())["error"]["title"] == "Not Found"
    resp = await client.put(ec2_path("alice:a"))
    assert resp.status == 405 and (await resp.json())["error"]["code"] == 405


async def test_store_outage_is_503(tmp_path: Path) -> None:
    with UnreachableStore(tmp_path / "c.sqlite", generate_encryption_key()) as store:
        app = create_identity_app(store, TableValidator(), "AUTH_")
        async with TestClient(TestServer(app)) as client:
            resp = await client.get(ec2_path("alice:a"), headers={"X-Auth-Token": ALICE_TOKEN})
            assert resp.status == 503
            assert (await resp.json())["error"]["title"] == "Service Unavailable"
