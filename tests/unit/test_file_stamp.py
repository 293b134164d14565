"""The cache of keys read from SQLite: valid while the files are unchanged, and bounded in age."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.credentials.file_stamp import StampedCache, files_stamp


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_stamp_changes_with_size_time_or_a_new_file(tmp_path: Path) -> None:
    db, wal = tmp_path / "c.sqlite", tmp_path / "c.sqlite-wal"
    db.write_bytes(b"x")
    paths = (str(db), str(wal))
    first = files_stamp(paths)
    assert first[3:] == (0, 0, 0)  # no WAL yet
    assert files_stamp(paths) == first
    wal.write_bytes(b"frame")
    second = files_stamp(paths)
    assert second != first
    os.utime(wal, ns=(second[5] + 1, second[5] + 1))  # the same size, written later
    assert files_stamp(paths) != second


def test_an_entry_lives_while_its_stamp_holds_and_for_its_age_at_most(tmp_path: Path) -> None:
    clock = Clock()
    cache: StampedCache[str] = StampedCache(tmp_path / "c.sqlite", max_age=5.0, clock=clock)
    stamp = cache.stamp()
    cache.put("AK", stamp, "value")
    assert cache.get("AK", stamp) == "value"
    assert cache.get("AK", (*stamp[:-1], stamp[-1] + 1)) is None  # the files changed
    assert cache.get("AK", stamp) is None  # and the entry is gone
    cache.put("AK", stamp, "value")
    clock.now += 5.0
    assert cache.get("AK", stamp) is None


def test_the_cache_is_bounded_and_can_be_emptied(tmp_path: Path) -> None:
    cache: StampedCache[int] = StampedCache(tmp_path / "c.sqlite", max_entries=3)
    stamp = cache.stamp()
    for n in range(5):
        cache.put(f"AK{n}", stamp, n)
    assert [cache.get(f"AK{n}", stamp) for n in range(5)] == [None, None, 2, 3, 4]
    cache.discard("AK2")
    assert cache.get("AK2", stamp) is None
    cache.clear()
    assert cache.get("AK4", stamp) is None
