"""``SwiftStore`` driven directly, as the gateway drives it, with its service identity.

For store behaviour no S3 operation shows yet (bucket documents) or not
alone (the options of ``head_object``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from gateway.config import SwiftConfig
from gateway.swift.client import SwiftClient
from gateway.swift.store import SwiftStore
from tests.integration.conftest import GatewayEnv


@contextlib.asynccontextmanager
async def swift_store_of(env: GatewayEnv, client: type[SwiftClient] = SwiftClient
                         ) -> AsyncIterator[SwiftStore]:
    """A ``SwiftStore`` on the test Swift (through ``client``), closed on exit."""
    config = SwiftConfig(auth_url=env.swift_auth_url,
                         user=env.swift_admin_user, key=env.swift_admin_key)
    backend = SwiftStore(client(client.create_session(config), config))
    try:
        yield backend
    finally:
        await backend.close()


class CountingClient(SwiftClient):
    """The real client, recording (method, container, object) of every request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, str | None, str | None]] = []

    async def request(self, method: str, account: str, container: str | None = None,
                      obj: str | None = None, **kwargs: Any) -> Any:
        self.sent.append((method, container, obj))
        return await super().request(method, account, container, obj, **kwargs)


def sent(backend: SwiftStore) -> list[tuple[str, str | None, str | None]]:
    """The requests a ``swift_store_of(env, CountingClient)`` sent since the last call."""
    client = backend.swift
    assert isinstance(client, CountingClient)
    requests, client.sent = client.sent, []
    return requests
