"""Shared by the benchmark modules: settings, the run context, timing and profiling.

``measure`` runs one phase (n operations on one side at a given concurrency),
meters the CPU of the gateway, Swift and the client around it, optionally
``py-spy``-records the gateway, and appends the record to ``ctx.phases``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from _clients import MiB, BenchRequestError, S3Side, SwiftSide
from _cluster import Cluster
from _procstats import CpuMeter

WORKLOADS = ("large", "small", "list", "stream", "multipart", "checksum", "delete", "policy")
BUCKET = "s3swift-bench"
# Figures per operation, not per MiB (4 KiB objects, listings).
PER_OP_WORKLOADS = frozenset({"small", "list", "policy_plain", "policy_policy"})
S3API_SIDE = "s3api"  # Swift's own s3api middleware, the third side
KiB = 1024


@dataclass(frozen=True)
class Settings:
    rounds: int
    large_size: int = 16 * MiB
    large_seq: int = 8
    large_conc: int = 16
    large_concurrency: int = 4
    small_size: int = 4 * KiB
    small_ops: int = 2000
    small_concurrency: int = 16
    small_max_seconds: float = 60.0
    policy_pairs: int = 30  # short paired rounds (plain, policy) per side, ``--only policy``
    policy_ops: int = 100  # PUTs (then GETs) per bucket per pair
    policy_seconds: float = 170.0  # no new pair after this long: bounds the phase's wall time
    list_keys: int = 1000  # one ListObjectsV2 page of this many keys
    list_ops: int = 30  # sequential listings per side per round
    stream_size: int = 2 * 1024 * MiB
    stream_chunk: int = 1 * MiB
    parallel_uploads: int = 64  # uploads streaming at once through one gateway (RSS)
    parallel_upload_size: int = 32 * MiB
    rss_interval: float = 0.1
    multipart_size: int = 1024 * MiB
    multipart_part: int = 16 * MiB
    multipart_concurrency: int = 4
    multipart_rounds: int = 2
    checksum_puts: int = 6  # 16 MiB PUTs per variant per side per round
    checksum_big: int = 256 * MiB  # plus streamed PUTs of this size
    checksum_big_puts: int = 2  # per variant per side per round
    budget_seconds: float = 45 * 60


# Counts are per side per round; the sides run back to back within each round.
FULL = Settings(rounds=3, large_seq=6, large_conc=8, small_ops=600, small_max_seconds=15.0)
QUICK = Settings(rounds=2, large_seq=3, large_conc=8, small_ops=200, small_max_seconds=8.0,
                 list_ops=15, policy_pairs=8, policy_seconds=60.0,
                 stream_size=256 * MiB, parallel_upload_size=4 * MiB,
                 multipart_size=256 * MiB, checksum_puts=3,
                 checksum_big=64 * MiB, checksum_big_puts=1, budget_seconds=20 * 60)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- profiling (optional) ------------------------------------------------------

class Profiler:
    """``py-spy record`` against the gateway process(es) of a phase, raw output."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        exe = Path(sys.executable).with_name("py-spy")
        self.exe = str(exe) if exe.exists() else shutil.which("py-spy")
        if directory is not None:
            if self.exe is None:
                log("--profile: py-spy not found (.venv/bin/pip install py-spy); not profiling")
                self.directory = None
            else:
                directory.mkdir(parents=True, exist_ok=True)
        self.outputs: dict[str, list[str]] = {}

    def start(self, name: str, pids: list[int]) -> list[tuple[subprocess.Popen[bytes], Path]]:
        if self.directory is None or not pids:
            return []
        procs = []
        for pid in pids:
            out = self.directory / f"{name}.pid{pid}.txt"
            proc = subprocess.Popen(
                [self.exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                 "--nonblocking", "--output", str(out)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append((proc, out))
        time.sleep(0.5)  # let py-spy attach before the phase starts
        return procs

    def stop(self, name: str, procs: list[tuple[subprocess.Popen[bytes], Path]]) -> None:
        for proc, _ in procs:
            proc.send_signal(signal.SIGINT)
        for proc, out in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            if out.exists():
                summary = summarise_collapsed(out)
                out.with_suffix(".top.txt").write_text(summary)
                self.outputs.setdefault(name, []).append(str(out))


_LOOP_WAIT = "EpollSelector.select"


def summarise_collapsed(path: Path, top: int = 15) -> str:
    """Top functions by self and by inclusive samples from py-spy's collapsed stacks."""
    self_counts: Counter[str] = Counter()
    incl_counts: Counter[str] = Counter()
    incl_work: Counter[str] = Counter()  # stacks that are not the event loop's wait
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        self_counts[frames[-1]] += count
        for frame in set(frames):
            incl_counts[frame] += count
            if not frames[-1].startswith(_LOOP_WAIT):
                incl_work[frame] += count
    wait = sum(c for f, c in self_counts.items() if f.startswith(_LOOP_WAIT))
    work = max(total - wait, 1)
    lines = [f"{path.name}: {total} samples (py-spy's idle filter applied); {wait} of them "
             f"in the event loop's epoll wait (on a busy machine: runnable, waiting for a CPU)",
             "", "self (% of all samples | % of samples outside the epoll wait):"]
    for frame, count in self_counts.most_common(top):
        share = "" if frame.startswith(_LOOP_WAIT) else f"{100 * count / work:5.1f}%"
        lines.append(f"  {100 * count / max(total, 1):5.1f}% | {share:>6s}  {frame}")
    lines += ["", "inclusive (% of all samples | % outside the epoll wait):"]
    for frame, count in incl_counts.most_common(top * 3):
        lines.append(f"  {100 * count / max(total, 1):5.1f}% | "
                     f"{100 * incl_work[frame] / work:5.1f}%  {frame}")
    return "\n".join(lines) + "\n"


# -- the run -----------------------------------------------------------------

@dataclass
class Context:
    settings: Settings
    cluster: Cluster
    sides: list[S3Side | SwiftSide]
    profiler: Profiler
    phases: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    large_body: bytes = b""
    large_sha256: str = ""
    small_body: bytes = b""
    small_sha256: str = ""
    chunk: bytes = b""
    only: tuple[str, ...] = WORKLOADS

    def gateway_pids(self, side: S3Side | SwiftSide) -> list[int]:
        if side.name == "gw1":
            return [self.cluster.dev_pid]
        if side.name == "gw2":
            return self.cluster.serve_worker_pids()
        return []

    def order(self, round_no: int, with_s3api: bool = True) -> list[S3Side | SwiftSide]:
        """Alternate the order of the sides round by round, so drift cancels out.

        ``with_s3api=False``: the gateway-only workloads (multipart, checksums,
        DeleteObjects), which compare the gateway with direct Swift only.
        """
        sides = [s for s in self.sides if with_s3api or s.name != S3API_SIDE]
        return sides if round_no % 2 == 0 else sides[::-1]


async def run_ops(n: int, concurrency: int, op: Callable[[int], Awaitable[int]],
                  max_seconds: float | None) -> tuple[int, int, list[float], float]:
    """Run ``op(i)`` for i in range(n) on ``concurrency`` workers; stop early at the cap."""
    next_i = 0
    done = 0
    nbytes = 0
    latencies: list[float] = []
    t0 = time.perf_counter()
    stop_at = t0 + max_seconds if max_seconds else float("inf")

    async def worker() -> None:
        nonlocal next_i, done, nbytes
        while next_i < n and time.perf_counter() < stop_at:
            i = next_i
            next_i += 1
            start = time.perf_counter()
            got = await op(i)  # not `nbytes += await ...`: that reads nbytes before awaiting
            nbytes += got
            latencies.append(time.perf_counter() - start)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, nbytes, latencies, time.perf_counter() - t0


async def measure(ctx: Context, side: S3Side | SwiftSide, workload: str, op_name: str,
                  round_no: int, n: int, concurrency: int,
                  op: Callable[[int], Awaitable[int]], max_seconds: float | None = None,
                  profile: bool = True, verbose: bool = True) -> dict[str, Any] | None:
    meter = CpuMeter({"gateway": lambda: ctx.gateway_pids(side),
                      "swift": ctx.cluster.swift_pids})
    prof_name = f"{workload}-{op_name}-{side.name}"
    prof = ctx.profiler.start(prof_name, ctx.gateway_pids(side)) if profile and round_no == 0 else []
    meter.start()
    try:
        done, nbytes, latencies, elapsed = await run_ops(n, concurrency, op, max_seconds)
    except (BenchRequestError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        meter.stop()
        ctx.profiler.stop(prof_name, prof)
        msg = f"{workload}/{op_name}/{side.name} round {round_no}: {exc!r}"
        log("ERROR " + msg)
        ctx.errors.append(msg)
        return None
    cpu, pressure = meter.stop()
    ctx.profiler.stop(prof_name, prof)
    latencies.sort()
    cores = {k: round(v / elapsed, 3) for k, v in cpu.items()}
    record = {
        "workload": workload, "op": op_name, "side": side.name, "round": round_no,
        "ops": done, "bytes": nbytes, "seconds": round(elapsed, 4), "concurrency": concurrency,
        "mib_s": round(nbytes / MiB / elapsed, 2), "ops_s": round(done / elapsed, 1),
        "latency_ms": {
            "p50": round(1000 * statistics.median(latencies), 2) if latencies else None,
            "p99": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 2)
            if latencies else None,
        },
        "cpu_seconds": cpu,
        "cpu_cores": cores,
        "cpu_pressure": pressure,
    }
    ctx.phases.append(record)
    if not verbose:
        return record
    unit = (f"{record['ops_s']:8.1f} ops/s" if workload in PER_OP_WORKLOADS
            else f"{record['mib_s']:8.1f} MiB/s")
    if workload == "list":
        unit += f", p50 {record['latency_ms']['p50']} ms"
    log(f"  {workload:12s} {op_name:4s} {side.name:6s} r{round_no}: {unit}  "
        f"({done} ops, {elapsed:.2f}s; cores busy: gateway {cores['gateway']:.2f}, "
        f"swift {cores['swift']:.2f}, client {cores['client']:.2f}; cpu pressure "
        f"{pressure if pressure is not None else '?'})")
    return record


