"""Per-process CPU time and resident memory, read from /proc (Linux only)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

_CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1024 * 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds consumed so far by ``pids`` (gone ones count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _CLK_TCK


def cpu_seconds_fine(pids: list[int]) -> float:
    """Like ``cpu_seconds``, in nanoseconds' resolution: the sum of every thread's
    on-CPU time from ``/proc/<pid>/task/*/schedstat`` (``cpu_seconds`` counts clock
    ticks, 10 ms each). Threads that ended meanwhile are not counted."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total / 1e9


def status_kib(pid: int, field: str) -> int | None:
    """A ``kB`` field of /proc/<pid>/status, e.g. VmRSS or VmHWM."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss(pids: list[int]) -> bool:
    """Reset VmHWM (``echo 5 > /proc/PID/clear_refs``); False where not permitted."""
    ok = True
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as handle:
                handle.write("5")
        except OSError:
            ok = False
    return ok


def cpu_pressure_stalled_us() -> int | None:
    """Cumulative µs in which some runnable task waited for a CPU (PSI), if available."""
    try:
        with open("/proc/pressure/cpu", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("some "):
                    return int(line.rsplit("total=", 1)[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


class CpuMeter:
    """CPU used by named groups of processes between ``start()`` and ``stop()``.

    Also records how much of the interval some task on the machine was waiting for
    a CPU (Linux PSI): near 1.0 means the machine was oversubscribed, so absolute
    figures are depressed and ratios noisier.
    """

    def __init__(self, groups: dict[str, Callable[[], list[int]]],
                 reader: Callable[[list[int]], float] = cpu_seconds) -> None:
        self._groups = groups
        self._read = reader
        self._pids: dict[str, list[int]] = {}
        self._psi0: int | None = None
        self._before: dict[str, float] = {}
        self._t0 = 0.0

    def start(self) -> None:
        self._pids = {name: get() for name, get in self._groups.items()}
        self._before = {name: self._read(p) for name, p in self._pids.items()}
        self._before["client"] = time.process_time()
        self._psi0 = cpu_pressure_stalled_us()
        self._t0 = time.perf_counter()

    def stop(self) -> tuple[dict[str, float], float | None]:
        """CPU seconds per group over the interval, and the CPU-pressure fraction."""
        wall = max(time.perf_counter() - self._t0, 1e-9)
        out = {name: self._read(p) - self._before[name] for name, p in self._pids.items()}
        out["client"] = time.process_time() - self._before["client"]
        psi1 = cpu_pressure_stalled_us()
        pressure = (None if psi1 is None or self._psi0 is None
                    else round(min(1.0, (psi1 - self._psi0) / 1e6 / wall), 3))
        return {k: round(v, 6) for k, v in out.items()}, pressure


class RssSampler:
    """Samples VmRSS of ``pids`` every ``interval`` seconds in a thread.

    A thread, not a task: the event loop is busy streaming and must not skew the
    sampling period.
    """

    def __init__(self, pids: list[int], interval: float = 0.1) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.samples = 0
        self.peak_kib: dict[int, int] = {pid: 0 for pid in self.pids}
        self.peak_sum_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        total = 0
        for pid in self.pids:
            rss = status_kib(pid, "VmRSS") or 0
            total += rss
            if rss > self.peak_kib[pid]:
                self.peak_kib[pid] = rss
        self.peak_sum_kib = max(self.peak_sum_kib, total)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sample()

    def peak_mib(self) -> float:
        """The largest single-process peak."""
        return max(self.peak_kib.values(), default=0) / 1024

    def peak_sum_mib(self) -> float:
        return self.peak_sum_kib / 1024
