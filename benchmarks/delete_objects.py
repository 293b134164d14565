"""DeleteObjects of 1,000 plain keys against Swift's own bulk delete (``--only delete``).

Per side and round: ``delete_keys`` (1,000) 4 KiB objects are written (not
timed), then removed in one request: S3 DeleteObjects through a gateway
(``POST /bucket?delete``, the XML list of keys), or Swift's bulk middleware
straight at the proxy (``POST /v1/AUTH_test?bulk-delete``, one path a line).
The figure is requests per second, so the ratio gateway / direct says how much
the gateway's parsing, checks, segment sweep and XML answer add to the
deletes themselves. Both sides' keys are checked to be gone afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any
from urllib.parse import quote

import aiohttp

from _clients import BenchRequestError, S3Side, SwiftSide
from _harness import Context, log, measure, run_ops

DELETE_KEYS = 1000
FILL_CONCURRENCY = 16


def _keys(side: str, round_no: int) -> list[str]:
    return [f"delete/{side}/r{round_no}/{i:05d}" for i in range(DELETE_KEYS)]


async def _fill(ctx: Context, session: aiohttp.ClientSession, side: S3Side | SwiftSide,
                keys: list[str]) -> None:
    body = ctx.small_body

    async def put(i: int) -> int:
        await side.put(session, keys[i], body, len(body), ctx.small_sha256)
        return len(body)

    await run_ops(len(keys), FILL_CONCURRENCY, put, None)


async def _s3_delete_objects(session: aiohttp.ClientSession, side: S3Side,
                             keys: list[str]) -> None:
    body = ("<Delete><Quiet>true</Quiet>" + "".join(
        f"<Object><Key>{key}</Key></Object>" for key in keys) + "</Delete>").encode()
    url = side.url() + "?delete"
    headers = side.sign("POST", url, hashlib.sha256(body).hexdigest(), {
        "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})
    async with session.post(url, data=body, headers=headers) as resp:
        text = await resp.read()
        if resp.status != 200 or b"</DeleteResult>" not in text or b"<Error>" in text:
            raise BenchRequestError(f"{side.name} DeleteObjects: {resp.status} {text[:300]!r}")


async def _swift_bulk_delete(session: aiohttp.ClientSession, side: SwiftSide,
                             keys: list[str]) -> None:
    body = "\n".join(f"/{quote(side.container)}/{quote(key)}" for key in keys).encode()
    url = side.storage_url + "?bulk-delete"
    headers = {"X-Auth-Token": side.token, "Content-Type": "text/plain",
               "Accept": "application/json"}
    async with session.post(url, data=body, headers=headers) as resp:
        text = await resp.read()
        if resp.status != 200:
            raise BenchRequestError(f"direct bulk delete: {resp.status} {text[:300]!r}")
    result = json.loads(text.strip())
    if result.get("Errors") or result.get("Number Deleted") != len(keys):
        raise BenchRequestError(f"direct bulk delete: {result}")


def _direct(ctx: Context) -> SwiftSide:
    return next(side for side in ctx.sides if isinstance(side, SwiftSide))


async def delete_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    log(f"delete: one request removing {DELETE_KEYS} plain 4 KiB objects per side per round "
        f"(gateway DeleteObjects vs Swift bulk delete), {s.rounds} round(s)")
    for r in range(s.rounds):
        for side in ctx.order(r, with_s3api=False):
            keys = _keys(side.name, r)
            try:
                await _fill(ctx, session, side, keys)
            except (BenchRequestError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
                ctx.errors.append(f"delete/{side.name} round {r}: fill: {exc!r}")
                continue

            async def op(_i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys) -> int:
                if isinstance(side, S3Side):
                    await _s3_delete_objects(session, side, keys)
                else:
                    await _swift_bulk_delete(session, side, keys)
                return len(keys) * len(ctx.small_body)

            await measure(ctx, side, "delete", "delete", r, 1, 1, op)
            left = await _direct(ctx).list_names(session, _direct(ctx).container,
                                                 f"delete/{side.name}/r{r}/")
            if left:
                ctx.errors.append(f"delete/{side.name} round {r}: {len(left)} key(s) left")


def delete_summary(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds per 1,000-key delete per side, and each gateway's ratio to direct.

    ratio = direct seconds / gateway seconds (totals over rounds): 1.0 means as
    fast as Swift's bulk delete, 0.5 twice as slow. ``per_round`` pairs the
    sides that ran back to back.
    """
    rows = [p for p in phases if p["workload"] == "delete"]
    seconds: dict[str, dict[int, float]] = {}
    for p in rows:
        seconds.setdefault(p["side"], {})[p["round"]] = p["seconds"]
    direct = seconds.get("direct", {})
    out: dict[str, Any] = {"keys": DELETE_KEYS, "seconds": seconds}
    for side in ("gw1", "gw2"):
        mine = seconds.get(side, {})
        rounds = sorted(set(mine) & set(direct))
        if rounds:
            out[side] = {
                "ratio": round(sum(direct[r] for r in rounds) / sum(mine[r] for r in rounds), 3),
                "per_round": [round(direct[r] / mine[r], 3) for r in rounds]}
    return out


def summary_line(phases: list[dict[str, Any]]) -> str:
    """The terminal's line: mean seconds per side and the gateway / direct ratios."""
    summary = delete_summary(phases)
    if not summary["seconds"]:
        return ""
    means = ", ".join(f"{side} {sum(v.values()) / len(v):.2f}s"
                      for side, v in sorted(summary["seconds"].items()))
    ratios = ", ".join(
        f"{side} {summary[side]['ratio']:.2f} (rounds "
        + " ".join(f"{x:.2f}" for x in summary[side]["per_round"]) + ")"
        for side in ("gw1", "gw2") if side in summary)
    return (f"DeleteObjects of {DELETE_KEYS} plain keys vs Swift bulk delete: mean seconds "
            f"{means}; ratio (direct s / gateway s, 1.0 = as fast) {ratios or 'n/a'}")
