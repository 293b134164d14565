#!/usr/bin/env python3
"""CPU per S3 operation of the gateway (and of Swift), for several source trees at once.

    .venv/bin/python benchmarks/cpu_per_op.py --tree base=/work/wt-base --tree new=. \\
        [--rounds 5] [--census] [--profile DIR]

One embedded Swift (``s3swift dev``) serves all trees; each tree gets its own
1-worker ``s3swift serve`` (``python -m gateway.cli serve``, ``PYTHONPATH=<tree>``).
Each phase runs the trees back to back (order reversed every other round); each figure
is CPU time read from /proc (each thread's schedstat), not wall time, so it stays
meaningful on a loaded machine: gateway ms per 4 KiB PUT/GET/HEAD/DELETE and per
MiB of 16 MiB PUT/GET, Swift ms per op, and Swift requests per op (lines of the
proxy log). Reported: the median over rounds and the spread (min-max).

``--census`` also sends a few operations of each kind through a recording proxy
(``_swift_recorder.py``) and prints every Swift request with its headers, so two
trees can be compared request by request. ``--profile DIR`` py-spy-records each
tree's gateway during each phase (summaries in ``DIR/*.top.txt``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import MiB, S3Side, make_session  # noqa: E402
from _cluster import LOOPBACK, Cluster, _http_answers, free_port, terminate  # noqa: E402
from _harness import BUCKET, KiB, Profiler, log  # noqa: E402
from _procstats import CpuMeter, cpu_seconds_fine  # noqa: E402
from _swift_recorder import SwiftRecorder  # noqa: E402

SMALL_PHASES = ("put", "get", "head", "delete")
LARGE_PHASES = ("put16", "put16signed", "get16")  # put16signed: SigV4 signed payload
LIST_PHASES = ("list",)  # ListObjectsV2 of LIST_KEYS keys, sequential
LIST_PREFIX, LIST_KEYS = "lst/", 1000
VOLATILE = re.compile(r"^(x-auth-token|x-timestamp|date|x-trans-id|etag|if-match|"
                      r"x-object-meta-s3swift-checksum.*)$", re.I)


class Gateway:
    """A 1-worker ``s3swift serve`` run from one source tree."""

    def __init__(self, name: str, tree: Path, cluster: Cluster, swift_endpoint: str = "") -> None:
        self.name = name
        port = free_port()
        config = cluster.write_serve_config(cluster.root / f"serve-{name}-{port}.toml", port, 1,
                                            swift_endpoint)
        env = {k: v for k, v in os.environ.items() if not k.startswith("S3SWIFT_")}
        env["PYTHONPATH"] = str(tree)
        self.log_path = cluster.root / f"serve-{name}-{port}.log"
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config)],
                cwd=tree, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.endpoint = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + 60
        while not _http_answers(self.endpoint + "/"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gateway {name} did not start: {self.log_path.read_text()}")
            time.sleep(0.2)
        s3 = cluster.endpoints["s3"]
        self.side = S3Side(name, name, self.endpoint, s3["access_key"], s3["secret_key"],
                           s3["region"], BUCKET)

    def stop(self) -> None:
        terminate(self.proc)


class ProxyLog:
    """Counts the embedded proxy's log lines (one per Swift request) between two marks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size

    def settle_and_count(self) -> int:
        """Wait (bounded) until the log stops growing, then count lines since the mark."""
        size, deadline = -1, time.monotonic() + 3
        while time.monotonic() < deadline:
            now = self.path.stat().st_size
            if now == size:
                break
            size = now
            time.sleep(0.25)
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(size - self.offset)
        self.offset = size
        return data.count(b"\n")


