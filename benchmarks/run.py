#!/usr/bin/env python3
"""s3swift benchmark: the gateway against direct Swift, in one run, as ratios.

    .venv/bin/python benchmarks/run.py [--quick] [--rounds N] [--profile DIR]

Starts its own ``s3swift dev --with-s3api`` (embedded Swift with Swift's own
s3api middleware in its proxy, + a 1-worker gateway) and a 2-worker
``s3swift serve`` against the same Swift, then measures direct Swift, both
gateways and s3api with the same client, interleaving the sides round by round:

* large objects (16 MiB): PUT and GET throughput, sequential and concurrent,
  plus a signed-payload PUT variant;
* small objects (4 KiB): PUT, GET, HEAD and DELETE ops/s at concurrency 16, and
  the p50 latency of listing 1,000 keys (``small.py``);
* gateway memory: peak RSS while one 2 GiB object streams through each way;
* DeleteObjects of 1,000 plain keys vs Swift's bulk delete (``delete_objects.py``);
* small PUT/GET into a bucket with a bucket policy vs one without, in many
  short pairs, s3api as the noise control (``bucket_policy.py``);
* multipart: 1 GiB in 16 MiB parts at concurrency 4 vs segments + SLO manifest
  straight to Swift, and PUTs with x-amz-checksum-* headers vs without
  (``multipart.py``).

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
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import (  # noqa: E402
    MiB, BenchRequestError, S3Side, SwiftSide, make_session, stream_body, swift_login)
from _cluster import Cluster, ClusterError  # noqa: E402
from _harness import (  # noqa: E402
    BUCKET, FULL, QUICK, WORKLOADS, Context, Profiler, Settings, log, measure)
from _procstats import RssSampler, reset_peak_rss, status_kib  # noqa: E402
from _report import evaluate, render_cpu, render_table, render_three_sided  # noqa: E402
from bucket_policy import policy_lines, policy_phase, policy_summary  # noqa: E402
from delete_objects import delete_phase, delete_summary, summary_line  # noqa: E402
from multipart import (  # noqa: E402
    checksum_phase, evaluate_checksums, multipart_phase, render_checksums)
from small import list_rounds, small_rounds  # noqa: E402

HERE = Path(__file__).resolve().parent


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


async def parallel_uploads_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    """``parallel_uploads`` streamed PUTs at once through each gateway, sampling its RSS
    (the issue: flat memory while 64 uploads stream at once); direct Swift for scale."""
    s = ctx.settings
    n, size = s.parallel_uploads, s.parallel_upload_size
    log(f"stream64: {n} uploads of {size / MiB:.0f} MiB at once, RSS sampled every "
        f"{s.rss_interval * 1000:.0f} ms")
    for side in ctx.order(0, with_s3api=False):
        keys = [f"stream64/{side.name}/{i:03d}" for i in range(n)]
        pids = ctx.gateway_pids(side)

        async def op(i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys) -> int:
            await side.put(session, keys[i], stream_body(size, ctx.chunk), size)
            return size

        with RssSampler(pids, s.rss_interval) as sampler:
            record = await measure(ctx, side, "stream64", "put", 0, n, n, op, profile=False)
        if record is not None and pids:
            record["peak_rss_mib"] = round(sampler.peak_mib(), 1)
            record["rss"] = {"peak_rss_mib": record["peak_rss_mib"],
                             "peak_rss_sum_mib": round(sampler.peak_sum_mib(), 1),
                             "samples": sampler.samples}
            log(f"    {side.name}: peak RSS {sampler.peak_mib():.1f} MiB "
                f"({sampler.samples} samples)")
        for key in keys:  # free the disk before the next side
            try:
                await side.delete(session, key)
            except (BenchRequestError, aiohttp.ClientError):
                pass


async def run_all(ctx: Context, swift_auth: dict[str, Any]) -> None:
    s = ctx.settings
    conns = max(s.small_concurrency * 2, s.large_concurrency * 2, s.parallel_uploads)
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
        if "list" in ctx.only:
            await list_rounds(ctx, session)
        if "stream" in ctx.only:
            await stream_phase(ctx, session)
            await parallel_uploads_phase(ctx, session)
        if "multipart" in ctx.only:
            await multipart_phase(ctx, session)
        if "checksum" in ctx.only:
            await checksum_phase(ctx, session)
        if "delete" in ctx.only:
            await delete_phase(ctx, session)
        if "policy" in ctx.only:
            await policy_phase(ctx, session)



def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def gateway_changes() -> int | None:
    """Uncommitted changes under gateway/ (the figures measure the working tree)."""
    try:
        out = subprocess.run(["git", "-C", str(HERE.parent), "status", "--porcelain", "--",
                              "gateway"], capture_output=True, text=True, timeout=10)
        return len(out.stdout.splitlines()) if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer objects and ops, a 256 MiB stream instead of 2 GiB")
    parser.add_argument("--rounds", type=int, help="rounds per workload (sides interleaved)")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help="comma-separated subset of: " + ", ".join(WORKLOADS)
                        + " (default: all)")
    parser.add_argument("--small-ops", type=int,
                        help="small-object ops per side per round (overrides the mode's count)")
    parser.add_argument("--policy-pairs", type=int,
                        help="paired rounds of the policy workload (default: 30; --quick: 8)")
    parser.add_argument("--policy-ops", type=int,
                        help="PUTs (then GETs) per bucket per policy pair (default: 100)")
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
    for name in ("policy_pairs", "policy_ops"):
        if getattr(args, name):
            settings = Settings(**{**settings.__dict__, name: getattr(args, name)})
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
    code = {"git_commit": git_commit(), "gateway_uncommitted_files": gateway_changes()}
    cluster = Cluster(root, serve_workers=2, log=log, with_s3api=True)
    ctx: Context | None = None
    status = "ok"
    try:
        log(f"starting s3swift dev --with-s3api + serve --workers 2 under {root}")
        cluster.start()
        sides: list[S3Side | SwiftSide] = [
            SwiftSide("direct", "direct Swift", "", "", BUCKET),
            S3Side("gw1", "gateway, s3swift dev (1 worker)", cluster.endpoints["s3"]["endpoint"],
                   cluster.endpoints["s3"]["access_key"], cluster.endpoints["s3"]["secret_key"],
                   cluster.endpoints["s3"]["region"], BUCKET),
            S3Side("gw2", "gateway, s3swift serve --workers 2", cluster.serve_endpoint,
                   cluster.endpoints["s3"]["access_key"], cluster.endpoints["s3"]["secret_key"],
                   cluster.endpoints["s3"]["region"], BUCKET),
            S3Side("s3api", "Swift's s3api middleware (in the proxy)",
                   cluster.endpoints["s3api"]["endpoint"],
                   cluster.endpoints["s3api"]["access_key"],
                   cluster.endpoints["s3api"]["secret_key"],
                   cluster.endpoints["s3api"]["region"], BUCKET),
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
    checksum_summary = evaluate_checksums(phases)
    document = {
        "status": status,
        "mode": "quick" if args.quick else "full",
        "workloads": list(only),
        "profiled": bool(args.profile),
        "settings": settings.__dict__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_seconds": round(time.time() - started, 1),
        "environment": {
            **code, "python": platform.python_version(),
            "aiohttp": aiohttp.__version__, "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "summary": summary,
        "three_sided": render_three_sided(phases),
        "checksum_summary": checksum_summary,
        "delete_summary": delete_summary(phases),
        "policy_summary": policy_summary(phases),
        "phases": phases,
        "errors": ctx.errors if ctx else [],
        "profiles": ctx.profiler.outputs if ctx else {},
    }
    Path(args.output).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    print()
    print(render_table(summary, settings))
    print()
    if document["three_sided"]:
        print("three-sided table (README; ratios to direct Swift, server CPU = gateway + Swift):")
        print(document["three_sided"])
        print()
    if checksum_summary:
        print(render_checksums(checksum_summary))
        print()
    if summary_line(phases):
        print(summary_line(phases))
        print()
    if policy_summary(phases):
        print(policy_lines(policy_summary(phases)))
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
