"""``hold_back_last``: the one rule every body check follows (gateway.body.verify)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway import errors
from gateway.body.verify import hold_back_last


async def source(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def test_every_piece_is_released_after_the_check_passed() -> None:
    seen: list[bytes] = []
    checked: list[int] = []
    out = [piece async for piece in hold_back_last(
        source([b"a", b"", b"b", b"c"]), lambda: checked.append(len(seen)), seen.append)]
    assert out == [b"a", b"b", b"c"]  # empty pieces dropped
    assert seen == [b"a", b"b", b"c"] and checked == [3]  # checked after the last update


async def test_a_failed_check_withholds_the_last_piece() -> None:
    def fail() -> None:
        raise errors.BadDigest()

    out: list[bytes] = []
    with pytest.raises(errors.BadDigest):
        async for piece in hold_back_last(source([b"a", b"b", b"c"]), fail):
            out.append(piece)
    assert out == [b"a", b"b"]


async def test_an_empty_body_is_still_checked() -> None:
    checked: list[bool] = []
    assert [p async for p in hold_back_last(source([]), lambda: checked.append(True))] == []
    assert checked == [True]
