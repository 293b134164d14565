"""The Keystone credential store's decisions: cache, negative cache, roles, outages.

Keystone is replaced by a scripted source here (logic only); the integration
test ``test_keystone_credentials.py`` runs the same store against a real Keystone.
"""

from __future__ import annotations

import asyncio

import pytest

from gateway.config import ConfigError, KeystoneConfig, load_config
from gateway.credentials.base import CredentialRefused, CredentialsUnavailable, SecretUnavailable
from gateway.credentials.keystone_store import OUTAGE_RETRY_SECONDS, KeystoneCredentialStore
from gateway.keystone.client import (
    Ec2Credential, KeystoneForbidden, KeystoneUnavailable, TokenInfo, credential_id, token_info)
from gateway.keystone.key_cache import KeyCache


class ScriptedKeystone:
    """Answers from dicts; ``down`` makes every call fail as an unreachable Keystone."""

    def __init__(self) -> None:
        self.keys: dict[str, Ec2Credential] = {}
        self.roles: dict[tuple[str, str], frozenset[str]] = {}
        self.down = False
        self.forbidden = False
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.disabled: set[str] = set()

    def add(self, access: str, roles: frozenset[str] = frozenset({"member"})) -> None:
        self.keys[access] = Ec2Credential(access, f"secret-{access}", "u1", "p1")
        self.roles[("u1", "p1")] = roles

    async def ec2_credential(self, access: str) -> Ec2Credential | None:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise KeystoneUnavailable("down")
        if self.forbidden:
            raise KeystoneForbidden("no reader role")
        return self.keys.get(access)

    async def project_roles(self, user_id: str, project_id: str) -> frozenset[str]:
        self.calls += 1
        if self.down:
            raise KeystoneUnavailable("down")
        return self.roles.get((user_id, project_id), frozenset())

    async def enabled(self, kind: str, entity_id: str) -> bool:
        self.calls += 1
        if self.down:
            raise KeystoneUnavailable("down")
        return entity_id not in self.disabled

    async def s3tokens(self, access: str, string_to_sign: bytes,
                       signature: str) -> tuple[bool, TokenInfo | None]:
        """A signature "matches" when it is ``good:<string to sign>``."""
        self.calls += 1
        if self.down:
            raise KeystoneUnavailable("down")
        key = self.keys.get(access)
        if key is None:
            return False, None
        if signature != f"good:{string_to_sign.decode()}":
            return True, None
        return True, TokenInfo(key.user_id, key.project_id, self.roles[(key.user_id,
                                                                           key.project_id)])

    async def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_store(source: ScriptedKeystone, clock: Clock, **settings: object) -> KeystoneCredentialStore:
    config = KeystoneConfig(auth_url="http://ks/v3", user="gw", password="pw",
                            cache_seconds=60.0, negative_cache_seconds=10.0,
                            outage_grace_seconds=300.0)
    for name, value in settings.items():
        setattr(config, name, value)
    return KeystoneCredentialStore(source, config, "AUTH_", clock=clock)


async def test_a_key_maps_to_its_projects_account_and_is_cached() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    store = make_store(source, clock)
    seen: list[bool] = []
    store.on_cache = seen.append  # what the application's metrics count
    cred = await store.lookup("AK1")
    assert cred is not None
    assert (cred.secret_key, cred.account) == ("secret-AK1", "AUTH_p1")
    assert source.calls == 4  # the credential; roles, user and project concurrently
    clock.now += 44  # fresh, and not yet due for renewal (REFRESH_AHEAD of 60 s)
    assert await store.lookup("AK1") == cred
    assert source.calls == 4
    assert (store.cache.hits, store.cache.misses) == (1, 1) and seen == [False, True]


async def test_a_deleted_or_changed_key_is_seen_after_the_cache_time() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    store = make_store(source, clock)
    await store.lookup("AK1")
    source.keys["AK1"] = Ec2Credential("AK1", "rotated", "u1", "p1")
    clock.now += 60
    cred = await store.lookup("AK1")
    assert cred is not None and cred.secret_key == "rotated"
    del source.keys["AK1"]
    clock.now += 60
    assert await store.lookup("AK1") is None


