"""Readiness: Swift answers with the service token, and the credential store answers.

Probes come every few seconds from every load balancer and kubelet; the result
is cached for a second and concurrent probes share one check, so probing costs
Swift at most one request a second per process. Once draining, never ready.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

CACHE_SECONDS = 1.0
# A key no one has: looking it up proves the store answers, and finds nothing.
PROBE_ACCESS_KEY = "s3swift-readiness-probe"

Check = Callable[[], Awaitable[list[str]]]


class Readiness:
    """The cached verdict; ``draining`` (SIGTERM) makes it false for good."""

    def __init__(self) -> None:
        self.draining = False
        self._checked_at = float("-inf")
        self._problems: list[str] = []
        self._running: asyncio.Task[list[str]] | None = None

    async def problems(self, check: Check) -> list[str]:
        """Why the process is not ready (empty: ready)."""
        if self.draining:
            return ["draining: the gateway is shutting down"]
        if time.monotonic() - self._checked_at < CACHE_SECONDS:
            return self._problems
        if self._running is None:
            self._running = asyncio.ensure_future(check())
        running = self._running
        try:
            problems = await asyncio.shield(running)
        finally:
            if self._running is running and running.done():
                self._running = None
        self._problems, self._checked_at = problems, time.monotonic()
        return ["draining: the gateway is shutting down"] if self.draining else problems
