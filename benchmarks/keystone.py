"""Keystone-backed keys against SQLite keys: small GET/PUT at concurrency 16.

Starts ``s3swift dev`` (Swift), a real Keystone (``.venv-keystone``, as the
Keystone tests start it) and two 1-worker ``s3swift serve`` gateways of this
tree on that Swift: one with the SQLite store, one with ``[credentials]
backend = "keystone"``. They run many short paired rounds (4 KiB PUTs, then
GETs of them; the side that goes first alternates), so the machine's drift
hits both sides of a pair alike. Reported, one line per figure:

- the throughput ratio (keystone / sqlite ops/s) of each pair: its median,
  quartiles and range (target >= 0.95; on a shared machine the range is Swift's
  noise, the median is the figure);
- each gateway's CPU per request (its process' CPU time from /proc, which does
  not depend on how busy the machine is) and the CPU ratio sqlite / keystone
  (>= 0.95: the Keystone path costs the gateway no more than SQLite's);
- the credential cache hit rate during the measured rounds (the Keystone
  gateway's own counters) and the Keystone requests per 1,000 S3 requests,
  counted from Keystone's own access log.

    .venv/bin/python benchmarks/keystone.py            # ~2-4 min
    .venv/bin/python benchmarks/keystone.py --quick    # ~1-2 min, a smoke run
    .venv/bin/python benchmarks/keystone.py --profile /tmp/ks-prof   # + py-spy
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _clients import S3Side, make_session  # noqa: E402
from _cluster import Cluster, _http_answers, free_port  # noqa: E402
from _harness import Profiler, run_ops  # noqa: E402
from _procstats import cpu_pressure_stalled_us, cpu_seconds_fine  # noqa: E402
from tests.integration.keystone_support import KeystoneServer, start_keystone  # noqa: E402

SIZE = 4096
CONCURRENCY = 16
TARGET = 0.95
OPS = ("put", "get")


@dataclass
class Gateway:
    """One 1-worker ``s3swift serve`` of this tree (``PYTHONPATH``), its S3 side and
    what its rounds measured."""

    name: str
    proc: subprocess.Popen[bytes]
    side: S3Side
    ops_s: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    cpu_s: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})


def start_serve(cluster: Cluster, root: Path, name: str,
                env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = cluster.write_serve_config(root / f"{name}.toml", port, 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3SWIFT_")}
    env.update(env_extra, PYTHONPATH=str(HERE.parent))
    with open(root / f"{name}.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config)],
            cwd=HERE.parent, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not _http_answers(endpoint + "/"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"serve {name} did not start:\n"
                               + (root / f"{name}.log").read_text()[-3000:])
        time.sleep(0.2)
    return proc, endpoint


def cache_lookups(metrics_url: str) -> dict[str, float]:
    """The gateway's own credential cache counters: ``{"hit": n, "miss": n}``."""
    with urllib.request.urlopen(metrics_url, timeout=30) as resp:
        text = resp.read().decode()
    prefix = "s3swift_credential_cache_lookups_total{"
    return {result: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            for result in ("hit", "miss") if line.startswith(f'{prefix}result="{result}"}}')}


def keystone_lines(server: KeystoneServer) -> list[str]:
    path = server.access_log
    return path.read_text(errors="replace").splitlines() if path.exists() else []


async def one_round(session: aiohttp.ClientSession, gw: Gateway, ops: int, round_no: int,
                    body: bytes, digest: str, record: bool = True) -> None:
    """``ops`` PUTs, then GETs of them; throughput and the gateway's CPU per phase."""
    keys = [f"small/r{round_no}/{i:06d}" for i in range(ops)]

    async def put(i: int) -> int:
        await gw.side.put(session, keys[i], body, SIZE, digest)
        return SIZE

    async def get(i: int) -> int:
        return await gw.side.get(session, keys[i])

    for op, call in (("put", put), ("get", get)):
        cpu0 = cpu_seconds_fine([gw.proc.pid])
        done, _, _, seconds = await run_ops(ops, CONCURRENCY, call, None)
        cpu = cpu_seconds_fine([gw.proc.pid]) - cpu0
        if record:
            gw.ops_s[op].append(done / seconds)
            gw.cpu_s[op].append(cpu / done)


