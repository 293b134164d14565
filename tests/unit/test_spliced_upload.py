"""``SplicedPayload`` falls back to the chunks whenever a splice cannot work (TLS to
Swift, a closing connection, a source that will not hand its socket over), and
then never touches the client's socket. The splice itself: tests/integration/
test_zerocopy_put.py."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.storage.records import SocketBody, SpliceableBody
from gateway.swift.spliced_upload import SplicedPayload


class _Transport:
    def __init__(self, extra: dict[str, Any], closing: bool = False) -> None:
        self._extra, self._closing = extra, closing

    def is_closing(self) -> bool:
        return self._closing

    def get_extra_info(self, name: str) -> Any:
        return self._extra.get(name)


class _Writer:
    def __init__(self, transport: _Transport) -> None:
        self.transport = transport
        self.written: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self.written.append(chunk)


class _Source:
    def __init__(self, offers: SocketBody | None = None) -> None:
        self.offers = offers
        self.taken = 0

    async def take(self) -> SocketBody | None:
        self.taken += 1
        return self.offers

    def moved(self, count: int) -> None:
        raise AssertionError("nothing was moved")

    def failed(self, exc: BaseException) -> BaseException:
        raise AssertionError("nothing failed")


async def _chunks() -> AsyncIterator[bytes]:
    for chunk in (b"one ", b"two ", b"three"):
        yield chunk


def _write(transport: _Transport, source: _Source) -> list[bytes]:
    body = SpliceableBody(_chunks(), 13, source)
    payload = SplicedPayload(body, read_timeout=5)
    writer = _Writer(transport)
    asyncio.run(payload.write_with_length(writer, None))  # type: ignore[arg-type]
    assert payload.size == 13 and payload.consumed
    return writer.written


@pytest.fixture
def plain_socket() -> Any:
    with socket.socket() as sock:
        yield sock


def test_tls_to_swift_sends_the_chunks_and_leaves_the_client_socket(plain_socket: Any) -> None:
    source = _Source()
    transport = _Transport({"ssl_object": object(), "socket": plain_socket})
    assert _write(transport, source) == [b"one ", b"two ", b"three"]
    assert source.taken == 0


def test_a_closing_connection_or_no_socket_sends_the_chunks(plain_socket: Any) -> None:
    for transport in (_Transport({"socket": plain_socket}, closing=True), _Transport({})):
        source = _Source()
        assert _write(transport, source) == [b"one ", b"two ", b"three"]
        assert source.taken == 0


def test_a_source_that_keeps_its_socket_sends_the_chunks(plain_socket: Any) -> None:
    source = _Source(offers=None)
    assert _write(_Transport({"socket": plain_socket}), source) == [b"one ", b"two ", b"three"]
    assert source.taken == 1


def test_a_spliceable_body_iterates_as_its_chunks() -> None:
    async def collect() -> list[bytes]:
        return [chunk async for chunk in SpliceableBody(_chunks(), 13, _Source())]

    assert asyncio.run(collect()) == [b"one ", b"two ", b"three"]
