"""The default credential store: one SQLite file, secrets Fernet-encrypted at rest.

The gateway reads it while ``s3swift credentials`` writes it from another
process: a WAL-mode database, where readers never wait for the CLI's writes.
A key found is kept only while the database's files are unchanged
(``file_stamp``), and misses are never kept, so every change applies to the
next request.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import string
import threading
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from cryptography.fernet import Fernet, InvalidToken

from gateway.credentials.base import Credential, StoredCredential
from gateway.credentials.file_stamp import StampedCache

# Permissive, but nothing that breaks ``Credential=AK/date/...`` or ``AWS AK:sig``.
_ACCESS_KEY_RE = re.compile(r"[A-Za-z0-9._-]{3,128}")
_MAX_SECRET_LEN = 256
_ALNUM_UPPER = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits
# Fernet ciphertexts differ per encryption, so a changed secret never hits a stale entry.
_SECRET_CACHE_SIZE = 4096
_KEY_CHECK_PLAINTEXT = b"s3swift-credentials-key-check"
_BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS credentials (
    access_key TEXT PRIMARY KEY,
    secret_enc BLOB NOT NULL,
    account TEXT NOT NULL,
    created_at TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
"""


class CredentialDecryptionError(ValueError):
    """A stored secret cannot be decrypted: the store was written with another key."""


# An alias because, inside the store's class body, ``list`` names its method.
_StoredList = list[StoredCredential]


def generate_encryption_key() -> str:
    """A new Fernet key for ``[credentials] encryption_key``."""
    return Fernet.generate_key().decode("ascii")


def generate_access_key() -> str:
    """20 upper-case alphanumerics, shaped like an AWS access key id."""
    return "".join(secrets.choice(_ALNUM_UPPER) for _ in range(20))


def generate_secret_key() -> str:
    """40 alphanumerics (~238 bits); no ``/`` or ``+`` so it survives shells and URLs."""
    return "".join(secrets.choice(_ALNUM) for _ in range(40))


def validate_access_key(access_key: str) -> None:
    """Reject keys that would be ambiguous inside an Authorization header."""
    if not _ACCESS_KEY_RE.fullmatch(access_key):
        raise ValueError("access key must be 3 to 128 characters of A-Z a-z 0-9 . _ -")


def validate_secret_key(secret_key: str) -> None:
    """Reject empty secrets and ones with whitespace or control characters."""
    if not secret_key or len(secret_key) > _MAX_SECRET_LEN:
        raise ValueError(f"secret key must be 1 to {_MAX_SECRET_LEN} characters")
    if any(not ch.isprintable() or ch.isspace() for ch in secret_key):
        raise ValueError("secret key must not contain whitespace or control characters")


def validate_account(account: str) -> None:
    """A Swift account is one path segment of the storage URL."""
    if not account or "/" in account or any(ch.isspace() for ch in account):
        raise ValueError("account must be non-empty, without '/' or whitespace")