async def test_a_key_in_use_is_renewed_in_the_background_before_it_expires() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    store = make_store(source, clock)
    await store.lookup("AK1")
    source.keys["AK1"] = Ec2Credential("AK1", "rotated", "u1", "p1")
    clock.now += 50  # past REFRESH_AHEAD of the 60 s cache time
    cred = await store.lookup("AK1")
    assert cred is not None and cred.secret_key == "secret-AK1"  # no wait for Keystone
    for _ in range(100):  # the renewal runs on the loop: no real I/O, a few turns
        if not store.cache.refresh_due("AK1", clock.now):
            break
        await asyncio.sleep(0)
    assert source.calls == 8 and not store.cache.refresh_due("AK1", clock.now)
    clock.now += 20  # the first answer has expired; the renewed one is fresh
    cred = await store.lookup("AK1")
    assert cred is not None and cred.secret_key == "rotated"
    assert source.calls == 8 and store.cache.misses == 1
    await store.close()


async def test_unknown_keys_are_remembered_briefly_and_in_bounded_number() -> None:
    source, clock = ScriptedKeystone(), Clock()
    store = make_store(source, clock, negative_cache_size=2)
    assert await store.lookup("NOPE") is None
    assert await store.lookup("NOPE") is None
    assert source.calls == 1
    source.add("NOPE")  # created in Keystone meanwhile
    clock.now += 10
    assert await store.lookup("NOPE") is not None
    for name in ("X1", "X2", "X3"):
        await store.lookup(name)
    calls = source.calls
    await store.lookup("X1")  # pushed out by X3: asked again
    assert source.calls == calls + 1


async def test_no_operator_role_is_refused_and_reseller_admin_is_no_operator_role() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("READER", roles=frozenset({"reader"}))
    store = make_store(source, clock)
    with pytest.raises(CredentialRefused):
        await store.lookup("READER")
    source.roles[("u1", "p1")] = frozenset({"ResellerAdmin"})
    clock.now += 60
    with pytest.raises(CredentialRefused):
        await store.lookup("READER")
    source.roles[("u1", "p1")] = frozenset({"admin", "reader"})
    clock.now += 60
    assert await store.lookup("READER") is not None


@pytest.mark.parametrize("disabled", ["u1", "p1"])
async def test_a_disabled_user_or_project_is_refused(disabled: str) -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    source.disabled.add(disabled)
    with pytest.raises(CredentialRefused):
        await make_store(source, clock).lookup("AK1")


async def test_outage_serves_recent_keys_and_503s_the_rest() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    source.add("AK2")
    store = make_store(source, clock)
    await store.lookup("AK1")
    source.down = True
    clock.now += 200  # past the cache time, within the grace
    assert await store.lookup("AK1") is not None
    with pytest.raises(CredentialsUnavailable):
        await store.lookup("AK2")
    calls = source.calls
    clock.now += 1  # Keystone is not asked again right after it failed
    with pytest.raises(CredentialsUnavailable):
        await store.lookup("AK2")
    assert source.calls == calls
    clock.now += 200  # past the grace too
    with pytest.raises(CredentialsUnavailable):
        await store.lookup("AK1")
    source.down = False  # back: asked again once the retry period is over
    clock.now += OUTAGE_RETRY_SECONDS
    assert await store.lookup("AK2") is not None


async def test_without_reader_keys_are_checked_by_s3tokens_and_roles_by_the_gateway() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    source.forbidden = True
    store = make_store(source, clock)
    with pytest.raises(SecretUnavailable):
        await store.lookup("AK1")
    calls = source.calls
    with pytest.raises(SecretUnavailable):  # remembered: no second credential read
        await store.lookup("AK1")
    assert source.calls == calls
    verdict = await store.verify_signature("AK1", "sts", "good:sts")
    assert verdict.known and verdict.credential is not None
    assert (verdict.credential.account, verdict.credential.secret_key) == ("AUTH_p1", "")
    assert (await store.verify_signature("AK1", "sts", "bad")).credential is None
    assert not (await store.verify_signature("NOPE", "sts", "good:sts")).known
    source.roles[("u1", "p1")] = frozenset({"reader", "ResellerAdmin"})
    with pytest.raises(CredentialRefused):
        await store.verify_signature("AK1", "sts", "good:sts")
    source.down = True
    with pytest.raises(CredentialsUnavailable):
        await store.verify_signature("AK1", "sts", "good:sts")
    source.down = source.forbidden = False
    source.roles[("u1", "p1")] = frozenset({"member"})
    clock.now += 60  # reader granted meanwhile: secrets are read again
    cred = await store.lookup("AK1")
    assert cred is not None and cred.secret_key == "secret-AK1"


