"""Credential stores, the store factory and the ``s3swift credentials`` CLI."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config import CredentialsConfig, StaticCredential
from gateway.credentials.base import Credential
from gateway.credentials.cli import add_arguments, main
from gateway.credentials.factory import (
    build_store,
    normalize_account,
    open_sqlite_store_for_data_dir,
)
from gateway.credentials.sqlite_store import (
    CredentialDecryptionError,
    SqliteCredentialStore,
    generate_access_key,
    generate_encryption_key,
    generate_secret_key,
    make_fernet,
)
from gateway.credentials.static_store import StaticCredentialStore

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def key() -> str:
    return generate_encryption_key()


@pytest.fixture
def store(tmp_path: Path, key: str):
    s = SqliteCredentialStore(tmp_path / "creds.sqlite", key)
    yield s
    s.close_sync()


# --- sqlite store -------------------------------------------------------------


async def test_create_lookup_list_delete(store: SqliteCredentialStore) -> None:
    cred = store.create("AKIDEXAMPLE", SECRET, "AUTH_test")
    assert cred == Credential("AKIDEXAMPLE", SECRET, "AUTH_test")
    assert await store.lookup("AKIDEXAMPLE") == cred
    assert await store.lookup("UNKNOWN") is None

    listed = store.list()
    assert [(c.access_key, c.secret_key, c.account) for c in listed] == [
        ("AKIDEXAMPLE", SECRET, "AUTH_test")]
    assert listed[0].created_at.tzinfo is not None

    assert store.delete("AKIDEXAMPLE") is True
    assert store.delete("AKIDEXAMPLE") is False
    assert await store.lookup("AKIDEXAMPLE") is None
    assert store.list() == []


async def test_replace_existing_key(store: SqliteCredentialStore) -> None:
    store.create("AKIDEXAMPLE", SECRET, "AUTH_test")
    assert (await store.lookup("AKIDEXAMPLE")).secret_key == SECRET  # warms the cache
    store.create("AKIDEXAMPLE", "new-secret", "AUTH_other")
    assert await store.lookup("AKIDEXAMPLE") == Credential("AKIDEXAMPLE", "new-secret", "AUTH_other")
    assert len(store.list()) == 1


def test_secret_not_stored_in_plaintext(tmp_path: Path, key: str) -> None:
    path = tmp_path / "creds.sqlite"
    with SqliteCredentialStore(path, key) as s:
        s.create("AKIDEXAMPLE", SECRET, "AUTH_test")
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("creds"))
    assert b"AKIDEXAMPLE" in blob  # the file is what we think it is
    assert SECRET.encode() not in blob
    assert key.encode() not in blob


def test_wrong_encryption_key_fails_clearly(tmp_path: Path, key: str) -> None:
    path = tmp_path / "creds.sqlite"
    with SqliteCredentialStore(path, key) as s:
        s.create("AKIDEXAMPLE", SECRET, "AUTH_test")
    with pytest.raises(ValueError, match="encryption key does not match"):
        SqliteCredentialStore(path, generate_encryption_key())


async def test_undecryptable_row_raises_decryption_error(tmp_path: Path, key: str) -> None:
    path = tmp_path / "creds.sqlite"
    other = generate_encryption_key()
    with SqliteCredentialStore(path, key) as s:
        s.create("AKIDEXAMPLE", SECRET, "AUTH_test")
        # Simulate a row written under another key (e.g. a botched manual migration).
        s._conn.execute("UPDATE credentials SET secret_enc = ?",
                        (make_fernet(other).encrypt(b"x"),))
        with pytest.raises(CredentialDecryptionError, match="AKIDEXAMPLE"):
            await s.lookup("AKIDEXAMPLE")


@pytest.mark.parametrize("bad", ["", "not-a-key", "A" * 44, "é" * 44])
def test_invalid_encryption_key(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="encryption key") as info:
        SqliteCredentialStore(tmp_path / "creds.sqlite", bad)
    if bad:
        assert bad not in str(info.value)


async def test_second_instance_sees_changes_immediately(tmp_path: Path, key: str) -> None:
    path = tmp_path / "creds.sqlite"
    with SqliteCredentialStore(path, key) as gateway, SqliteCredentialStore(path, key) as cli:
        assert await gateway.lookup("AKIDEXAMPLE") is None  # a miss must not be cached
        cli.create("AKIDEXAMPLE", SECRET, "AUTH_test")
        assert await gateway.lookup("AKIDEXAMPLE") == Credential("AKIDEXAMPLE", SECRET, "AUTH_test")
        cli.create("AKIDEXAMPLE", "rotated", "AUTH_test")
        assert (await gateway.lookup("AKIDEXAMPLE")).secret_key == "rotated"
        assert cli.delete("AKIDEXAMPLE")
        assert await gateway.lookup("AKIDEXAMPLE") is None


async def test_another_process_writes_while_open(tmp_path: Path, key: str) -> None:
    path = tmp_path / "creds.sqlite"
    code = ("import sys; from gateway.credentials.sqlite_store import SqliteCredentialStore as S; "
            "s = S(sys.argv[1], sys.argv[2]); s.create('AKPROC', 'procsecret', 'AUTH_p'); "
            "s.close_sync()")
    with SqliteCredentialStore(path, key) as gateway:
        assert await gateway.lookup("AKPROC") is None
        # The key travels on argv only in this test; real users get it from a file.
        subprocess.run([sys.executable, "-c", code, str(path), key], check=True,
                       cwd=Path(__file__).resolve().parents[2])
        assert await gateway.lookup("AKPROC") == Credential("AKPROC", "procsecret", "AUTH_p")


async def test_a_key_kept_from_a_lookup_follows_another_process_writes(
        tmp_path: Path, key: str) -> None:
    """The gateway keeps a found key while the files are unchanged: the CLI's
    rotation and deletion, from another process, still apply to the next lookup."""
    path = tmp_path / "creds.sqlite"
    code = ("import sys; from gateway.credentials.sqlite_store import SqliteCredentialStore as S; "
            "s = S(sys.argv[1], sys.argv[2]); "
            "s.delete('AKPROC') if sys.argv[3] == '-' else s.create('AKPROC', sys.argv[3], 'AUTH_p'); "
            "s.close_sync()")
    root = Path(__file__).resolve().parents[2]
    with SqliteCredentialStore(path, key) as gateway:
        for secret in ("first", "second", "third"):
            subprocess.run([sys.executable, "-c", code, str(path), key, secret], check=True, cwd=root)
            for _ in range(2):  # the second lookup is the kept one
                assert await gateway.lookup("AKPROC") == Credential("AKPROC", secret, "AUTH_p")
        subprocess.run([sys.executable, "-c", code, str(path), key, "-"], check=True, cwd=root)
        assert await gateway.lookup("AKPROC") is None


def test_wal_mode(store: SqliteCredentialStore) -> None:
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("access_key", ["", "ab", "has space", "a/b", "x" * 129, "tab\tkey"])
def test_rejects_bad_access_keys(store: SqliteCredentialStore, access_key: str) -> None:
    with pytest.raises(ValueError, match="access key"):
        store.create(access_key, SECRET, "AUTH_test")


@pytest.mark.parametrize("secret", ["", "has space", "new\nline"])
def test_rejects_bad_secrets(store: SqliteCredentialStore, secret: str) -> None:
    with pytest.raises(ValueError, match="secret key"):
        store.create("AKIDEXAMPLE", secret, "AUTH_test")


async def test_lookup_of_malformed_key_is_a_miss(store: SqliteCredentialStore) -> None:
    assert await store.lookup("") is None
    assert await store.lookup("x" * 10_000) is None


def test_repr_hides_secret(store: SqliteCredentialStore) -> None:
    store.create("AKIDEXAMPLE", SECRET, "AUTH_test")
    assert SECRET not in repr(store.list())


def test_generators() -> None:
    ak, sk = generate_access_key(), generate_secret_key()
    assert re.fullmatch(r"[A-Z0-9]{20}", ak)
    assert re.fullmatch(r"[A-Za-z0-9]{40}", sk)
    assert generate_access_key() != ak and generate_secret_key() != sk
    assert len(generate_encryption_key()) == 44


# --- static store and factory ------------------------------------------------------


async def test_static_store() -> None:
    cred = Credential("AKIDEXAMPLE", SECRET, "AUTH_test")
    s = StaticCredentialStore([cred, cred])
    assert await s.lookup("AKIDEXAMPLE") == cred
    assert await s.lookup("other") is None
    await s.close()


def test_static_store_rejects_conflicting_duplicates() -> None:
    with pytest.raises(ValueError, match="twice"):
        StaticCredentialStore([Credential("AK", "s1", "AUTH_a"), Credential("AK", "s2", "AUTH_a")])


@pytest.mark.parametrize("given, prefix, expected", [
    ("test", "AUTH_", "AUTH_test"),
    ("AUTH_test", "AUTH_", "AUTH_test"),
    ("test", "KEY_", "KEY_test"),
    ("test", "", "test"),
])
def test_normalize_account(given: str, prefix: str, expected: str) -> None:
    assert normalize_account(given, prefix) == expected


async def test_build_sqlite_store(tmp_path: Path, key: str) -> None:
    path = tmp_path / "nested" / "dir" / "creds.sqlite"
    s = build_store(CredentialsConfig(backend="sqlite", sqlite_path=str(path), encryption_key=key))
    assert isinstance(s, SqliteCredentialStore) and path.exists()
    await s.close()


def test_build_sqlite_store_needs_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="encryption_key"):
        build_store(CredentialsConfig(sqlite_path=str(tmp_path / "c.sqlite")))


async def test_build_static_store() -> None:
    config = CredentialsConfig(
        backend="static", access_key="AK1", secret_key="s1", account="one",
        static=[StaticCredential("AK2", "s2", "AUTH_two")])
    s = build_store(config)
    assert await s.lookup("AK1") == Credential("AK1", "s1", "AUTH_one")
    assert await s.lookup("AK2") == Credential("AK2", "s2", "AUTH_two")


def test_build_static_store_needs_credentials() -> None:
    with pytest.raises(ValueError, match="no credentials"):
        build_store(CredentialsConfig(backend="static"))


def test_build_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown credentials backend"):
        build_store(CredentialsConfig(backend="ldap"))


def test_open_data_dir_store(tmp_path: Path, key: str) -> None:
    (tmp_path / "credentials.key").write_text(key + "\n")
    with open_sqlite_store_for_data_dir(tmp_path) as s:
        s.create("AKIDEXAMPLE", SECRET, "AUTH_test")
    assert (tmp_path / "credentials.sqlite").exists()


def test_open_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no s3swift dev data dir at"):
        open_sqlite_store_for_data_dir(tmp_path / "absent")


# --- CLI ---------------------------------------------------------------------------


def run_cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="s3swift credentials")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = main(parser.parse_args(argv), stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def data_dir(tmp_path: Path, key: str) -> Path:
    (tmp_path / "credentials.key").write_text(key)
    return tmp_path


def parse_kv(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_cli_create_list_delete(data_dir: Path, key: str) -> None:
    code, out, _ = run_cli("create", "--data-dir", str(data_dir), "--account", "test")
    assert code == 0
    created = parse_kv(out)
    assert set(created) == {"access_key", "secret_key", "account"}
    assert re.fullmatch(r"[A-Z0-9]{20}", created["access_key"])
    assert len(created["secret_key"]) == 40
    assert created["account"] == "AUTH_test"

    # The store option is also accepted before the sub-subcommand.
    code, out, _ = run_cli("--data-dir", str(data_dir), "create", "--access-key", "mykey",
                           "--secret-key", SECRET, "--account", "AUTH_other")
    assert code == 0 and parse_kv(out)["secret_key"] == SECRET

    with SqliteCredentialStore(data_dir / "credentials.sqlite", key) as gw:
        assert asyncio.run(gw.lookup(created["access_key"])) == Credential(
            created["access_key"], created["secret_key"], "AUTH_test")

    code, out, _ = run_cli("list", "--data-dir", str(data_dir))
    assert code == 0
    assert created["secret_key"] not in out and SECRET not in out
    rows = [line.split() for line in out.splitlines()]
    assert sorted(r[:2] for r in rows) == sorted(
        [[created["access_key"], "AUTH_test"], ["mykey", "AUTH_other"]])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[2]) for r in rows)

    code, out, err = run_cli("delete", "--data-dir", str(data_dir), "--access-key", "mykey")
    assert code == 0 and err == ""
    code, out, err = run_cli("delete", "--data-dir", str(data_dir), "--access-key", "mykey")
    assert code == 1 and "no such access key" in err


def test_cli_secret_from_stdin(data_dir: Path) -> None:
    code, out, _ = run_cli("create", "--data-dir", str(data_dir), "--account", "t",
                           "--access-key", "AKSTDIN", "--secret-key-stdin", stdin=SECRET + "\n")
    assert code == 0 and parse_kv(out)["secret_key"] == SECRET


def test_cli_missing_data_dir(tmp_path: Path) -> None:
    code, out, err = run_cli("list", "--data-dir", str(tmp_path / "nope"))
    assert code == 2 and out == "" and "no s3swift dev data dir at" in err


def test_cli_invalid_access_key(data_dir: Path) -> None:
    code, _, err = run_cli("create", "--data-dir", str(data_dir), "--account", "t",
                           "--access-key", "bad key")
    assert code == 2 and "access key" in err


def test_cli_with_config(tmp_path: Path, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "store" / "c.sqlite"
    config = tmp_path / "gateway.toml"
    config.write_text(f'[swift]\nreseller_prefix = "KEY_"\n'
                      f'[credentials]\nsqlite_path = "{db}"\n')
    # The key comes from the environment, as in a deployment with a secret store.
    monkeypatch.setenv("S3SWIFT_CREDENTIALS_ENCRYPTION_KEY", key)
    code, out, _ = run_cli("create", "--config", str(config), "--account", "test")
    assert code == 0 and parse_kv(out)["account"] == "KEY_test"
    code, out, _ = run_cli("list", "--config", str(config))
    assert code == 0 and "KEY_test" in out


def test_cli_config_with_static_backend(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('[credentials]\nbackend = "static"\n')
    code, _, err = run_cli("list", "--config", str(config))
    assert code == 2 and "static" in err


def test_cli_generate_key() -> None:
    code, out, _ = run_cli("generate-key")
    assert code == 0
    make_fernet(out.strip())  # the printed key must be usable
