"""Socket to socket without the bytes entering Python: Linux ``splice`` through a pipe.

A large GET's body needs no check in transit, so the kernel can move it from
Swift's connection to the client's: no ``recv`` into a Python buffer, no
parser copy, no ``send`` from one (issue 13's relay profile: copies and the
per-chunk Python work were most of the gateway's CPU per MiB).

Both descriptors belong to asyncio transports (the caller paused the source
transport's reading and drained the sink transport's buffer), and asyncio
refuses to watch a descriptor a transport owns, so the waits are on ``dup()``s.
No aiohttp here: the caller hands two sockets and a length.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
import sys
import termios
from collections.abc import Awaitable, Callable

# Bodies from this size on are worth a splice (a pipe and its wake-ups) in
# either direction: ``gateway.relay`` (GET), ``gateway.body.splice_source`` (PUT).
SPLICE_FROM = 1 << 20
# The pipe between the two sockets: 1 MiB (Linux's default unprivileged limit,
# /proc/sys/fs/pipe-max-size) means few syscalls per MiB; what the pipe has if refused.
PIPE_BYTES = 1 << 20
_DEFAULT_PIPE_BYTES = 64 << 10
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)
_FLAGS = getattr(os, "SPLICE_F_MOVE", 1) | getattr(os, "SPLICE_F_NONBLOCK", 2)


def available() -> bool:
    """Whether this platform has ``splice`` (Linux, Python 3.10+)."""
    return hasattr(os, "splice")


class SourceEnded(ConnectionError):
    """The source closed (or failed) before the promised length arrived."""


class SourceSilent(SourceEnded):
    """The source sent nothing for the read timeout."""


async def splice_between(source_fd: int, sink_fd: int, length: int, *,
                         read_timeout: float | None) -> int:
    """Move exactly ``length`` bytes from ``source_fd`` to ``sink_fd``; return it.

    ``SourceEnded`` if the source stops early (``SourceSilent``: it sent nothing
    for ``read_timeout`` seconds); the sink's errors (``ConnectionResetError``,
    ``BrokenPipeError``) as they come. Either way the bytes already moved are gone: the caller cuts
    both connections.
    """
    pipe_out, pipe_in = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    source = sink = -1
    try:
        try:
            pipe_bytes = fcntl.fcntl(pipe_in, _F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:  # refused (past the user's pipe-user-pages-soft): what it has
            pipe_bytes = _pipe_size(pipe_in)
        source, sink = os.dup(source_fd), os.dup(sink_fd)
        mover = _Mover(source, sink, pipe_in, pipe_out, pipe_bytes, read_timeout)
        return await mover.run(length)
    finally:
        for fd in (pipe_out, pipe_in, source, sink):
            if fd >= 0:
                os.close(fd)


async def flushed(transport: asyncio.WriteTransport,
                  drain: Callable[[], Awaitable[None]]) -> None:
    """Wait until ``transport`` holds no unsent byte (``drain``: its protocol's
    wait for writing to resume), so a splice into its socket cannot overtake them."""
    if not transport.get_write_buffer_size():
        return
    low, high = transport.get_write_buffer_limits()
    transport.set_write_buffer_limits(high=0, low=0)
    try:
        await drain()
    finally:
        transport.set_write_buffer_limits(high=high, low=low)


class _Mover:
    """One splice: source -> pipe -> sink until ``length``, a pipeful at a time.

    The source wakes it only once a pipeful (or the body's rest) is queued
    (``SO_RCVLOWAT``), not per 64 KiB write of Swift's: each wake-up costs more
    Python than the splice it serves (``benchmarks/relay_floor.py``). One
    watchdog timer, not one per wait, ends a wait on a source that sent nothing
    for ``read_timeout``."""

    def __init__(self, source: int, sink: int, pipe_in: int, pipe_out: int,
                 pipe_bytes: int, read_timeout: float | None) -> None:
        self._loop = asyncio.get_running_loop()
        self._source, self._sink = source, sink
        self._pipe_in, self._pipe_out = pipe_in, pipe_out
        self._pipe_bytes = pipe_bytes
        self._read_timeout = read_timeout
        self._waiter: asyncio.Future[None] | None = None
        self._waiting_on_source = False
        self._watchdog: asyncio.TimerHandle | None = None
        self._waiting_since = 0.0
        self._queued_when_looked = 0
        self._lowat = 1  # Linux default
        self._source_sock: socket.socket | None = None  # for setsockopt, made once

    async def run(self, length: int) -> int:
        if self._read_timeout is not None:
            self._watchdog = self._loop.call_later(self._read_timeout, self._watch)
        try:
            moved = 0
            while moved < length:
                count = await self._fill(min(length - moved, self._pipe_bytes))
                await self._empty(count)
                moved += count
            return moved
        finally:
            if self._watchdog is not None:
                self._watchdog.cancel()
            self._wake_at(1)  # the socket's option outlives the splice: its next reader's default
            if self._source_sock is not None:
                self._source_sock.detach()  # the descriptor is the caller's to close

    def _watch(self) -> None:
        """A wait on a source that sent nothing for ``read_timeout``: fail it.
        Bytes queued below the wake-up amount count as the source's sign of life."""
        assert self._read_timeout is not None
        next_look = self._read_timeout
        waiter = self._waiter
        if self._waiting_on_source and waiter is not None and not waiter.done():
            queued = _queued(self._source)
            if queued != self._queued_when_looked:
                self._queued_when_looked = queued
                self._waiting_since = self._loop.time()
            silent = self._loop.time() - self._waiting_since
            if silent >= self._read_timeout:
                waiter.set_exception(SourceSilent("the source went silent"))
            else:
                next_look = self._read_timeout - silent
        self._watchdog = self._loop.call_later(next_look, self._watch)

    async def _fill(self, most: int) -> int:
        """Up to ``most`` bytes from the source into the (empty) pipe, at least one.

        ``splice`` takes whatever is queued, however little; so while less than
        ``most`` is queued, wait first (the wait honours ``SO_RCVLOWAT``, and ends
        early at the source's end or error): one splice of a pipeful, not one per
        64 KiB write of Swift's, each with its own wake-up."""
        self._wake_at(most)
        queued = _queued(self._source)
        if queued < most:
            self._queued_when_looked = queued
            await self._ready(self._source, reading=True)
        while True:
            try:
                count = os.splice(self._source, self._pipe_in, most, flags=_FLAGS)
            except BlockingIOError:
                await self._ready(self._source, reading=True)
                continue
            except OSError as exc:
                raise SourceEnded(f"the source failed: {exc.strerror}") from exc
            if count == 0:
                raise SourceEnded("the source closed early")
            return count

    def _wake_at(self, count: int) -> None:
        if count != self._lowat:
            if self._source_sock is None:
                self._source_sock = socket.socket(fileno=self._source)
            with contextlib.suppress(OSError):
                self._source_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, count)
            self._lowat = count

    async def _empty(self, count: int) -> None:
        """All ``count`` bytes in the pipe out to the sink."""
        while count:
            try:
                count -= os.splice(self._pipe_out, self._sink, count, flags=_FLAGS)
            except BlockingIOError:
                await self._ready(self._sink, reading=False)

    async def _ready(self, fd: int, *, reading: bool) -> None:
        loop = self._loop
        self._waiter = waiter = loop.create_future()
        self._waiting_on_source = reading
        if reading:
            self._waiting_since = loop.time()
        if reading:
            loop.add_reader(fd, _wake, waiter)
        else:
            loop.add_writer(fd, _wake, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if reading:
                loop.remove_reader(fd)
            else:
                loop.remove_writer(fd)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _pipe_size(fd: int) -> int:
    """A pipe's capacity: Linux's 64 KiB by default, less for a user past its
    pipe-user-pages-soft (a page or two)."""
    try:
        return max(int(fcntl.fcntl(fd, _F_GETPIPE_SZ)), 1)
    except OSError:
        return _DEFAULT_PIPE_BYTES


def _queued(fd: int) -> int:
    """Bytes waiting in a socket's receive queue (``FIONREAD``); 0 if unknown."""
    try:
        return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, bytes(4)), sys.byteorder)
    except OSError:
        return 0