async def test_concurrent_misses_share_one_keystone_lookup() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    source.gate = asyncio.Event()
    store = make_store(source, clock)
    lookups = [asyncio.ensure_future(store.lookup("AK1")) for _ in range(16)]
    await asyncio.sleep(0)
    source.gate.set()
    creds = await asyncio.gather(*lookups)
    assert all(c is not None and c.account == "AUTH_p1" for c in creds)
    assert source.calls == 4


async def test_a_cancelled_request_does_not_cancel_the_shared_lookup() -> None:
    source, clock = ScriptedKeystone(), Clock()
    source.add("AK1")
    source.gate = asyncio.Event()
    store = make_store(source, clock)
    first = asyncio.ensure_future(store.lookup("AK1"))
    second = asyncio.ensure_future(store.lookup("AK1"))
    await asyncio.sleep(0)
    first.cancel()  # its client went away
    source.gate.set()
    cred = await second
    assert cred is not None and cred.account == "AUTH_p1"
    assert first.cancelled()


def test_key_cache_bounds_found_keys_oldest_first() -> None:
    cache: KeyCache[str] = KeyCache(ttl=60, negative_ttl=10, size=2, negative_size=2)
    for i, name in enumerate(("a", "b", "c")):
        cache.put(name, name.upper(), float(i))
    assert cache.get("a", 3.0) == (False, None)
    assert cache.get("c", 3.0) == (True, "C")
    cache.put_unknown("c", 4.0)  # a key found unknown forgets its old answer
    assert cache.get("c", 5.0) == (True, None)
    assert cache.stale("c", 5.0) is None


def test_keystone_answers_parse() -> None:
    # An id Keystone 30 gave the credential with this access key.
    assert credential_id("66f151110a864e6ab5587e73488484da") == \
        "50b4538dd637cd3cf76a25a159fc7a361fbbe61ce6a8914ad492adae8c014971"
    info = token_info({"token": {"user": {"id": "u"}, "project": {"id": "p"},
                                 "roles": [{"name": "member"}, {"id": "x"}]}})
    assert (info.user_id, info.project_id, info.roles, info.system) == \
        ("u", "p", frozenset({"member"}), False)
    system = token_info({"token": {"user": {"id": "u"}, "system": {"all": True}, "roles": []}})
    assert system.project_id is None and system.system
    with pytest.raises(KeystoneUnavailable):
        token_info({"error": {}})


def test_config_checks_the_keystone_backend() -> None:
    env = {"S3SWIFT_CREDENTIALS_BACKEND": "keystone", "S3SWIFT_KEYSTONE_AUTH_URL": "http://ks/v3",
           "S3SWIFT_KEYSTONE_USER": "gw", "S3SWIFT_KEYSTONE_PASSWORD": "pw",
           "S3SWIFT_KEYSTONE_OPERATOR_ROLES": "member,swiftoperator",
           "S3SWIFT_KEYSTONE_CACHE_SECONDS": "5"}
    config = load_config(env=env)
    assert config.keystone.operator_roles == ["member", "swiftoperator"]
    assert config.keystone.cache_seconds == 5.0
    with pytest.raises(ConfigError, match=r"\[keystone\] password must be set"):
        load_config(env={k: v for k, v in env.items() if k != "S3SWIFT_KEYSTONE_PASSWORD"})
    with pytest.raises(ConfigError, match="reseller admin"):
        load_config(env={**env, "S3SWIFT_KEYSTONE_OPERATOR_ROLES": "member,ResellerAdmin"})
