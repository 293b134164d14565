"""The interface every credential store implements."""

from __future__ import annotations

from dataclasses import dataclass
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