async def run_phase(side: S3Side, session: aiohttp.ClientSession, phase: str, keys: list[str],
                    small: bytes, large: bytes, concurrency: int) -> None:
    if phase in LIST_PHASES:
        for _ in keys:
            await side.list(session, LIST_PREFIX, LIST_KEYS)
        return
    if phase in LARGE_PHASES:
        for key in keys:  # sequential, one 16 MiB body at a time
            if phase == "put16":
                await side.put(session, key, large, len(large))
            elif phase == "put16signed":
                await side.put(session, key, large, len(large),
                               payload_hash=hashlib.sha256(large).hexdigest())
            else:
                await side.get(session, key)
        return
    gate = asyncio.Semaphore(concurrency)

    async def one(key: str) -> None:
        async with gate:
            if phase == "put":
                await side.put(session, key, small, len(small))
            else:
                await getattr(side, phase)(session, key)

    await asyncio.gather(*(one(k) for k in keys))


async def measure(args: argparse.Namespace, cluster: Cluster, gateways: list[Gateway],
                  profiler: Profiler) -> dict[str, dict[str, list[dict[str, float]]]]:
    small, large = os.urandom(4 * KiB), os.urandom(16 * MiB)
    proxy_log = ProxyLog(cluster.data_dir / "swift" / "log" / "proxy-server.log")
    results: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(lambda: defaultdict(list))
    async with make_session(max(args.concurrency, 4)) as session:
        await gateways[0].side.create_bucket(session)
        await run_phase(gateways[0].side, session, "put",  # what the LIST phase lists
                        [f"{LIST_PREFIX}{i:04d}" for i in range(LIST_KEYS)], small, large,
                        args.concurrency)
        for gw in gateways:  # warm up: connections, tokens, caches
            for phase, keys in (("put", ["warm/a", "warm/b"]), ("get", ["warm/a"]),
                                ("put16", ["warm/l"]), ("get16", ["warm/l"])):
                await run_phase(gw.side, session, phase, [f"{gw.name}/{k}" for k in keys],
                                small, large, args.concurrency)
        for rnd in range(args.rounds):
            # Phase by phase, the trees back to back (order reversed every other
            # round): the machine's load drifts less between their figures.
            order = gateways if rnd % 2 == 0 else gateways[::-1]
            for phase in (*SMALL_PHASES, *LARGE_PHASES, *LIST_PHASES):
                for gw in order:
                    n = (args.large_ops if phase in LARGE_PHASES else
                         args.list_ops if phase in LIST_PHASES else args.small_ops)
                    if n == 0:  # a phase asked for no operations is left out
                        continue
                    prefix = "l" if phase in LARGE_PHASES else "s"
                    keys = [f"{gw.name}/r{rnd}/{prefix}{i}" for i in range(n)]
                    meter = CpuMeter({"gateway": lambda gw=gw: [gw.proc.pid],
                                      "swift": cluster.swift_pids}, cpu_seconds_fine)
                    spy = profiler.start(f"{gw.name}-{phase}-r{rnd}", [gw.proc.pid])
                    proxy_log.settle_and_count()
                    meter.start()
                    await run_phase(gw.side, session, phase, keys, small, large,
                                    args.concurrency)
                    cpu, pressure = meter.stop()
                    requests = proxy_log.settle_and_count()
                    profiler.stop(f"{gw.name}-{phase}-r{rnd}", spy)
                    unit = n * len(large) / MiB if phase in LARGE_PHASES else n
                    results[gw.name][phase].append({
                        "gateway_ms": 1000 * cpu["gateway"] / unit,
                        "swift_ms": 1000 * cpu["swift"] / unit,
                        "swift_requests": requests / n,
                        "pressure": pressure or 0.0})
            log(f"round {rnd}: " + "; ".join(
                f"{gw.name} " + " ".join(f"{p} {results[gw.name][p][-1]['gateway_ms']:.3f}"
                                         for p in (*SMALL_PHASES, *LARGE_PHASES, *LIST_PHASES)
                                         if p in results[gw.name])
                for gw in gateways))
    return results


