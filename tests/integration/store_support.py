"""``SwiftStore`` driven directly, as the gateway drives it, with its service identity.

For store behaviour no S3 operation shows yet (bucket documents) or not
alone (the options of ``head_object``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

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
