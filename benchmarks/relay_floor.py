"""The floor under the gateway's CPU per MiB relayed: a bare relay on this machine.

Issue 13 asks for at most 0.5 ms of gateway CPU per MiB relayed. Part of any
relay's cost is the kernel's: receiving a byte over TCP and sending it again.
This script measures that floor with nothing else in the way. A source process
writes N MiB over loopback TCP in 64 KiB writes (as Swift's object server does);
a sink process reads and discards them; between them, this process relays the
bytes in one of these ways and reports its own CPU (user and system) per MiB:

- ``splice``: socket -> 1 MiB pipe -> socket, the bytes never enter user space
  with blocking calls;
- ``gateway-splice``: the same through the gateway's own asyncio mover
  (non-blocking, woken by epoll), to tell the mover's cost from the kernel's;
- ``copy``: ``recv_into`` a 1 MiB buffer, ``send`` it on (the least a relay that
  must see the bytes can do);
- ``copy+crc32``, ``copy+sha256``: the same plus the check a PutObject needs for
  the default CRC32 checksum, or for a signed payload.

Run it on an idle machine: ``python benchmarks/relay_floor.py [--mib 512] [--rounds 3]``;
``--source-pause-ms 0.7`` paces the source about as this machine's Swift sends.
The minimum over rounds is reported, as the least the work itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import hashlib
import os
import resource
import socket
import subprocess
import sys
import zlib
from collections.abc import Callable

CHUNK = 64 * 1024
BUFFER = 1 << 20

SOURCE = """
import socket, sys, time
total = int(sys.argv[2]); pause = float(sys.argv[3]); chunk = bytes(range(256)) * 256
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as sock:
    while total > 0:
        total -= sock.send(memoryview(chunk)[:min(len(chunk), total)])
        if pause:
            time.sleep(pause)
"""

SINK = """
import socket, sys
total = int(sys.argv[2]); buf = bytearray(1 << 20)
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as sock:
    while total > 0:
        got = sock.recv_into(buf)
        if not got:
            sys.exit("sink: source closed early")
        total -= got
    sock.sendall(b"k")
"""


def _cpu_seconds() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def _relay_splice(src: socket.socket, dst: socket.socket, total: int) -> None:
    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, BUFFER)
        while total > 0:
            moved = os.splice(src.fileno(), write_end, min(BUFFER, total))
            if not moved:
                raise RuntimeError("source closed early")
            total -= moved
            while moved:
                moved -= os.splice(read_end, dst.fileno(), moved)
    finally:
        os.close(read_end)
        os.close(write_end)


def _relay_copy(check: Callable[[memoryview], None] | None) -> Callable[
        [socket.socket, socket.socket, int], None]:
    def relay(src: socket.socket, dst: socket.socket, total: int) -> None:
        buffer = bytearray(BUFFER)
        view = memoryview(buffer)
        while total > 0:
            got = src.recv_into(buffer, min(BUFFER, total))
            if not got:
                raise RuntimeError("source closed early")
            if check is not None:
                check(view[:got])
            dst.sendall(view[:got])
            total -= got
    return relay


def _crc32() -> Callable[[memoryview], None]:
    state = [0]

    def check(data: memoryview) -> None:
        state[0] = zlib.crc32(data, state[0])
    return check


def _sha256() -> Callable[[memoryview], None]:
    digest = hashlib.sha256()
    return digest.update


def _relay_gateway_splice(src: socket.socket, dst: socket.socket, total: int) -> None:
    """The gateway's own mover (``gateway.zerocopy``), on an asyncio loop."""
    from gateway import zerocopy

    src.setblocking(False)
    dst.setblocking(False)
    moved = asyncio.run(zerocopy.splice_between(src.fileno(), dst.fileno(), total,
                                                read_timeout=30.0))
    assert moved == total
    dst.setblocking(True)


RELAYS: dict[str, Callable[[], Callable[[socket.socket, socket.socket, int], None]]] = {
    "splice": lambda: _relay_splice,
    "gateway-splice": lambda: _relay_gateway_splice,
    "copy": lambda: _relay_copy(None),
    "copy+crc32": lambda: _relay_copy(_crc32()),
    "copy+sha256": lambda: _relay_copy(_sha256()),
}


def measure(mode: str, total: int, pause: float = 0.0) -> tuple[float, float]:
    """This process's (user, system) CPU seconds for relaying ``total`` bytes once,
    the source pausing ``pause`` seconds after each 64 KiB write."""
    with socket.create_server(("127.0.0.1", 0)) as src_listener, \
            socket.create_server(("127.0.0.1", 0)) as dst_listener:
        source = subprocess.Popen([sys.executable, "-c", SOURCE,
                                   str(src_listener.getsockname()[1]), str(total),
                                   str(pause)])
        sink = subprocess.Popen([sys.executable, "-c", SINK,
                                 str(dst_listener.getsockname()[1]), str(total)])
        src, _ = src_listener.accept()
        dst, _ = dst_listener.accept()
        relay = RELAYS[mode]()
        with src, dst:
            user0, sys0 = _cpu_seconds()
            relay(src, dst, total)
            user1, sys1 = _cpu_seconds()
            dst.recv(1)  # the sink has every byte
        if source.wait() or sink.wait():
            raise RuntimeError(f"{mode}: a helper process failed")
    return user1 - user0, sys1 - sys0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512, help="MiB relayed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default=",".join(RELAYS))
    parser.add_argument("--source-pause-ms", type=float, default=0.0,
                        help="pause after each 64 KiB write (0.7: about Swift's pace here)")
    args = parser.parse_args(argv)
    total = args.mib << 20
    pause = args.source_pause_ms / 1000
    print(f"relay floor, {args.mib} MiB per round, best of {args.rounds}, source pause "
          f"{args.source_pause_ms} ms per 64 KiB; load {os.getloadavg()[0]:.2f}")
    print(f"{'mode':<14}{'user ms/MiB':>12}{'sys ms/MiB':>12}{'total':>9}")
    for mode in args.modes.split(","):
        runs = [measure(mode, total, pause) for _ in range(args.rounds)]
        user, system = min(runs, key=sum)
        print(f"{mode:<14}{1000 * user / args.mib:>12.3f}{1000 * system / args.mib:>12.3f}"
              f"{1000 * (user + system) / args.mib:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
