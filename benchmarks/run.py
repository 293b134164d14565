#!/usr/bin/env python3
"""s3swift benchmark: the gateway against direct Swift, in one run, as ratios.

    .venv/bin/python benchmarks/run.py [--quick] [--rounds N] [--profile DIR]

Starts its own ``s3swift dev`` (embedded Swift + a 1-worker gateway) and a
2-worker ``s3swift serve`` against the same Swift, then measures, interleaving
the sides round by round:

* large objects (16 MiB): PUT and GET throughput, sequential and concurrent,
  plus a signed-payload PUT variant;
* small objects (4 KiB): PUT and GET ops/s at concurrency 16;
* gateway memory: peak RSS while one 2 GiB object streams through each way.

Prints a table with the targets (PASS/FAIL), writes ``benchmarks/results.json``
and always exits 0: a benchmark reports, it does not gate. See README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import (  # noqa: E402
    MiB, BenchRequestError, S3Side, SwiftSide, make_session, stream_body, swift_login)
from _cluster import Cluster, ClusterError  # noqa: E402
from _procstats import CpuMeter, RssSampler, reset_peak_rss, status_kib  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKLOADS = ("large", "small", "stream")
BUCKET = "s3swift-bench"
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
    stream_size: int = 2 * 1024 * MiB
    stream_chunk: int = 1 * MiB
    rss_interval: float = 0.1
    budget_seconds: float = 45 * 60


# Counts are per side per round; the sides run back to back within each round.
FULL = Settings(rounds=3, large_seq=6, large_conc=8, small_ops=600, small_max_seconds=15.0)
QUICK = Settings(rounds=2, large_seq=3, large_conc=8, small_ops=200, small_max_seconds=8.0,
                 stream_size=256 * MiB, budget_seconds=15 * 60)

# (label, workload, op, metric, comparison, threshold, informational)
TARGETS: list[tuple[str, str, str, str, str, float, bool]] = [
    ("large PUT 16 MiB, sequential", "large_seq", "put", "mib_s", "ratio>=", 0.9, False),
    ("large GET 16 MiB, sequential", "large_seq", "get", "mib_s", "ratio>=", 0.9, False),
    ("large PUT 16 MiB, concurrent", "large_conc", "put", "mib_s", "ratio>=", 0.9, False),
    ("large GET 16 MiB, concurrent", "large_conc", "get", "mib_s", "ratio>=", 0.9, False),
    ("large PUT 16 MiB, signed payload", "large_signed", "put", "mib_s", "ratio>=", 0.9, True),
    ("small PUT 4 KiB, c=16", "small", "put", "ops_s", "ratio>=", 0.8, False),
    ("small GET 4 KiB, c=16", "small", "get", "ops_s", "ratio>=", 0.8, False),
    ("gateway peak RSS, streamed PUT", "stream", "put", "peak_rss_mib", "value<", 150.0, False),
    ("gateway peak RSS, streamed GET", "stream", "get", "peak_rss_mib", "value<", 150.0, False),
]


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

    def order(self, round_no: int) -> list[S3Side | SwiftSide]:
        """Alternate the order of the sides round by round, so drift cancels out."""
        return list(self.sides) if round_no % 2 == 0 else list(reversed(self.sides))


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
            nbytes += await op(i)
            latencies.append(time.perf_counter() - start)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, nbytes, latencies, time.perf_counter() - t0


async def measure(ctx: Context, side: S3Side | SwiftSide, workload: str, op_name: str,
                  round_no: int, n: int, concurrency: int,
                  op: Callable[[int], Awaitable[int]], max_seconds: float | None = None,
                  profile: bool = True) -> dict[str, Any] | None:
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
    unit = (f"{record['mib_s']:8.1f} MiB/s" if workload != "small"
            else f"{record['ops_s']:8.1f} ops/s")
    log(f"  {workload:12s} {op_name:4s} {side.name:6s} r{round_no}: {unit}  "
        f"({done} ops, {elapsed:.2f}s; cores busy: gateway {cores['gateway']:.2f}, "
        f"swift {cores['swift']:.2f}, client {cores['client']:.2f}; cpu pressure "
        f"{pressure if pressure is not None else '?'})")
    return record


async def warm_up(ctx: Context, session: aiohttp.ClientSession) -> None:
    """Open connections, fetch tokens, fill credential caches; nothing is recorded."""
    s = ctx.settings
    for side in ctx.sides:
        await asyncio.gather(*(
            side.put(session, f"warm/{side.name}/{i}", ctx.small_body, len(ctx.small_body),
                     ctx.small_sha256) for i in range(s.small_concurrency * 2)))
        await asyncio.gather(*(side.get(session, f"warm/{side.name}/{i}")
                               for i in range(s.small_concurrency * 2)))
        await side.put(session, f"warm/{side.name}/large", ctx.large_body, len(ctx.large_body))
        await side.get(session, f"warm/{side.name}/large")


async def large_rounds(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    size = s.large_size
    for workload, count, conc in (("large_seq", s.large_seq, 1),
                                  ("large_conc", s.large_conc, s.large_concurrency)):
        log(f"{workload}: {count} x {size // MiB} MiB objects, concurrency {conc}")
        for r in range(s.rounds):
            for side in ctx.order(r):
                keys = [f"{workload}/{side.name}/{i:04d}" for i in range(count)]

                async def put(i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys) -> int:
                    await side.put(session, keys[i], ctx.large_body, size)
                    return size

                async def get(i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys) -> int:
                    got = await side.get(session, keys[i])
                    if got != size:
                        raise BenchRequestError(f"GET {keys[i]}: {got} bytes, expected {size}")
                    return got

                if await measure(ctx, side, workload, "put", r, count, conc, put):
                    await measure(ctx, side, workload, "get", r, count, conc, get)

    log(f"large_signed: {s.large_seq} x {size // MiB} MiB, sequential, "
        "x-amz-content-sha256 = body hash (direct Swift: the same plain PUT)")
    for r in range(s.rounds):
        for side in ctx.order(r):
            keys = [f"large_signed/{side.name}/{i:04d}" for i in range(s.large_seq)]

            async def put_signed(i: int, side: S3Side | SwiftSide = side,
                                 keys: list[str] = keys) -> int:
                await side.put(session, keys[i], ctx.large_body, size, ctx.large_sha256)
                return size

            await measure(ctx, side, "large_signed", "put", r, s.large_seq, 1, put_signed)


async def small_rounds(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    body, sha = ctx.small_body, ctx.small_sha256
    log(f"small: {s.small_ops} x {s.small_size // KiB} KiB, concurrency {s.small_concurrency} "
        f"(capped at {s.small_max_seconds:.0f}s per phase)")
    for r in range(s.rounds):
        for side in ctx.order(r):
            keys = [f"small/{side.name}/{i:05d}" for i in range(s.small_ops)]

            async def put(i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys) -> int:
                await side.put(session, keys[i], body, len(body), sha)
                return len(body)

            record = await measure(ctx, side, "small", "put", r, s.small_ops,
                                   s.small_concurrency, put, s.small_max_seconds)
            if not record:
                continue
            written = max(1, record["ops"])

            async def get(i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys,
                          written: int = written) -> int:
                got = await side.get(session, keys[i % written])
                if got != len(body):
                    raise BenchRequestError(f"GET {keys[i % written]}: {got} bytes")
                return got

            await measure(ctx, side, "small", "get", r, s.small_ops, s.small_concurrency, get,
                          s.small_max_seconds)


async def stream_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    """One huge object through each side, PUT then GET, sampling the gateway's RSS."""
    s = ctx.settings
    size = s.stream_size
    log(f"stream: one {size / MiB:.0f} MiB object each way, RSS sampled every "
        f"{s.rss_interval * 1000:.0f} ms")
    for side in ctx.sides:
        key = f"stream/{side.name}/big"
        pids = ctx.gateway_pids(side)
        for op_name in ("put", "get"):
            hwm_reset = reset_peak_rss(pids) if pids else False
            baseline = max((status_kib(p, "VmRSS") or 0 for p in pids), default=0) / 1024

            async def op(_i: int, side: S3Side | SwiftSide = side, op_name: str = op_name) -> int:
                if op_name == "put":
                    await side.put(session, key, stream_body(size, ctx.chunk), size)
                    return size
                got = await side.get(session, key)
                if got != size:
                    raise BenchRequestError(f"GET {key}: {got} bytes, expected {size}")
                return got

            with RssSampler(pids, s.rss_interval) as sampler:
                record = await measure(ctx, side, "stream", op_name, 0, 1, 1, op, profile=False)
            if record is None or not pids:
                continue
            record["rss"] = {
                "baseline_mib": round(baseline, 1),
                "peak_rss_mib": round(sampler.peak_mib(), 1),
                "peak_rss_sum_mib": round(sampler.peak_sum_mib(), 1),
                "per_pid_peak_mib": {str(p): round(k / 1024, 1) for p, k in sampler.peak_kib.items()},
                "samples": sampler.samples,
                "hwm_mib": (round(max((status_kib(p, "VmHWM") or 0) for p in pids) / 1024, 1)
                            if hwm_reset else None),
            }
            record["peak_rss_mib"] = record["rss"]["peak_rss_mib"]
            log(f"    {side.name} {op_name}: peak RSS {sampler.peak_mib():.1f} MiB "
                f"(baseline {baseline:.1f} MiB, {sampler.samples} samples"
                + (f", VmHWM {record['rss']['hwm_mib']} MiB" if hwm_reset else "") + ")")
        try:
            await side.delete(session, key)  # free the disk before the next side
        except (BenchRequestError, aiohttp.ClientError) as exc:
            log(f"    (could not delete {key}: {exc})")