def make_fernet(encryption_key: str) -> Fernet:
    """Build the cipher, turning a missing or malformed key into a clear error."""
    if not encryption_key:
        raise ValueError("no credentials encryption key configured "
                         "(set [credentials] encryption_key or S3SWIFT_CREDENTIALS_ENCRYPTION_KEY)")
    try:
        return Fernet(encryption_key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        # Never echo the (possibly almost-right) key itself.
        raise ValueError("credentials encryption key is not a valid Fernet key "
                         "(32 url-safe base64-encoded bytes)") from None


def decrypt_secret(fernet: Fernet, access_key: str, token: bytes) -> str:
    """A stored secret in clear; ``CredentialDecryptionError`` under another key."""
    try:
        return fernet.decrypt(token).decode("utf-8")
    except InvalidToken:
        raise CredentialDecryptionError(
            f"cannot decrypt the secret of access key {access_key!r}: the encryption "
            f"key does not match the one it was stored with") from None


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SqliteCredentialStore:
    """Credentials in a SQLite file, safe to share with concurrent CLI writers."""

    def __init__(self, path: str | Path, encryption_key: str) -> None:
        self._fernet = make_fernet(encryption_key)
        self.path = Path(path)
        self._lock = threading.Lock()
        self._secret_cache: dict[bytes, str] = {}
        self._found: StampedCache[Credential] = StampedCache(self.path)
        if not self.path.exists():
            # Secrets are encrypted, but account names need not be world-readable.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        # Autocommit (isolation_level=None): no read transaction outlives a lookup,
        # so each SELECT sees the CLI's latest commit.
        self._conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000,
                                     isolation_level=None, check_same_thread=False)
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.executescript(_SCHEMA)
            self._add_user_id_column()
            self._check_key()
        except BaseException:
            self._conn.close()
            raise

    def _add_user_id_column(self) -> None:
        """Stores made before the OS-EC2 API have no ``user_id`` column yet."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(credentials)")}
        if "user_id" not in columns:
            self._conn.execute("ALTER TABLE credentials ADD COLUMN user_id TEXT NOT NULL "
                               "DEFAULT ''")

    def _check_key(self) -> None:
        """Fail at start-up, not on the first request, when the key is the wrong one."""
        self._conn.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('key_check', ?)",
                           (self._fernet.encrypt(_KEY_CHECK_PLAINTEXT),))
        row = self._conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
        try:
            self._fernet.decrypt(row[0])
        except InvalidToken:
            raise ValueError(f"the encryption key does not match the one the credential "
                             f"store {self.path} was created with") from None

    def _decrypt(self, access_key: str, token: bytes) -> str:
        secret = self._secret_cache.get(token)
        if secret is not None:
            return secret
        secret = decrypt_secret(self._fernet, access_key, token)
        if len(self._secret_cache) >= _SECRET_CACHE_SIZE:
            self._secret_cache.pop(next(iter(self._secret_cache)))
        self._secret_cache[token] = secret
        return secret

    async def lookup(self, access_key: str) -> Credential | None:
        """Find ``access_key``: kept from an earlier lookup while the files are
        unchanged, else one primary-key SELECT. Runs inline: a WAL read never waits
        on writers, and takes microseconds, cheaper than a hop to a thread."""
        if not _ACCESS_KEY_RE.fullmatch(access_key):
            return None
        stamp = self._found.stamp()
        found = self._found.get(access_key, stamp)
        if found is not None:
            return found
        with self._lock:
            row = self._conn.execute(
                "SELECT secret_enc, account FROM credentials WHERE access_key = ?",
                (access_key,)).fetchone()
        if row is None:
            return None
        found = Credential(access_key, self._decrypt(access_key, bytes(row[0])), row[1])
        self._found.put(access_key, stamp, found)
        return found

    def create(self, access_key: str, secret_key: str, account: str,
               user_id: str = "") -> Credential:
        """Store a key, replacing the secret and account of an existing one."""
        validate_access_key(access_key)
        validate_secret_key(secret_key)
        validate_account(account)
        token = self._fernet.encrypt(secret_key.encode("utf-8"))
        with self._lock:
            self._conn.execute(
                "INSERT INTO credentials (access_key, secret_enc, account, created_at, user_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (access_key) DO UPDATE SET "
                "secret_enc = excluded.secret_enc, account = excluded.account, "
                "created_at = excluded.created_at, user_id = excluded.user_id",
                (access_key, token, account, _now(), user_id))
        self._found.discard(access_key)
        return Credential(access_key, secret_key, account)

    def list(self) -> _StoredList:
        """Every credential, ordered by access key; secrets decrypted for callers that need them."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT access_key, secret_enc, account, created_at, user_id FROM credentials "
                "ORDER BY access_key").fetchall()
        return [StoredCredential(ak, self._decrypt(ak, bytes(tok)), account,
                                 _parse_time(created), user_id)
                for ak, tok, account, created, user_id in rows]

    def delete(self, access_key: str) -> bool:
        """Remove a key; ``False`` when it did not exist."""
        with self._lock:
            cursor = self._conn.execute("DELETE FROM credentials WHERE access_key = ?",
                                        (access_key,))
        self._found.discard(access_key)
        return cursor.rowcount > 0

    # ManagedCredentialStore: the same operations for async callers (the OS-EC2
    # API); each is one indexed statement, cheaper inline than on a thread.
    async def create_credential(self, access_key: str, secret_key: str, account: str,
                                user_id: str = "") -> StoredCredential:
        self.create(access_key, secret_key, account, user_id)
        return StoredCredential(access_key, secret_key, account, _parse_time(_now()), user_id)

    async def get_credential(self, access_key: str) -> StoredCredential | None:
        if not _ACCESS_KEY_RE.fullmatch(access_key):
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT secret_enc, account, created_at, user_id FROM credentials "
                "WHERE access_key = ?", (access_key,)).fetchone()
        if row is None:
            return None
        return StoredCredential(access_key, self._decrypt(access_key, bytes(row[0])), row[1],
                                _parse_time(row[2]), row[3])

    async def list_credentials(self) -> _StoredList:
        return self.list()

    async def delete_credential(self, access_key: str) -> bool:
        return self.delete(access_key)

    def close_sync(self) -> None:
        """Close the connection from synchronous code (the CLI)."""
        with self._lock:
            self._conn.close()
        self._secret_cache.clear()
        self._found.clear()

    async def close(self) -> None:
        self.close_sync()

    def __enter__(self) -> SqliteCredentialStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close_sync()
