"""Small PUT/GET into a bucket with a bucket policy against one without (``--only policy``).

Authorization must not cost an owner's request a Swift round trip: with the
per-bucket documents cached, a bucket policy costs only its evaluation. The
bucket ``s3swift-bench-policy`` carries a policy of a few statements (none of
which denies the owner, so every request succeeds and every statement is
evaluated); the plain bench bucket has none. The issue's target: ops/s with the
policy / ops/s without >= 0.95.

One round's figures on this machine are dominated by the embedded Swift's noise
(paired ratios of 0.6-1.8 even on the control), so, as ``keystone.py`` does, the
phase runs many short pairs: per pair and side, ``policy_ops`` 4 KiB PUTs then
GETs of them into each bucket back to back, the bucket that goes first
alternating pair by pair. Reported per side and op: the median of the paired
throughput ratios (policy / plain) with quartiles and range, the gateway's CPU
per request from /proc (ns resolution; it does not depend on how busy the
machine is) and the median paired CPU ratio plain / policy, and for ``gw1`` the
Swift requests per op of each bucket (its own metrics). Swift's s3api side runs
the same pairs as the noise control: it evaluates no policy of ours, so its
ratios show what the machine alone does to a pair. Direct Swift sits this one out.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from _clients import BenchRequestError, S3Side
from _harness import BUCKET, S3API_SIDE, Context, log, measure, run_ops
from _procstats import cpu_seconds_fine

POLICY_BUCKET = f"{BUCKET}-policy"
VARIANTS = ("plain", "policy")
OPS = ("put", "get")
TARGET = 0.95
WARM_UP_OPS = 32
# The gateway's count of its Swift requests (a histogram's _count, one per method).
SWIFT_COUNT_PREFIX = "s3swift_swift_request_duration_seconds_count{"


def bench_policy(bucket: str) -> str:
    """Statements of the kinds real buckets carry: a reader's grant on a prefix, a
    listing condition, a deny with an IP condition, a delete lock."""
    objects = f"arn:aws:s3:::{bucket}/*"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReaderGet", "Effect": "Allow", "Principal": {"AWS": "AUTH_reader"},
         "Action": ["s3:GetObject", "s3:GetObjectAcl"], "Resource": f"{objects[:-1]}shared/*"},
        {"Sid": "ReaderList", "Effect": "Allow", "Principal": {"AWS": "AUTH_reader"},
         "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringLike": {"s3:prefix": ["shared/*"]}}},
        {"Sid": "OutsidersByIp", "Effect": "Deny", "Principal": {"AWS": "AUTH_outsider"},
         "Action": "s3:*", "Resource": objects,
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}}},
        {"Sid": "Locked", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
         "Resource": f"{objects[:-1]}locked/*"},
    ]})


async def _put_policy(session: aiohttp.ClientSession, side: S3Side) -> None:
    body = bench_policy(side.bucket).encode()
    url = side.url() + "?policy"
    headers = side.sign("PUT", url, hashlib.sha256(body).hexdigest(), {
        "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})
    async with session.put(url, data=body, headers=headers) as resp:
        text = await resp.read()
        if resp.status != 204:
            raise BenchRequestError(f"PutBucketPolicy: {resp.status} {text[:300]!r}")


def _on_bucket(side: S3Side, variant: str) -> S3Side:
    return side if variant == "plain" else dataclasses.replace(side, bucket=POLICY_BUCKET)


async def swift_requests(session: aiohttp.ClientSession, metrics_url: str) -> float:
    """Swift requests the gateway has sent so far, from its own /metrics."""
    async with session.get(metrics_url) as resp:
        text = await resp.text()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(SWIFT_COUNT_PREFIX))


def counted_metrics_url(ctx: Context, side: S3Side) -> str | None:
    """``gw1``'s /metrics (``s3swift dev`` serves it); the other sides are not counted."""
    admin = ctx.cluster.endpoints.get("admin") or {}
    return admin.get("metrics_url") if side.name == "gw1" else None


async def measured(ctx: Context, session: aiohttp.ClientSession, target: S3Side, variant: str,
                   op: str, pair: int, call: Callable[[int], Awaitable[int]]) -> dict[str, Any] | None:
    """One measured phase plus the gateway's CPU at ns resolution (``measure`` reads
    10 ms ticks: too coarse for ~100 small requests) and, on gw1, its Swift requests."""
    s = ctx.settings
    pids = ctx.gateway_pids(target)
    metrics_url = counted_metrics_url(ctx, target)
    swift0 = await swift_requests(session, metrics_url) if metrics_url else 0.0
    cpu0 = cpu_seconds_fine(pids)
    record = await measure(ctx, target, f"policy_{variant}", op, pair, s.policy_ops,
                           s.small_concurrency, call, s.small_max_seconds, verbose=False)
    cpu = cpu_seconds_fine(pids) - cpu0
    if record is None:
        return None
    record["pair"] = pair
    if pids:
        record["gateway_cpu_seconds_fine"] = round(cpu, 6)
    if metrics_url:
        record["swift_requests"] = await swift_requests(session, metrics_url) - swift0
    return record


