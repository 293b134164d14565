"""Work a request starts but its answer does not wait for.

The segment sweep (``gateway.swift.segment_sweep``) after a PUT, copy, delete
or Complete cleans up after *other* writes; the client's result does not
depend on it, so it runs after the answer. One ``BackgroundWork`` per
``SwiftStore`` (application lifetime): ``drain`` at shutdown lets what runs
finish (bounded by a grace period) before the Swift client closes. A process
killed meanwhile leaves segments behind, as any failed sweep does: the next
write or delete of the key sweeps them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("gateway")

# Sweeps running at once per process; past that, a writer sweeps before it
# answers (backpressure: an overloaded gateway slows writers instead of piling
# up cleanup).
RUNNING_LIMIT = 256
DRAIN_SECONDS = 30.0


class BackgroundWork:
    """A bounded set of tasks, awaited at shutdown."""

    def __init__(self, limit: int = RUNNING_LIMIT) -> None:
        self._limit = limit
        self._running: set[asyncio.Task[None]] = set()

    async def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the caller returns; inline when too many already run."""
        if len(self._running) >= self._limit:
            await work
            return
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background cleanup failed: %r", task.exception())

    @property
    def running(self) -> int:
        return len(self._running)

    async def drain(self, grace: float = DRAIN_SECONDS) -> None:
        """Wait up to ``grace`` seconds for running work, then cancel the rest."""
        if not self._running:
            return
        _, pending = await asyncio.wait(set(self._running), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%d background cleanups cancelled at shutdown", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
