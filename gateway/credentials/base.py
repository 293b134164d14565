"""The interfaces credential stores implement: lookups for S3, management for people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Credential:
    """An EC2-style credential: the key pair and the Swift account it acts as.

    ``account`` is the full Swift account name, e.g. ``AUTH_test``.
    """

    access_key: str
    secret_key: str
    account: str

    def __repr__(self) -> str:  # never leak the secret into logs
        return f"Credential(access_key={self.access_key!r}, account={self.account!r})"


@dataclass(frozen=True, repr=False)
class StoredCredential(Credential):
    """A credential as a store keeps it: when its secret was set, and for whom.

    ``user_id`` is the identity that made it through the OS-EC2 API (``""``
    for keys made with ``s3swift credentials``).
    """

    created_at: datetime
    user_id: str = ""

    def __repr__(self) -> str:  # the generated repr would include the secret
        return (f"StoredCredential(access_key={self.access_key!r}, "
                f"account={self.account!r}, user_id={self.user_id!r}, "
                f"created_at={self.created_at.isoformat()!r})")


class CredentialsUnavailable(Exception):
    """The store cannot answer now (e.g. Keystone down): S3 ``ServiceUnavailable``."""


class CredentialRefused(Exception):
    """The key exists but may not be used (e.g. no operator role): S3 ``AccessDenied``."""


class SecretUnavailable(Exception):
    """The store knows keys but cannot hand out their secrets (Keystone's service
    user lacks ``reader``): check the signature with ``verify_signature`` instead."""


@dataclass(frozen=True)
class RemoteVerdict:
    """A signature the store checked: ``credential`` (without secret) when it matched."""

    known: bool
    credential: Credential | None


class RemoteVerifier(Protocol):
    """A store that can check a signature it cannot give the secret for."""

    async def verify_signature(self, access_key: str, string_to_sign: str,
                               signature: str) -> RemoteVerdict: ...


class CredentialStore(Protocol):
    """Looks up a credential by access key; ``None`` when the key is unknown.

    ``lookup`` may raise ``CredentialsUnavailable`` or ``CredentialRefused``.
    """

    async def lookup(self, access_key: str) -> Credential | None: ...

    async def close(self) -> None: ...


class ManagedCredentialStore(CredentialStore, Protocol):
    """A store whose keys can be created and deleted while the gateway runs
    (``s3swift credentials``, the OS-EC2 API). Invalid values raise ``ValueError``."""

    async def create_credential(self, access_key: str, secret_key: str, account: str,
                                user_id: str = "") -> StoredCredential: ...

    async def get_credential(self, access_key: str) -> StoredCredential | None: ...

    async def list_credentials(self) -> list[StoredCredential]: ...

    async def delete_credential(self, access_key: str) -> bool: ...
