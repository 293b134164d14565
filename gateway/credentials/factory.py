"""Builds the configured credential store, and finds an ``s3swift dev`` instance's store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gateway.config import CredentialsConfig
from gateway.credentials.base import Credential, CredentialStore
from gateway.credentials.keystone_store import KeystoneCredentialStore
from gateway.credentials.sqlite_store import SqliteCredentialStore
from gateway.credentials.static_store import StaticCredentialStore

if TYPE_CHECKING:
    from gateway.credentials.swift_store import SwiftCredentialStore
    from gateway.keystone.client import KeystoneClient
    from gateway.swift.client import SwiftClient

# The layout ``s3swift dev --data-dir D`` creates.
DEV_STORE_NAME = "credentials.sqlite"
DEV_KEY_NAME = "credentials.key"


def normalize_account(account: str, reseller_prefix: str = "AUTH_") -> str:
    """Let users say ``test`` for the Swift account ``AUTH_test``."""
    account = account.strip()
    if not account:
        raise ValueError("account must not be empty")
    if reseller_prefix and not account.startswith(reseller_prefix):
        return reseller_prefix + account
    return account


def build_store(config: CredentialsConfig, reseller_prefix: str = "AUTH_",
                swift: SwiftClient | None = None,
                keystone: KeystoneClient | None = None) -> CredentialStore:
    """The store ``config.backend`` names, ready for lookups; the ``swift`` backend
    works on the application's ``swift`` client, the ``keystone`` one on its
    ``keystone`` client (which the caller closes)."""
    if config.backend == "swift":
        if swift is None:
            raise ValueError("credentials backend 'swift' needs the gateway's Swift client")
        return build_swift_store(config, reseller_prefix, swift)
    if config.backend == "keystone":
        if keystone is None or not keystone.config.auth_url:
            raise ValueError("credentials backend 'keystone' needs [keystone] auth_url")
        return KeystoneCredentialStore.on_client(keystone, reseller_prefix)
    if config.backend == "sqlite":
        if not config.sqlite_path:
            raise ValueError("credentials backend 'sqlite' needs [credentials] sqlite_path")
        if not config.encryption_key:
            raise ValueError("credentials backend 'sqlite' needs [credentials] encryption_key "
                             "(generate one with: s3swift credentials generate-key)")
        path = Path(config.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteCredentialStore(path, config.encryption_key)
    if config.backend == "static":
        creds = [Credential(c.access_key, c.secret_key, normalize_account(c.account, reseller_prefix))
                 for c in config.static_credentials()]
        if not creds:
            raise ValueError("credentials backend 'static' has no credentials: set "
                             "[[credentials.static]] entries or S3SWIFT_CREDENTIALS_ACCESS_KEY, "
                             "S3SWIFT_CREDENTIALS_SECRET_KEY and S3SWIFT_CREDENTIALS_ACCOUNT")
        return StaticCredentialStore(creds)
    raise ValueError(f"unknown credentials backend {config.backend!r} "
                     "(expected 'sqlite', 'static', 'swift' or 'keystone')")


def build_swift_store(config: CredentialsConfig, reseller_prefix: str,
                      swift: SwiftClient) -> SwiftCredentialStore:
    """The ``swift`` backend on ``swift`` (the gateway's client, or the CLI's own)."""
    from gateway.credentials.swift_store import SwiftCredentialStore, default_account

    return SwiftCredentialStore(swift, config.encryption_key,
                                config.swift_account or default_account(reseller_prefix),
                                config.swift_container, config.cache_seconds)


def open_sqlite_store_for_data_dir(data_dir: Path) -> SqliteCredentialStore:
    """Open the store of an ``s3swift dev`` data dir, running or stopped."""
    data_dir = Path(data_dir)
    key_path = data_dir / DEV_KEY_NAME
    try:
        key = key_path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise FileNotFoundError(f"no s3swift dev data dir at {data_dir} (missing {key_path}); "
                                f"run `s3swift dev --data-dir {data_dir}` first") from None
    return SqliteCredentialStore(data_dir / DEV_STORE_NAME, key)