async def one_bucket(ctx: Context, session: aiohttp.ClientSession, side: S3Side, variant: str,
                     pair: int, record: bool = True) -> None:
    """``policy_ops`` PUTs into one bucket, then GETs of what they wrote."""
    target = _on_bucket(side, variant)
    body, sha = ctx.small_body, ctx.small_sha256
    n = ctx.settings.policy_ops if record else WARM_UP_OPS
    keys = [f"policy/{side.name}/p{pair}/{i:05d}" for i in range(n)]
    written = n

    async def put(i: int) -> int:
        await target.put(session, keys[i], body, len(body), sha)
        return len(body)

    async def get(i: int) -> int:
        got = await target.get(session, keys[i % written])
        if got != len(body):
            raise BenchRequestError(f"GET {keys[i % written]}: {got} bytes")
        return got

    if not record:
        await run_ops(n, ctx.settings.small_concurrency, put, None)
        await run_ops(n, ctx.settings.small_concurrency, get, None)
        return
    put_record = await measured(ctx, session, target, variant, "put", pair, put)
    if put_record and put_record["ops"]:
        written = put_record["ops"]
        await measured(ctx, session, target, variant, "get", pair, get)


async def policy_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    sides = [side for side in ctx.sides if isinstance(side, S3Side)]
    log(f"policy: {s.policy_pairs} pairs of {s.policy_ops} x {s.small_size // 1024} KiB PUT "
        f"then GET per S3 side into each bucket (with / without a bucket policy, the first "
        f"alternating), concurrency {s.small_concurrency}; s3api is the noise control")
    try:
        owner = _on_bucket(sides[0], "policy")
        await owner.create_bucket(session)
        await _put_policy(session, owner)
        for side in sides:  # connections, tokens, the policy in the gateways' caches
            for variant in VARIANTS:
                await one_bucket(ctx, session, side, variant, -1, record=False)
    except (BenchRequestError, aiohttp.ClientError) as exc:
        ctx.errors.append(f"policy: setup: {exc!r}")
        return
    stop_at = time.monotonic() + s.policy_seconds
    for pair in range(s.policy_pairs):
        if time.monotonic() > stop_at:
            log(f"  policy: stopped after {pair} pairs, at the {s.policy_seconds:.0f} s budget")
            break
        for side in (g for g in ctx.order(pair) if isinstance(g, S3Side)):
            for variant in VARIANTS if pair % 2 == 0 else VARIANTS[::-1]:
                await one_bucket(ctx, session, side, variant, pair)
        if pair % 5 == 4 or pair == s.policy_pairs - 1:
            log(f"  policy: {pair + 1} of {s.policy_pairs} pairs done")


def spread(values: list[float]) -> dict[str, Any]:
    """Median, quartiles and range of ``values`` (one value: all the same)."""
    if len(values) < 2:
        q1 = median = q3 = values[0]
    else:
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {"median": round(median, 3), "quartiles": [round(q1, 3), round(q3, 3)],
            "range": [round(min(values), 3), round(max(values), 3)]}


def _gateway_cpu(record: dict[str, Any]) -> float:
    return record.get("gateway_cpu_seconds_fine", record["cpu_seconds"].get("gateway", 0.0))