async def run_all(ctx: Context, swift_auth: dict[str, Any]) -> None:
    s = ctx.settings
    conns = max(s.small_concurrency, s.large_concurrency) * 2
    async with make_session(conns) as session:
        storage_url, token = await swift_login(
            session, swift_auth["auth_url"], swift_auth["user"], swift_auth["key"])
        for side in ctx.sides:
            if isinstance(side, SwiftSide):
                side.storage_url, side.token = storage_url, token
        gw1 = next(side for side in ctx.sides if isinstance(side, S3Side))
        await gw1.create_bucket(session)
        log("warming up")
        await warm_up(ctx, session)
        if "large" in ctx.only:
            await large_rounds(ctx, session)
        if "small" in ctx.only:
            await small_rounds(ctx, session)
        if "stream" in ctx.only:
            await stream_phase(ctx, session)


# -- summary ----------------------------------------------------------------

def _rows(phases: list[dict[str, Any]], workload: str, op: str, side: str) -> list[dict[str, Any]]:
    return [p for p in phases if p["workload"] == workload and p["op"] == op and p["side"] == side]


def aggregate(phases: list[dict[str, Any]], workload: str, op: str, side: str) -> dict[str, Any] | None:
    """Totals over the rounds: throughput = all bytes (ops) / all seconds."""
    rows = _rows(phases, workload, op, side)
    if not rows:
        return None
    seconds = sum(p["seconds"] for p in rows)
    nbytes = sum(p["bytes"] for p in rows)
    ops = sum(p["ops"] for p in rows)
    cpu = {k: sum(p["cpu_seconds"][k] for p in rows) for k in rows[0]["cpu_seconds"]}
    pressures = [p["cpu_pressure"] for p in rows if p.get("cpu_pressure") is not None]
    out: dict[str, Any] = {
        "rounds": len(rows),
        "mib_s": round(nbytes / MiB / seconds, 2) if seconds else None,
        "ops_s": round(ops / seconds, 1) if seconds else None,
        "per_round_mib_s": [p["mib_s"] for p in rows],
        "per_round_ops_s": [p["ops_s"] for p in rows],
        "cpu_cores": {k: round(v / seconds, 3) for k, v in cpu.items()},
        # CPU cost per unit of work: far less sensitive to a busy machine than speed.
        "cpu_ms_per_op": {k: round(1000 * v / max(ops, 1), 3) for k, v in cpu.items()},
        "cpu_ms_per_mib": {k: round(1000 * v / max(nbytes / MiB, 1e-9), 3)
                           for k, v in cpu.items()},
        "cpu_pressure": round(statistics.mean(pressures), 3) if pressures else None,
    }
    if "peak_rss_mib" in rows[0]:
        out["peak_rss_mib"] = max(p["peak_rss_mib"] for p in rows)
        out["rss"] = rows[0]["rss"]
    return out


