"""SegmentsPresence asks Swift once per bucket at a time, however many writers wait."""

from __future__ import annotations

import asyncio

import pytest

from gateway.storage.errors import StoreUnavailable
from gateway.swift.caches import SegmentsPresence


class _Answer:
    def __init__(self, status: int) -> None:
        self.status = status

    def release(self) -> None:
        pass


class _GatedSwift:
    """Answers each HEAD with ``status`` once ``gate`` opens; counts the HEADs."""

    def __init__(self, status: int = 404, error: Exception | None = None) -> None:
        self.status = status
        self.error = error
        self.heads: list[tuple[str, str]] = []
        self.gate = asyncio.Event()

    async def request(self, method: str, account: str, container: str) -> _Answer:
        self.heads.append((method, container))
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return _Answer(self.status)


async def test_concurrent_writers_share_one_head() -> None:
    swift = _GatedSwift(status=404)
    presence = SegmentsPresence()
    waiters = [asyncio.ensure_future(presence.may_hold_multipart(swift, "AUTH_a", "b"))
               for _ in range(8)]
    await asyncio.sleep(0)
    swift.gate.set()
    assert await asyncio.gather(*waiters) == [False] * 8
    assert swift.heads == [("HEAD", "b+segments")]
    assert presence.known("AUTH_a", "b") is False
    # Another bucket is another question.
    assert await presence.may_hold_multipart(swift, "AUTH_a", "c") is False
    assert len(swift.heads) == 2


async def test_a_cancelled_waiter_does_not_cancel_the_others() -> None:
    swift = _GatedSwift(status=204)
    presence = SegmentsPresence()
    first = asyncio.ensure_future(presence.may_hold_multipart(swift, "AUTH_a", "b"))
    second = asyncio.ensure_future(presence.may_hold_multipart(swift, "AUTH_a", "b"))
    await asyncio.sleep(0)
    first.cancel()
    swift.gate.set()
    assert await second is True
    assert first.cancelled()
    assert len(swift.heads) == 1


async def test_a_failure_reaches_every_waiter_and_the_next_call_asks_again() -> None:
    swift = _GatedSwift(error=StoreUnavailable("down"))
    presence = SegmentsPresence()
    waiters = [asyncio.ensure_future(presence.may_hold_multipart(swift, "AUTH_a", "b"))
               for _ in range(3)]
    await asyncio.sleep(0)
    swift.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) for r in results)
    swift.error = None
    swift.status = 204
    assert await presence.may_hold_multipart(swift, "AUTH_a", "b") is True
    assert len(swift.heads) == 2


def test_mark_answers_yes_without_asking() -> None:
    presence = SegmentsPresence()
    assert presence.known("AUTH_a", "b") is None
    presence.mark("AUTH_a", "b")
    assert presence.known("AUTH_a", "b") is True


@pytest.mark.parametrize("status, expected", [(204, True), (404, False), (503, True)])
async def test_an_error_answer_counts_as_maybe(status: int, expected: bool) -> None:
    swift = _GatedSwift(status=status)
    swift.gate.set()
    assert await SegmentsPresence().may_hold_multipart(swift, "AUTH_a", "b") is expected
