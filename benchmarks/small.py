"""Small-object workloads: 4 KiB PUT, GET, HEAD and DELETE at concurrency, and LIST.

Every side runs each operation on its own keys, back to back within a round
(order alternating between rounds). LIST is one ListObjectsV2 page of
``list_keys`` keys, sequentially: its figure is the median latency. The keys
it lists are written once, straight to Swift, into the same container, so
every side lists the same objects.
"""

from __future__ import annotations

import asyncio

import aiohttp

from _clients import BenchRequestError, S3Side, SwiftSide
from _harness import Context, KiB, log, measure

LIST_PREFIX = "list/"


async def small_rounds(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    body, sha = ctx.small_body, ctx.small_sha256
    log(f"small: {s.small_ops} x {s.small_size // KiB} KiB PUT, GET, HEAD, DELETE, concurrency "
        f"{s.small_concurrency} (capped at {s.small_max_seconds:.0f}s per phase)")
    for r in range(s.rounds):
        for side in ctx.order(r):
            keys = [f"small/{side.name}/{r}/{i:05d}" for i in range(s.small_ops)]

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

            async def head(i: int, side: S3Side | SwiftSide = side, keys: list[str] = keys,
                           written: int = written) -> int:
                await side.head(session, keys[i % written])
                return 0

            async def delete(i: int, side: S3Side | SwiftSide = side,
                             keys: list[str] = keys) -> int:
                await side.delete(session, keys[i])
                return 0

            await measure(ctx, side, "small", "get", r, s.small_ops, s.small_concurrency, get,
                          s.small_max_seconds)
            await measure(ctx, side, "small", "head", r, s.small_ops, s.small_concurrency, head,
                          s.small_max_seconds)
            # Each written key once: DELETE never meets a missing object.
            await measure(ctx, side, "small", "delete", r, written, s.small_concurrency, delete)


async def fill_listing(ctx: Context, session: aiohttp.ClientSession, direct: SwiftSide) -> None:
    """``list_keys`` 4 KiB objects under ``LIST_PREFIX``, straight to Swift (not timed)."""
    n = ctx.settings.list_keys
    names = iter(f"{LIST_PREFIX}{i:05d}" for i in range(n))
    body = ctx.small_body[:64]

    async def worker() -> None:
        for name in names:
            await direct.put(session, name, body, len(body))

    await asyncio.gather(*(worker() for _ in range(16)))


async def list_rounds(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    direct = next(side for side in ctx.sides if isinstance(side, SwiftSide))
    log(f"list: {s.list_ops} sequential listings of {s.list_keys} keys per side and round")
    await fill_listing(ctx, session, direct)
    for side in ctx.sides:  # warm: the container listing is in Swift's page cache
        await side.list(session, LIST_PREFIX, s.list_keys)
    for r in range(s.rounds):
        for side in ctx.order(r):

            async def listing(_i: int, side: S3Side | SwiftSide = side) -> int:
                await side.list(session, LIST_PREFIX, s.list_keys)
                return 0

            await measure(ctx, side, "list", "list", r, s.list_ops, 1, listing)