def spread(values: list[float]) -> str:
    """``median [q1-q3, min-max]`` of ``values``."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return f"{median:.3f} [quartiles {q1:.3f}-{q3:.3f}, range {min(values):.3f}-{max(values):.3f}]"


def verdict(value: float) -> str:
    return "meets" if value >= TARGET else "BELOW"


async def bench(sqlite: Gateway, keystone: Gateway, server: KeystoneServer, metrics_url: str,
                pairs: int, ops: int, profiler: Profiler) -> dict[str, Any]:
    body = os.urandom(SIZE)
    digest = hashlib.sha256(body).hexdigest()
    async with make_session(CONCURRENCY * 2) as session:
        for gw in (sqlite, keystone):
            await gw.side.create_bucket(session)
            await one_round(session, gw, 64, -1, body, digest, record=False)  # warm-up
        before = len(keystone_lines(server))
        lookups_before = cache_lookups(metrics_url)
        spies = profiler.start("keystone-gateway", [keystone.proc.pid]) + \
            profiler.start("sqlite-gateway", [sqlite.proc.pid])
        psi0, t0 = cpu_pressure_stalled_us(), time.perf_counter()
        for pair in range(pairs):
            order = (sqlite, keystone) if pair % 2 == 0 else (keystone, sqlite)
            for gw in order:
                await one_round(session, gw, ops, pair, body, digest)
        wall = time.perf_counter() - t0
        psi1 = cpu_pressure_stalled_us()
        profiler.stop("gateways", spies)
        during = keystone_lines(server)[before:]
        lookups = {k: v - lookups_before.get(k, 0.0)
                   for k, v in cache_lookups(metrics_url).items()}
    s3_requests = pairs * ops * len(OPS)
    summary: dict[str, Any] = {
        "pairs": pairs, "ops_per_side_per_pair": ops, "concurrency": CONCURRENCY,
        "size": SIZE, "measured_seconds": round(wall, 1),
        "cpu_pressure": None if psi0 is None or psi1 is None
        else round(min(1.0, (psi1 - psi0) / 1e6 / wall), 3),
        "keystone_requests": len(during),
        "keystone_requests_per_1000_s3": round(1000 * len(during) / s3_requests, 3),
        "cache_lookups": lookups,
        "cache_hit_rate": round(lookups.get("hit", 0.0) / max(sum(lookups.values()), 1.0), 5),
        "keystone_credential_reads": sum(1 for line in during if "/v3/credentials/" in line),
    }
    for op in OPS:
        throughput = [k / s for k, s in zip(keystone.ops_s[op], sqlite.ops_s[op])]
        cpu_ratio = [s / k for k, s in zip(keystone.cpu_s[op], sqlite.cpu_s[op])]
        summary[op] = {
            "throughput_ratio_per_pair": [round(r, 3) for r in throughput],
            "throughput_ratio_median": round(statistics.median(throughput), 3),
            "ops_s_median": {gw.name: round(statistics.median(gw.ops_s[op]), 1)
                             for gw in (sqlite, keystone)},
            "cpu_ms_per_request": {gw.name: round(1000 * statistics.median(gw.cpu_s[op]), 4)
                                   for gw in (sqlite, keystone)},
            "cpu_ratio_per_pair": [round(r, 3) for r in cpu_ratio],
            "cpu_ratio_median": round(statistics.median(cpu_ratio), 3),
            "_throughput_spread": spread(throughput), "_cpu_spread": spread(cpu_ratio),
        }
    return summary


def report(summary: dict[str, Any]) -> list[str]:
    """One self-explanatory line per figure."""
    lines = [f"setup: {summary['pairs']} pairs x {summary['ops_per_side_per_pair']} PUT + "
             f"{summary['ops_per_side_per_pair']} GET per side, {SIZE} B objects, concurrency "
             f"{CONCURRENCY}, 1-worker gateways; measured {summary['measured_seconds']} s, "
             f"CPU pressure {summary['cpu_pressure']} (0 = idle machine, 1 = oversubscribed)"]
    for op in OPS:
        fig, name = summary[op], op.upper()
        lines.append(f"{name} throughput ratio keystone/sqlite, median of pairs: "
                     f"{fig.pop('_throughput_spread')} (target >= {TARGET}: "
                     f"{verdict(fig['throughput_ratio_median'])}; ops/s sqlite "
                     f"{fig['ops_s_median']['sqlite']}, keystone {fig['ops_s_median']['keystone']})")
        lines.append(f"{name} gateway CPU ms/request: sqlite {fig['cpu_ms_per_request']['sqlite']}, "
                     f"keystone {fig['cpu_ms_per_request']['keystone']}; ratio sqlite/keystone "
                     f"{fig.pop('_cpu_spread')} (target >= {TARGET}: "
                     f"{verdict(fig['cpu_ratio_median'])})")
    lookups = summary["cache_lookups"]
    lines.append(f"credential cache hit rate (keystone gateway's own counters, measured "
                 f"rounds): {summary['cache_hit_rate']:.5f} ({lookups.get('hit', 0):.0f} hits, "
                 f"{lookups.get('miss', 0):.0f} misses)")
    lines.append(f"Keystone requests per 1,000 S3 requests (Keystone's access log, measured "
                 f"rounds): {summary['keystone_requests_per_1000_s3']} "
                 f"({summary['keystone_requests']} in all, "
                 f"{summary['keystone_credential_reads']} credential reads: background "
                 f"renewals of the one key, about one per 3/4 of the 60 s cache time)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 pairs of 100 ops per side")
    parser.add_argument("--pairs", type=int, help="paired rounds (default 30)")
    parser.add_argument("--ops", type=int, help="PUTs (then GETs) per side per round "
                                                "(default 150)")
    parser.add_argument("--profile", type=Path, help="py-spy both gateways into this directory")
    parser.add_argument("--output", default=str(HERE / "keystone_results.json"))
    args = parser.parse_args(argv)
    pairs = args.pairs or (8 if args.quick else 30)
    ops = args.ops or (100 if args.quick else 150)
    root = Path(tempfile.mkdtemp(prefix="s3swift-ks-bench-"))
    cluster = Cluster(root, serve_workers=0)
    server: KeystoneServer | None = None
    procs: list[subprocess.Popen[bytes]] = []
    try:
        cluster.start()
        server = start_keystone(root, free_port())
        admin = server.admin()
        project = admin.project(f"bench-{uuid.uuid4().hex[:8]}")
        user = admin.user(f"bench-{uuid.uuid4().hex[:8]}", "bench-password")
        admin.grant(user, project, "member")
        key = admin.ec2_key(user, "bench-password", project)
        _, service = admin.service_user("service-password")
        sqlite_proc, sqlite_url = start_serve(cluster, root, "sqlite", {})
        procs.append(sqlite_proc)
        metrics_port = free_port()
        ks_proc, ks_url = start_serve(cluster, root, "keystone", {
            "S3SWIFT_SERVER_METRICS_PORT": str(metrics_port),
            "S3SWIFT_CREDENTIALS_BACKEND": "keystone",
            "S3SWIFT_KEYSTONE_AUTH_URL": server.url, "S3SWIFT_KEYSTONE_USER": service,
            "S3SWIFT_KEYSTONE_PASSWORD": "service-password"})
        procs.append(ks_proc)
        s3 = cluster.endpoints["s3"]
        # Bucket names are gateway-wide (one owner each): one per side's account.
        sqlite = Gateway("sqlite", sqlite_proc, S3Side(
            "sqlite", "SQLite key", sqlite_url, s3["access_key"], s3["secret_key"],
            s3["region"], "ks-bench-sqlite"))
        keystone = Gateway("keystone", ks_proc, S3Side(
            "keystone", "Keystone key", ks_url, key.access, key.secret, s3["region"],
            "ks-bench-keystone"))
        summary = asyncio.run(bench(sqlite, keystone, server,
                                    f"http://127.0.0.1:{metrics_port}/metrics", pairs, ops,
                                    Profiler(args.profile)))
        print("\n".join(report(summary)), flush=True)
        Path(args.output).write_text(json.dumps(summary, indent=2) + "\n")
        print(f"details (per-pair ratios): {args.output}")
        return 0
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        if server is not None:
            server.stop()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
