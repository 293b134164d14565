#!/usr/bin/env python3
"""The gateway's own CPU per operation, against a canned Swift that costs nothing.

    .venv/bin/python benchmarks/canned_swift.py --tree base=/tmp/base --tree new=. \\
        [--ops head,get,list] [--count 15000] [--rounds 2]

``cpu_per_op.py`` measures against a real Swift, whose two cores of work leave the
gateway's figure ±10 % from run to run. Here a stand-in answers every request at
once with fixed bytes: a HEAD or GET of a 4 KiB object, a 1,001-entry container
listing, tempauth's token. Each tree gets its own 1-worker ``s3swift serve`` with
a SQLite credential; the trees run back to back per operation and round. Each
figure is the gateway process's CPU per operation (/proc), unloaded: a change of
±3 % is visible. It models only those three operations (no PUT bodies, no
multipart), and nothing of Swift's own costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _clients import S3Side, make_session  # noqa: E402
from _cluster import LOOPBACK, _http_answers, free_port, terminate  # noqa: E402
from http_floor import RawServer  # noqa: E402
from _procstats import cpu_seconds_fine  # noqa: E402

ACCESS_KEY, SECRET_KEY, ACCOUNT = "AKCANNED", "canned-secret-key-0123456789", "AUTH_test"
LIST_KEYS = 1000
_OBJECT_HEAD = (
    b"Content-Length: 4096\r\nContent-Type: binary/octet-stream\r\n"
    b"Etag: d41d8cd98f00b204e9800998ecf8427e\r\nLast-Modified: Wed, 02 Dec 2026 19:51:06 GMT\r\n"
    b"X-Timestamp: 1764705066.12345\r\nX-Trans-Id: tx0\r\nX-Openstack-Request-Id: tx0\r\n"
    b"Accept-Ranges: bytes\r\nDate: Wed, 02 Dec 2026 19:51:06 GMT\r\n")


def canned_answer(method: bytes, target: bytes, port: int, listing: bytes) -> bytes:
    """The whole response to one request head (requests carry no body here)."""
    path = target.split(b"?", 1)[0]
    if path.startswith(b"/auth"):
        return (b"HTTP/1.1 200 OK\r\nX-Storage-Url: http://%s:%d/v1/%s\r\nX-Auth-Token: AUTH_tk0\r\n"
                b"X-Auth-Token-Expires: 86400\r\nContent-Length: 0\r\n\r\n"
                % (LOOPBACK.encode(), port, ACCOUNT.encode()))
    if path.count(b"/") == 3 and method == b"GET":  # /v1/<account>/<container>: a listing
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                b"Content-Length: %d\r\n\r\n" % len(listing)) + listing
    if path.count(b"/") >= 4 and method in (b"HEAD", b"GET"):
        body = b"x" * 4096 if method == b"GET" else b""
        return b"HTTP/1.1 200 OK\r\n" + _OBJECT_HEAD + b"\r\n" + body
    return b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


def run_canned_swift(port: int) -> None:
    """Serve canned answers on ``port`` until killed."""
    listing = json.dumps([
        {"hash": "d41d8cd98f00b204e9800998ecf8427e", "last_modified": "2026-12-02T19:51:06.123450",
         "bytes": 4096, "name": f"lst/{i:04d}", "content_type": "binary/octet-stream"}
        for i in range(LIST_KEYS + 1)]).encode()

    def answer(method: bytes, target: bytes) -> bytes:
        return canned_answer(method, target, port, listing)

    async def serve() -> None:
        await asyncio.get_running_loop().create_server(lambda: RawServer(answer), LOOPBACK, port)
        await asyncio.Event().wait()

    asyncio.run(serve())


class Gateway:
    """A 1-worker ``s3swift serve`` of one tree, on the canned Swift."""

    def __init__(self, name: str, tree: Path, root: Path, swift_port: int) -> None:
        self.name = name
        env = {k: v for k, v in os.environ.items() if not k.startswith("S3SWIFT_")}
        env["PYTHONPATH"] = str(tree)
        cli = [sys.executable, "-m", "gateway.cli"]
        key = subprocess.run([*cli, "credentials", "generate-key"], env=env, cwd=tree,
                             capture_output=True, text=True, check=True).stdout.strip()
        port = free_port()
        config = root / f"{name}.toml"
        config.write_text("\n".join([
            "[server]", f'host = "{LOOPBACK}"', f"port = {port}", "workers = 1",
            'region = "us-east-1"', 'log_level = "WARNING"', "",
            "[swift]", 'auth_type = "tempauth"',
            f'auth_url = "http://{LOOPBACK}:{swift_port}/auth/v1.0"',
            'user = "test:tester"', 'key = "testing"', "",
            "[credentials]", 'backend = "sqlite"', f'sqlite_path = "{root / name}.sqlite"',
            f'encryption_key = "{key}"', ""]), encoding="utf-8")
        subprocess.run([*cli, "credentials", "--config", str(config), "create", "--access-key",
                        ACCESS_KEY, "--secret-key", SECRET_KEY, "--account", ACCOUNT],
                       env=env, cwd=tree, check=True, capture_output=True)
        self.log = root / f"{name}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([*cli, "serve", "--config", str(config)], env=env,
                                         cwd=tree, stdout=out, stderr=subprocess.STDOUT)
        endpoint = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + 60
        while not _http_answers(endpoint + "/"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gateway {name} did not start:\n{self.log.read_text()}")
            time.sleep(0.2)
        self.side = S3Side(name, name, endpoint, ACCESS_KEY, SECRET_KEY, "us-east-1", "bucket")

    def stop(self) -> None:
        terminate(self.proc)


async def one_phase(gateway: Gateway, op: str, count: int, concurrency: int) -> float:
    """Gateway CPU microseconds per ``op``, over ``count`` of them."""
    async with make_session(concurrency) as session:
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                if op == "list":
                    await gateway.side.list(session, "lst/", LIST_KEYS)
                else:
                    await getattr(gateway.side, op)(session, "key")

        await asyncio.gather(*(one() for _ in range(min(count, 300))))  # warm: pool, caches
        before = cpu_seconds_fine([gateway.proc.pid])
        await asyncio.gather(*(one() for _ in range(count)))
        return (cpu_seconds_fine([gateway.proc.pid]) - before) / count * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=PATH")
    parser.add_argument("--ops", default="head,get,list")
    parser.add_argument("--count", type=int, default=15000,
                        help="operations per phase (LIST: a tenth of it)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    trees = {name: Path(path).resolve() for name, _, path in (t.partition("=") for t in args.tree)}
    swift_port = free_port()
    canned = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
         f"import canned_swift; canned_swift.run_canned_swift({swift_port})"])
    root = Path(tempfile.mkdtemp(prefix="s3swift-canned-"))
    gateways: list[Gateway] = []
    results: dict[tuple[str, str], list[float]] = {}
    try:
        while not _http_answers(f"http://{LOOPBACK}:{swift_port}/"):
            time.sleep(0.1)
        gateways = [Gateway(name, tree, root, swift_port) for name, tree in trees.items()]
        for rnd in range(args.rounds):
            for op in args.ops.split(","):
                count = args.count // 10 if op == "list" else args.count
                for gw in gateways if rnd % 2 == 0 else gateways[::-1]:
                    us = asyncio.run(one_phase(gw, op, count, args.concurrency))
                    results.setdefault((gw.name, op), []).append(us)
                    print(f"round {rnd} {gw.name} {op}: {us:.1f} us/op", flush=True)
    finally:
        for gw in gateways:
            gw.stop()
        canned.kill()
        subprocess.run(["rm", "-rf", str(root)], check=False)
    first = next(iter(trees))
    width = max(len(name) for name in trees) + 2
    print(f"gateway CPU us per op: median over rounds; 'vs {first}': median of per-round ratios")
    for (name, op), values in results.items():
        paired = statistics.median(v / b for v, b in zip(values, results[(first, op)]))
        print(f"{name:<{width}}{op:<6}{statistics.median(values):9.1f}  [{min(values):.1f}-"
              f"{max(values):.1f}]  vs {first} {paired:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