def cost_ratio(direct: dict[str, Any], gateway: dict[str, Any], metric: str) -> float | None:
    """CPU per unit of work, direct over gateway, all our processes counted.

    On a CPU-saturated machine throughput is inversely proportional to the CPU
    spent per unit of work, so this estimates the throughput ratio the sides would
    show there; it barely moves when other work competes for the CPUs, unlike
    the measured ratio.
    """
    per = "cpu_ms_per_op" if metric == "ops_s" else "cpu_ms_per_mib"
    d, g = sum(direct[per].values()), sum(gateway[per].values())
    return round(d / g, 3) if g else None


def paired_ratios(phases: list[dict[str, Any]], workload: str, op: str, side: str,
                  metric: str) -> list[float]:
    """gateway / direct for each round (the sides ran back to back within a round)."""
    direct = {p["round"]: p[metric] for p in _rows(phases, workload, op, "direct")}
    return [round(p[metric] / direct[p["round"]], 3)
            for p in _rows(phases, workload, op, side) if direct.get(p["round"])]


def evaluate(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for label, workload, op, metric, comparison, threshold, info in TARGETS:
        row: dict[str, Any] = {"label": label, "workload": workload, "op": op, "metric": metric,
                               "target": f"{comparison.replace('value', '')} {threshold:g}"
                               if comparison.startswith("value") else f">= {threshold:g} x direct",
                               "informational": info, "sides": {}}
        direct = aggregate(phases, workload, op, "direct")
        rss_metric = metric == "peak_rss_mib"
        if direct and not rss_metric:
            row["direct"] = direct[metric]
        for side in ("gw1", "gw2"):
            agg = aggregate(phases, workload, op, side)
            if agg is None or (rss_metric and "peak_rss_mib" not in agg):
                row["sides"][side] = {"verdict": "n/a"}
                continue
            value = agg[metric]
            entry: dict[str, Any] = {"value": value}
            if rss_metric:
                entry["verdict"] = "PASS" if value < threshold else "FAIL"
                entry["rss"] = agg.get("rss")
            elif direct and direct[metric]:
                ratio = value / direct[metric]
                entry["ratio"] = round(ratio, 3)
                per_round = paired_ratios(phases, workload, op, side, metric)
                entry["per_round_ratios"] = per_round
                entry["median_round_ratio"] = (round(statistics.median(per_round), 3)
                                               if per_round else None)
                entry["verdict"] = "PASS" if ratio >= threshold else "FAIL"
                entry["cpu_cost_ratio"] = cost_ratio(direct, agg, metric)
            else:
                entry["verdict"] = "n/a"
            for key in ("cpu_cores", "cpu_ms_per_op", "cpu_ms_per_mib", "cpu_pressure"):
                entry[key] = agg[key]
            row["sides"][side] = entry
        results.append(row)
    return results


def render_table(summary: list[dict[str, Any]], settings: Settings) -> str:
    header = (f"{'metric':34s} {'direct':>10s} {'gw 1-worker':>12s} {'ratio':>6s} {'':4s} "
              f"{'gw 2-worker':>12s} {'ratio':>6s} {'':4s}  {'target':26s} {'cpu-cost ratio':>14s}")
    lines = [header, "-" * len(header)]
    for row in summary:
        unit = {"mib_s": "MiB/s", "ops_s": "ops/s", "peak_rss_mib": "MiB"}[row["metric"]]
        direct = row.get("direct")
        cells = [f"{row['label']:34s}", f"{direct:>10.1f}" if direct is not None else f"{'-':>10s}"]
        for side in ("gw1", "gw2"):
            entry = row["sides"].get(side, {})
            value = entry.get("value")
            cells.append(f"{value:>12.1f}" if value is not None else f"{'-':>12s}")
            ratio = entry.get("ratio")
            cells.append(f"{ratio:>6.2f}" if ratio is not None else f"{'':>6s}")
            verdict = entry.get("verdict", "n/a")
            cells.append(f"{verdict:4s}")
        target = row["target"] + (" (info)" if row["informational"] else "") + f" [{unit}]"
        costs = [row["sides"].get(side, {}).get("cpu_cost_ratio") for side in ("gw1", "gw2")]
        cost = " / ".join(f"{c:.2f}" if c is not None else "-" for c in costs)
        lines.append(" ".join(cells) + f"  {target:26s} {cost if any(costs) else '':>14s}")
    lines.append("ratio = gateway / direct throughput (totals over rounds); cpu-cost ratio (gw1 / gw2) = "
                 "CPU per unit of work of")
    lines.append("all our processes, direct / via gateway: the throughput ratio to expect on a "
                 "CPU-saturated machine, robust to other load")
    lines.append("")
    lines.append("per-round ratios (gateway / direct, sides back to back in each round):")
    for row in summary:
        parts = []
        for side in ("gw1", "gw2"):
            per_round = row["sides"].get(side, {}).get("per_round_ratios")
            if per_round:
                parts.append(f"{side} " + " ".join(f"{r:.2f}" for r in per_round))
        if parts:
            lines.append(f"  {row['label']:34s} " + "   ".join(parts))
    lines.append("")
    lines.append(f"large = {settings.large_size // MiB} MiB objects ({settings.large_seq} sequential, "
                 f"{settings.large_conc} at concurrency {settings.large_concurrency} per round); small = "
                 f"{settings.small_ops} x {settings.small_size // KiB} KiB at concurrency "
                 f"{settings.small_concurrency} per round (capped at {settings.small_max_seconds:g}s); "
                 f"stream = {settings.stream_size / MiB:.0f} MiB; {settings.rounds} round(s), "
                 "sides interleaved")
    return "\n".join(lines)


def render_cpu(phases: list[dict[str, Any]]) -> str:
    lines = ["CPU per unit of work (ms per MiB for large/stream, ms per op for small; totals over",
             "rounds) and cores busy; 'pressure' = share of the time some task on the machine",
             "waited for a CPU (near 1 = oversubscribed: absolute figures depressed):",
             f"  {'phase':18s} {'side':6s} {'gateway':>8s} {'swift':>7s} {'client':>7s} {'unit':>7s}"
             f"   {'cores gw/swift/client':>22s} {'pressure':>8s}"]
    seen = []
    for p in phases:
        key = (p["workload"], p["op"], p["side"])
        if key in seen:
            continue
        seen.append(key)
        agg = aggregate(phases, *key)
        assert agg is not None
        per_op = p["workload"] == "small"
        cost = agg["cpu_ms_per_op"] if per_op else agg["cpu_ms_per_mib"]
        cores = agg["cpu_cores"]
        pressure = agg["cpu_pressure"]
        lines.append(
            f"  {p['workload'] + ' ' + p['op']:18s} {p['side']:6s} {cost['gateway']:8.2f} "
            f"{cost['swift']:7.2f} {cost['client']:7.2f} {'ms/op' if per_op else 'ms/MiB':>7s}"
            f"   {cores['gateway']:6.2f} {cores['swift']:6.2f} {cores['client']:6.2f}  "
            f"  {pressure if pressure is not None else '-':>8}")
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer objects and ops, a 256 MiB stream instead of 2 GiB")
    parser.add_argument("--rounds", type=int, help="rounds per workload (sides interleaved)")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help="comma-separated subset of: large, small, stream (default: all)")
    parser.add_argument("--small-ops", type=int,
                        help="small-object ops per side per round (overrides the mode's count)")
    parser.add_argument("--output", default=str(HERE / "results.json"),
                        help="where to write the JSON results (default: benchmarks/results.json)")
    parser.add_argument("--profile", metavar="DIR",
                        help="py-spy record the gateway process(es) during round 0 of each "
                             "phase; raw stacks and a top-functions summary land in DIR "
                             "(figures are perturbed by the sampling)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary data dir (logs, Swift data) afterwards")
    args = parser.parse_args(argv)

    settings = QUICK if args.quick else FULL
    if args.rounds:
        settings = Settings(**{**settings.__dict__, "rounds": args.rounds})
    if args.small_ops:
        settings = Settings(**{**settings.__dict__, "small_ops": args.small_ops,
                               "small_max_seconds": max(settings.small_max_seconds,
                                                        args.small_ops / 10)})
    only = tuple(w.strip() for w in args.only.split(",") if w.strip())
    unknown = set(only) - set(WORKLOADS)
    if unknown:
        parser.error(f"--only: unknown workload(s) {', '.join(sorted(unknown))}")

    def on_sigterm(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)

    root = Path(tempfile.mkdtemp(prefix="s3swift-bench-"))
    started = time.time()
    load_before = os.getloadavg()
    cluster = Cluster(root, serve_workers=2, log=log)
    ctx: Context | None = None
    status = "ok"
    try:
        log(f"starting s3swift dev + serve --workers 2 under {root}")
        cluster.start()
        sides: list[S3Side | SwiftSide] = [
            SwiftSide("direct", "direct Swift", "", "", BUCKET),
            S3Side("gw1", "gateway, s3swift dev (1 worker)", cluster.endpoints["s3"]["endpoint"],
                   cluster.endpoints["s3"]["access_key"], cluster.endpoints["s3"]["secret_key"],
                   cluster.endpoints["s3"]["region"], BUCKET),
            S3Side("gw2", "gateway, s3swift serve --workers 2", cluster.serve_endpoint,
                   cluster.endpoints["s3"]["access_key"], cluster.endpoints["s3"]["secret_key"],
                   cluster.endpoints["s3"]["region"], BUCKET),
        ]
        large = os.urandom(settings.large_size)
        small = os.urandom(settings.small_size)
        ctx = Context(settings=settings, cluster=cluster, sides=sides,
                      profiler=Profiler(Path(args.profile) if args.profile else None),
                      large_body=large, large_sha256=hashlib.sha256(large).hexdigest(),
                      small_body=small, small_sha256=hashlib.sha256(small).hexdigest(),
                      chunk=os.urandom(settings.stream_chunk), only=only)
        try:
            asyncio.run(asyncio.wait_for(run_all(ctx, cluster.endpoints["swift"]),
                                         settings.budget_seconds))
        except asyncio.TimeoutError:
            status = f"stopped at the {settings.budget_seconds:.0f}s budget; partial results"
            log(status)
    except ClusterError as exc:
        status = f"could not start the system under test: {exc}"
        log(status)
    except KeyboardInterrupt:
        status = "interrupted; partial results"
        log(status)
    finally:
        log("stopping s3swift serve and dev")
        cluster.stop()
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    phases = ctx.phases if ctx else []
    summary = evaluate(phases)
    document = {
        "status": status,
        "mode": "quick" if args.quick else "full",
        "workloads": list(only),
        "profiled": bool(args.profile),
        "settings": settings.__dict__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_seconds": round(time.time() - started, 1),
        "environment": {
            "git_commit": git_commit(), "python": platform.python_version(),
            "aiohttp": aiohttp.__version__, "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "summary": summary,
        "phases": phases,
        "errors": ctx.errors if ctx else [],
        "profiles": ctx.profiler.outputs if ctx else {},
    }
    Path(args.output).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    print()
    print(render_table(summary, settings))
    print()
    if phases:
        print(render_cpu(phases))
        print()
    print(f"load average before/after: {document['environment']['loadavg_before']} / "
          f"{document['environment']['loadavg_after']} (other work on this machine skews figures)")
    if document["errors"]:
        print(f"{len(document['errors'])} phase(s) failed:")
        for err in document["errors"]:
            print(f"  {err}")
    print(f"status: {status}; results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