def summarise(results: dict[str, dict[str, list[dict[str, float]]]]) -> str:
    first = next(iter(results))
    lines = ["gateway CPU ms per op (4 KiB, LIST) or per MiB (16 MiB): median [min-max] over rounds;",
             f"'vs {first}': median over rounds of the gateway figure / {first}'s of the same round",
             f"{'tree':<10}{'phase':<8}{'gateway ms':>22}{'vs ' + first:>10}{'swift ms':>22}"
             f"{'swift req/op':>14}{'cpu pressure':>14}"]
    for tree, phases in results.items():
        for phase, runs in phases.items():
            def cell(key: str, runs: list[dict[str, float]] = runs) -> str:
                values = [r[key] for r in runs]
                return (f"{statistics.median(values):7.3f} [{min(values):.3f}-"
                        f"{max(values):.3f}]")
            paired = statistics.median(
                r["gateway_ms"] / b["gateway_ms"]
                for r, b in zip(runs, results[first][phase], strict=True))
            reqs = statistics.median(r["swift_requests"] for r in runs)
            press = statistics.median(r["pressure"] for r in runs)
            lines.append(f"{tree:<10}{phase:<8}{cell('gateway_ms'):>22}{paired:>10.3f}"
                         f"{cell('swift_ms'):>22}{reqs:>14.2f}{press:>14.2f}")
    return "\n".join(lines)


async def census(cluster: Cluster, trees: dict[str, Path]) -> str:
    """Every Swift request each tree's gateway makes per operation, headers included."""
    recorder = SwiftRecorder(cluster.endpoints["swift"]["proxy_url"].rstrip("/"))
    await recorder.start()
    small, large = os.urandom(4 * KiB), os.urandom(16 * MiB)
    out: list[str] = []
    try:
        for name, tree in trees.items():
            gw = Gateway(f"{name}-census", tree, cluster, recorder.endpoint)
            try:
                async with make_session(4) as session:
                    await gw.side.create_bucket(session)
                    await run_phase(gw.side, session, "put", ["census/warm"], small, large, 1)
                    for step in ("put", "put-expect", "get", "head", "delete", "put16",
                                 "get16", "list"):
                        recorder.requests.clear()
                        key = "census/l" if step in LARGE_PHASES else "census/s"
                        if step == "put-expect":
                            url = gw.side.url(key)
                            headers = gw.side.sign("PUT", url, "UNSIGNED-PAYLOAD")
                            headers["Content-Length"] = str(len(small))
                            async with session.put(url, data=small, headers=headers,
                                                   expect100=True) as resp:
                                await resp.read()
                        elif step == "list":  # census/warm and census/l by now
                            await gw.side.list(session, "census/", 2)
                        else:
                            await run_phase(gw.side, session, step, [key], small, large, 1)
                        out.append(f"{name} {step}: {len(recorder.requests)} Swift request(s)")
                        for seen in recorder.requests:
                            shown = {k: v for k, v in sorted(seen.headers.items())
                                     if not VOLATILE.match(k)}
                            out.append(f"    {seen.method} {seen.path} -> {seen.status} {shown}")
            finally:
                gw.stop()
    finally:
        await recorder.stop()
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=PATH",
                        help="a source tree to measure (repeat for each)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--small-ops", type=int, default=400)
    parser.add_argument("--large-ops", type=int, default=6)
    parser.add_argument("--list-ops", type=int, default=20,
                        help="ListObjectsV2 calls (1,000 keys each) per tree and round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--census", action="store_true", help="record Swift requests first")
    parser.add_argument("--profile", metavar="DIR", help="py-spy record each phase into DIR")
    parser.add_argument("--output", metavar="JSON", help="write the raw figures here")
    args = parser.parse_args()
    trees = {name: Path(path).resolve() for name, _, path in
             (t.partition("=") for t in args.tree)}
    root = Path(tempfile.mkdtemp(prefix="s3swift-cpu-"))
    cluster = Cluster(root, serve_workers=0, log=log)
    gateways: list[Gateway] = []
    try:
        cluster.start()
        if args.census:
            print(asyncio.run(census(cluster, trees)), flush=True)
        gateways = [Gateway(name, tree, cluster) for name, tree in trees.items()]
        profiler = Profiler(Path(args.profile) if args.profile else None)
        results = asyncio.run(measure(args, cluster, gateways, profiler))
        print(summarise(results), flush=True)
        if args.output:
            Path(args.output).write_text(json.dumps(results, indent=1))
    finally:
        for gw in gateways:
            gw.stop()
        cluster.stop()
        subprocess.run(["rm", "-rf", str(root)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