def _figures(pairs: list[tuple[dict[str, Any], dict[str, Any]]], control: bool) -> dict[str, Any]:
    """Per side and op, from its (plain, policy) records of the same pair."""
    ratio = [policy["ops"] / policy["seconds"] / (plain["ops"] / plain["seconds"])
             for plain, policy in pairs]
    figures: dict[str, Any] = {"pairs": len(pairs), "control": control}
    pressures = [r["cpu_pressure"] for pair in pairs for r in pair
                 if r.get("cpu_pressure") is not None]
    figures["cpu_pressure"] = round(statistics.mean(pressures), 3) if pressures else None
    for index, variant in enumerate(VARIANTS):
        figures[variant] = round(statistics.median(
            p[index]["ops"] / p[index]["seconds"] for p in pairs), 1)
    rs = spread(ratio)
    figures.update(ratio=rs["median"], ratio_quartiles=rs["quartiles"], ratio_range=rs["range"],
                   ratio_per_pair=[round(r, 3) for r in ratio])
    if not control and all(_gateway_cpu(r) > 0 for pair in pairs for r in pair):
        cpu = [(_gateway_cpu(plain) / plain["ops"], _gateway_cpu(policy) / policy["ops"])
               for plain, policy in pairs]
        for index, variant in enumerate(VARIANTS):
            figures[f"{variant}_gateway_cpu_ms_per_op"] = round(
                1000 * statistics.median(c[index] for c in cpu), 4)
        cs = spread([plain / policy for plain, policy in cpu])
        figures.update(cpu_ratio=cs["median"], cpu_ratio_quartiles=cs["quartiles"],
                       cpu_ratio_range=cs["range"])
    if all("swift_requests" in r for pair in pairs for r in pair):
        for index, variant in enumerate(VARIANTS):
            figures[f"{variant}_swift_requests_per_op"] = round(
                sum(p[index]["swift_requests"] for p in pairs)
                / max(1, sum(p[index]["ops"] for p in pairs)), 4)
    return figures


def policy_summary(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """Per side and op: the paired figures of ``_figures`` (``ratio``: the median of
    the paired ratios policy / plain; target >= 0.95). s3api is marked ``control``."""
    by_pair: dict[tuple[str, str], dict[int, dict[str, dict[str, Any]]]] = {}
    for p in phases:
        if p["workload"].startswith("policy_") and p["ops"]:
            pairs = by_pair.setdefault((p["side"], p["op"]), {})
            pairs.setdefault(p.get("pair", p["round"]), {})[p["workload"][7:]] = p
    out: dict[str, Any] = {}
    for (side, op), pairs in sorted(by_pair.items(), key=lambda item: (
            item[0][0], OPS.index(item[0][1]) if item[0][1] in OPS else len(OPS))):
        complete = [(v["plain"], v["policy"]) for _, v in sorted(pairs.items())
                    if "plain" in v and "policy" in v]
        if complete:
            out.setdefault(side, {})[op] = _figures(complete, side == S3API_SIDE)
    return out


def _verdict(value: float) -> str:
    return "meets" if value >= TARGET else "BELOW"


def _range_text(f: dict[str, Any], name: str) -> str:
    (q1, q3), (low, high) = f[f"{name}_quartiles"], f[f"{name}_range"]
    return f"{f[name]} [quartiles {q1}-{q3}, range {low}-{high}]"


def policy_lines(summary: dict[str, Any]) -> str:
    """One self-explanatory line per figure; the s3api noise control last."""
    lines = []
    sides = sorted(summary, key=lambda side: side == S3API_SIDE)
    for side in sides:
        for op, f in summary[side].items():
            name = f"policy {side} {op.upper()}"
            if f["control"]:
                lines.append(
                    f"{name} noise control (Swift's s3api evaluates no policy of ours; both "
                    f"buckets cost it the same): paired ratio 'policy'/plain, median of "
                    f"{f['pairs']} pairs {_range_text(f, 'ratio')}; a gateway's spread this "
                    f"wide is the machine's, not the policy's (CPU pressure {f['cpu_pressure']})")
                continue
            lines.append(
                f"{name} throughput ratio policy/plain, median of {f['pairs']} pairs: "
                f"{_range_text(f, 'ratio')} (target >= {TARGET}: {_verdict(f['ratio'])}; "
                f"ops/s plain {f['plain']}, policy {f['policy']}; CPU pressure "
                f"{f['cpu_pressure']}: 0 = idle machine, 1 = oversubscribed)")
            if "cpu_ratio" in f:
                lines.append(
                    f"{name} gateway CPU ms/request (/proc): plain "
                    f"{f['plain_gateway_cpu_ms_per_op']}, policy "
                    f"{f['policy_gateway_cpu_ms_per_op']}; ratio plain/policy, median of pairs "
                    f"{_range_text(f, 'cpu_ratio')} (target >= {TARGET}: "
                    f"{_verdict(f['cpu_ratio'])})")
            if "plain_swift_requests_per_op" in f:
                extra = 1000 * (f["policy_swift_requests_per_op"]
                                - f["plain_swift_requests_per_op"])
                lines.append(
                    f"{name} Swift requests per request (the gateway's own metrics): plain "
                    f"{f['plain_swift_requests_per_op']}, policy "
                    f"{f['policy_swift_requests_per_op']} ({extra:+.1f} per 1,000 with the "
                    f"policy: it is cached with the bucket's other documents, which both "
                    f"buckets re-read when their 5 s cache entry expires)")
    return "\n".join(lines)
