"""A fixed set of credentials from the config file or environment (e.g. a sidecar's one key)."""

from __future__ import annotations

from typing import Iterable

from gateway.credentials.base import Credential


class StaticCredentialStore:
    """Keys known at start-up; changing them means restarting the gateway."""

    def __init__(self, credentials: Iterable[Credential]) -> None:
        self._by_key: dict[str, Credential] = {}
        for cred in credentials:
            if not cred.access_key or not cred.secret_key or not cred.account:
                raise ValueError("a static credential needs access_key, secret_key and account")
            existing = self._by_key.get(cred.access_key)
            if existing is not None and existing != cred:
                # Which one wins would be arbitrary, so refuse to guess.
                raise ValueError(f"access key {cred.access_key!r} is configured twice "
                                 f"with different values")
            self._by_key[cred.access_key] = cred

    def __len__(self) -> int:
        return len(self._by_key)

    async def lookup(self, access_key: str) -> Credential | None:
        return self._by_key.get(access_key)

    async def close(self) -> None:
        """Nothing to release."""
