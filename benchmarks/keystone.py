"""Keystone-backed keys against SQLite keys: small GET/PUT at concurrency 16.

Starts ``s3swift dev`` (Swift), a real Keystone (``.venv-keystone``, as the
Keystone tests start it) and two ``s3swift serve`` gateways with one worker
each on that Swift: one with the SQLite store, one with ``[credentials]
backend = "keystone"``. Both get the same 4 KiB PUT-then-GET rounds (sides
alternating) and the report gives the steady-state ratio (keystone / sqlite
ops/s; the target is >= 0.95), the cache hit rate and the Keystone requests
per 1,000 S3 requests, counted from Keystone's own access log.

    .venv/bin/python benchmarks/keystone.py --quick    # ~1-2 min
    .venv/bin/python benchmarks/keystone.py            # ~3-5 min
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _clients import S3Side, make_session  # noqa: E402
from _cluster import Cluster, _http_answers, free_port, s3swift_command  # noqa: E402
from _harness import run_ops  # noqa: E402
from tests.integration.keystone_support import KeystoneServer, start_keystone  # noqa: E402

SIZE = 4096
CONCURRENCY = 16


def start_serve(cluster: Cluster, root: Path, name: str,
                env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = cluster.write_serve_config(root / f"{name}.toml", port, 1)
    log = open(root / f"{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([*s3swift_command(), "serve", "--config", str(config)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **env_extra}, start_new_session=True)
    log.close()
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not _http_answers(endpoint + "/"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"serve {name} did not start:\n"
                               + (root / f"{name}.log").read_text()[-3000:])
        time.sleep(0.2)
    return proc, endpoint


def keystone_lines(server: KeystoneServer) -> list[str]:
    path = server.access_log
    return path.read_text(errors="replace").splitlines() if path.exists() else []


async def small_round(session: aiohttp.ClientSession, side: S3Side, ops: int,
                      round_no: int) -> dict[str, float]:
    body = os.urandom(SIZE)
    digest = hashlib.sha256(body).hexdigest()
    keys = [f"small/r{round_no}/{i:06d}" for i in range(ops)]

    async def put(i: int) -> int:
        await side.put(session, keys[i], body, SIZE, digest)
        return SIZE

    async def get(i: int) -> int:
        return await side.get(session, keys[i])

    put_done, _, _, put_s = await run_ops(ops, CONCURRENCY, put, None)
    get_done, _, _, get_s = await run_ops(ops, CONCURRENCY, get, None)
    return {"put_ops_s": put_done / put_s, "get_ops_s": get_done / get_s,
            "requests": put_done + get_done}


async def bench(sides: dict[str, S3Side], server: KeystoneServer, rounds: int,
                ops: int) -> dict[str, Any]:
    results: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    async with make_session(CONCURRENCY * 2) as session:
        for side in sides.values():
            await side.create_bucket(session)
            await small_round(session, side, 32, -1)  # warm: connections, caches
        before = len(keystone_lines(server))
        for round_no in range(rounds):
            order = list(sides) if round_no % 2 == 0 else list(reversed(sides))
            for name in order:
                results[name].append(await small_round(session, sides[name], ops, round_no))
        during = keystone_lines(server)[before:]
    s3_requests = sum(r["requests"] for r in results["keystone"])
    credential_reads = sum(1 for line in during if "/v3/credentials/" in line)
    summary: dict[str, Any] = {"rounds": rounds, "ops_per_round": ops,
                               "concurrency": CONCURRENCY, "size": SIZE}
    for op in ("put_ops_s", "get_ops_s"):
        per_side = {name: sum(r[op] for r in rs) / len(rs) for name, rs in results.items()}
        summary[op] = {k: round(v, 1) for k, v in per_side.items()}
        summary[op]["ratio"] = round(per_side["keystone"] / per_side["sqlite"], 3)
        summary[op]["round_ratios"] = [round(k[op] / s[op], 3) for k, s in
                                       zip(results["keystone"], results["sqlite"])]
    summary["keystone_requests"] = len(during)
    summary["keystone_requests_per_1000_s3"] = round(1000 * len(during) / s3_requests, 3)
    summary["cache_hit_rate"] = round(1 - credential_reads / s3_requests, 5)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 200 ops per side")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--ops", type=int, help="PUTs (then GETs) per side per round")
    parser.add_argument("--output", default=str(HERE / "keystone_results.json"))
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 4)
    ops = args.ops or (200 if args.quick else 1000)
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
        ks_proc, ks_url = start_serve(cluster, root, "keystone", {
            "S3SWIFT_CREDENTIALS_BACKEND": "keystone",
            "S3SWIFT_KEYSTONE_AUTH_URL": server.url, "S3SWIFT_KEYSTONE_USER": service,
            "S3SWIFT_KEYSTONE_PASSWORD": "service-password"})
        procs.append(ks_proc)
        s3 = cluster.endpoints["s3"]
        sides = {
            "sqlite": S3Side("sqlite", "SQLite key", sqlite_url, s3["access_key"],
                             s3["secret_key"], s3["region"], "ks-bench-sqlite"),
            # Bucket names are gateway-wide (one owner each): one per side's account.
            "keystone": S3Side("keystone", "Keystone key", ks_url, key.access, key.secret,
                               s3["region"], "ks-bench-keystone"),
        }
        summary = asyncio.run(bench(sides, server, rounds, ops))
        print(json.dumps(summary, indent=2))
        Path(args.output).write_text(json.dumps(summary, indent=2) + "\n")
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
