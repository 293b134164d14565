"""Small PUT/GET into a bucket with a bucket policy against one without (``--only policy``).

Authorization must not cost an owner's request a Swift round trip: with the
per-bucket documents cached, a bucket policy costs only its evaluation. Per
gateway side and round, 4 KiB PUTs then GETs at the small workload's
concurrency go to the plain bench bucket and to ``s3swift-bench-policy``, which
carries a policy of a few statements (none of which denies the owner, so every
request succeeds and every statement is evaluated); the two buckets alternate
order round by round. ratio = ops/s with the policy / ops/s without (totals
over rounds); the target is >= 0.95. Direct Swift has no bucket policies and
sits this one out.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from typing import Any

import aiohttp

from _clients import BenchRequestError, S3Side
from _harness import BUCKET, Context, log, measure

POLICY_BUCKET = f"{BUCKET}-policy"
VARIANTS = ("plain", "policy")


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


async def policy_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    gateways = [side for side in ctx.sides if isinstance(side, S3Side)]
    log(f"policy: {s.small_ops} x {s.small_size // 1024} KiB PUT then GET per gateway and "
        f"bucket (with / without a bucket policy), concurrency {s.small_concurrency}")
    try:
        owner = _on_bucket(gateways[0], "policy")
        await owner.create_bucket(session)
        await _put_policy(session, owner)
    except (BenchRequestError, aiohttp.ClientError) as exc:
        ctx.errors.append(f"policy: setup: {exc!r}")
        return
    body, sha = ctx.small_body, ctx.small_sha256
    for r in range(s.rounds):
        for side in (g for g in ctx.order(r) if isinstance(g, S3Side)):
            for variant in VARIANTS if r % 2 == 0 else tuple(reversed(VARIANTS)):
                target = _on_bucket(side, variant)
                keys = [f"policy/{side.name}/r{r}/{i:05d}" for i in range(s.small_ops)]

                async def put(i: int, target: S3Side = target, keys: list[str] = keys) -> int:
                    await target.put(session, keys[i], body, len(body), sha)
                    return len(body)

                record = await measure(ctx, target, f"policy_{variant}", "put", r,
                                       s.small_ops, s.small_concurrency, put,
                                       s.small_max_seconds)
                if not record:
                    continue
                written = max(1, record["ops"])

                async def get(i: int, target: S3Side = target, keys: list[str] = keys,
                              written: int = written) -> int:
                    got = await target.get(session, keys[i % written])
                    if got != len(body):
                        raise BenchRequestError(f"GET {keys[i % written]}: {got} bytes")
                    return got

                await measure(ctx, target, f"policy_{variant}", "get", r, s.small_ops,
                              s.small_concurrency, get, s.small_max_seconds)


def policy_summary(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """Per gateway and op, without and with the policy (totals over rounds): ops/s, and
    the gateway's CPU ms per op (robust to other load on the machine); ratio = ops/s
    with / without (1.0: the policy costs nothing; target >= 0.95)."""
    totals: dict[tuple[str, str, str], list[float]] = {}
    for p in phases:
        if p["workload"].startswith("policy_"):
            entry = totals.setdefault((p["side"], p["op"], p["workload"][7:]), [0, 0.0, 0.0])
            entry[0] += p["ops"]
            entry[1] += p["seconds"]
            entry[2] += p["cpu_seconds"].get("gateway", 0.0)
    out: dict[str, Any] = {}
    for (side, op, variant), (ops, seconds, cpu) in sorted(totals.items()):
        figures = out.setdefault(side, {}).setdefault(op, {})
        figures[variant] = round(ops / seconds, 1)
        figures[f"{variant}_gateway_cpu_ms_per_op"] = round(1000 * cpu / max(ops, 1), 3)
    for ops in out.values():
        for figures in ops.values():
            if figures.get("plain") and figures.get("policy"):
                figures["ratio"] = round(figures["policy"] / figures["plain"], 3)
    return out


def policy_lines(summary: dict[str, Any]) -> str:
    lines = []
    for side, ops in summary.items():
        for op, f in ops.items():
            lines.append(
                f"policy {side} {op}: {f.get('plain', '?')} ops/s without, "
                f"{f.get('policy', '?')} with a bucket policy; ratio {f.get('ratio', '?')} "
                f"(target >= 0.95); gateway CPU {f.get('plain_gateway_cpu_ms_per_op', '?')} / "
                f"{f.get('policy_gateway_cpu_ms_per_op', '?')} ms per op")
    return "\n".join(lines)
