#!/usr/bin/env python3
"""What one small HTTP exchange costs on this machine, with aiohttp and without.

    .venv/bin/python benchmarks/http_floor.py [--count 20000] [--rounds 2]

The floor under the gateway's CPU per small operation: each S3 request is one
request served (aiohttp's server) and one sent to Swift (aiohttp's client).
Measured on loopback, concurrency 8, in microseconds of CPU per HEAD:

* server side: a bare aiohttp app answering a SigV4-signed HEAD (boto3's
  headers) with fixed headers, and a raw asyncio protocol doing the same (CPU
  of the server process; the load is a raw client);
* client side: aiohttp's ``ClientSession.head`` sending what the gateway sends
  Swift and reading the head, and a raw asyncio protocol doing the same (CPU of
  this process; the server is raw).

The raw protocols parse nothing: they are the floor of the system calls and the
event loop, under any real HTTP implementation.

``benchmarks/canned_swift.py`` gives the gateway's whole figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cluster import LOOPBACK, _http_answers, free_port  # noqa: E402
from _procstats import cpu_seconds_fine  # noqa: E402

HEADERS = {"Content-Length": "4096", "Content-Type": "binary/octet-stream",
           "ETag": '"d41d8cd98f00b204e9800998ecf8427e"',
           "Last-Modified": "Wed, 02 Dec 2026 19:51:06 GMT",
           "x-amz-request-id": "403637E1EBB07BA5", "Accept-Ranges": "bytes"}
ANSWER = ("HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
          + "\r\n").encode()
# What the gateway sends Swift, and what an S3 client sends the gateway (boto3's headers).
SWIFT_REQUEST = (b"HEAD /v1/AUTH_test/bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"X-Auth-Token: AUTH_tk0123456789abcdef\r\n\r\n")
S3_REQUEST = (b"HEAD /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Boto3/1.44.8 "
              b"md/Botocore#1.44.8 ua/2.1 os/linux#6.18 md/arch#x86_64 lang/python#3.11.7\r\n"
              b"X-Amz-Date: 20261202T195106Z\r\nX-Amz-Content-SHA256: e3b0c44298fc1c149afbf4c8"
              b"996fb92427ae41e4649b934ca495991b7852b855\r\nAuthorization: AWS4-HMAC-SHA256 "
              b"Credential=AKEXAMPLE/20261202/us-east-1/s3/aws4_request, SignedHeaders=host;"
              b"x-amz-content-sha256;x-amz-date, Signature=" + b"0" * 64 + b"\r\n\r\n")


class RawServer(asyncio.Protocol):
    """Answers every request head (requests carry no body) with ``answer(method,
    target)``; by default ``ANSWER``, whatever was asked."""

    def __init__(self, answer: Callable[[bytes, bytes], bytes] = lambda _m, _t: ANSWER) -> None:
        self.answer = answer
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            method, target = self.buffer[:end].split(b" ", 2)[:2]
            self.buffer = self.buffer[end + 4:]
            self.transport.write(self.answer(method, target))  # type: ignore[attr-defined]


class RawClient(asyncio.Protocol):
    """Sends ``request`` and waits for a head, one at a time (parsing nothing)."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.buffer = b""
        self.answered: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if b"\r\n\r\n" in self.buffer and self.answered is not None:
            self.buffer = b""
            self.answered.set_result(None)

    async def head(self) -> None:
        self.answered = asyncio.get_running_loop().create_future()
        self.transport.write(self.request)  # type: ignore[attr-defined]
        await self.answered


def serve(kind: str, port: int) -> None:
    """Run one kind of server on ``port`` until killed."""
    if kind == "aiohttp":
        from aiohttp import web

        async def answer(_request: web.Request) -> web.Response:
            return web.Response(headers=HEADERS)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        web.run_app(app, host=LOOPBACK, port=port, access_log=None, print=None)
        return

    async def raw() -> None:
        await asyncio.get_running_loop().create_server(RawServer, LOOPBACK, port)
        await asyncio.Event().wait()

    asyncio.run(raw())


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def raw_load(port: int, count: int, concurrency: int,
                   request: bytes = SWIFT_REQUEST) -> None:
    loop = asyncio.get_running_loop()
    clients = [(await loop.create_connection(lambda: RawClient(request), LOOPBACK, port))[1]
               for _ in range(concurrency)]

    async def worker(client: RawClient) -> None:
        for _ in range(count // concurrency):
            await client.head()

    await asyncio.gather(*(worker(c) for c in clients))
    for client in clients:
        client.transport.close()  # type: ignore[attr-defined]


async def aiohttp_load(port: int, count: int, concurrency: int) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
        url = f"http://{LOOPBACK}:{port}/v1/AUTH_test/bucket/key"
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                async with session.head(url, headers={"X-Auth-Token": "AUTH_tk0"}) as resp:
                    resp.headers.get("ETag")

        await asyncio.gather(*(one() for _ in range(count)))


def measure_server(kind: str, count: int, concurrency: int) -> float:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port)])
    try:
        while not _http_answers(f"http://{LOOPBACK}:{port}/"):
            time.sleep(0.1)
        asyncio.run(raw_load(port, 500, concurrency, S3_REQUEST))  # warm
        before = cpu_seconds_fine([server.pid])
        asyncio.run(raw_load(port, count, concurrency, S3_REQUEST))
        return (cpu_seconds_fine([server.pid]) - before) / count * 1e6
    finally:
        server.kill()
        server.wait()


def measure_client(kind: str, count: int, concurrency: int) -> float:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", "raw", "--port", str(port)])
    load = aiohttp_load if kind == "aiohttp" else raw_load
    try:
        while not _http_answers(f"http://{LOOPBACK}:{port}/"):
            time.sleep(0.1)
        asyncio.run(load(port, 500, concurrency))  # warm
        before = own_cpu()
        asyncio.run(load(port, count, concurrency))
        return (own_cpu() - before) / count * 1e6
    finally:
        server.kill()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serve", choices=("aiohttp", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    print("CPU us per HEAD (loopback, concurrency %d):" % args.concurrency)
    for rnd in range(args.rounds):
        figures = {f"{side} {kind}": measure(kind, args.count, args.concurrency)
                   for side, measure in (("server", measure_server), ("client", measure_client))
                   for kind in ("aiohttp", "raw")}
        print(f"round {rnd}: " + ", ".join(f"{name} {us:.1f}" for name, us in figures.items()),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
