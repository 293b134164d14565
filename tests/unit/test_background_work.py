"""``BackgroundWork``: segment sweeps run after the answer, bounded, drained at shutdown."""

from __future__ import annotations

import asyncio

from gateway.swift.background import BackgroundWork


async def _wait_for(event: asyncio.Event, done: list[str], name: str) -> None:
    await event.wait()
    done.append(name)


async def test_work_runs_after_the_caller_returns_and_drain_waits_for_it() -> None:
    work, release, done = BackgroundWork(), asyncio.Event(), []
    await work.start(_wait_for(release, done, "sweep"))
    assert done == [] and work.running == 1  # start() did not wait
    release.set()
    await work.drain()
    assert done == ["sweep"] and work.running == 0


async def test_past_the_limit_the_caller_runs_the_work_itself() -> None:
    work, release, done = BackgroundWork(limit=1), asyncio.Event(), []
    await work.start(_wait_for(release, done, "first"))
    ready = asyncio.Event()
    ready.set()
    await work.start(_wait_for(ready, done, "inline"))
    assert done == ["inline"] and work.running == 1
    release.set()
    await work.drain()
    assert done == ["inline", "first"]


async def test_drain_cancels_what_outlives_the_grace_period() -> None:
    work, never, done = BackgroundWork(), asyncio.Event(), []
    await work.start(_wait_for(never, done, "stuck"))
    await work.drain(grace=0)
    assert done == [] and work.running == 0


async def test_a_failure_is_logged_not_raised(caplog) -> None:  # type: ignore[no-untyped-def]
    async def broken() -> None:
        raise RuntimeError("swift went away")

    work = BackgroundWork()
    await work.start(broken())
    await work.drain()
    assert "background cleanup failed" in caplog.text and work.running == 0
