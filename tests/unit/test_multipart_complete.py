"""CompleteMultipartUpload logic: ``x-amz-mp-object-size`` and the keep-alive response."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway import errors
from gateway.storage.records import PartInfo
from gateway.handlers.multipart_complete import (
    check_object_size, expected_object_size, respond_with_keepalive)

RESULT = b'<?xml version="1.0" encoding="UTF-8"?>\n<Result/>'


@pytest.mark.parametrize("value, expected", [
    ("0", 0), ("5242880", 5242880), (" 17 ", 17), (str(2**63 - 1), 2**63 - 1)])
def test_object_size_header_parses(value: str, expected: int) -> None:
    assert expected_object_size({"x-amz-mp-object-size": value}) == expected


def test_object_size_header_is_optional() -> None:
    assert expected_object_size({}) is None


@pytest.mark.parametrize("value", ["size", "", "1.5", "1e3", "0x10", "+5", "1_000", "١٢",
                                   str(2**63)])
def test_object_size_header_not_an_integer(value: str) -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        expected_object_size({"x-amz-mp-object-size": value})
    assert exc.value.detail == f"Value for x-amz-mp-object-size header is invalid: '{value}'"


def test_object_size_header_negative() -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        expected_object_size({"x-amz-mp-object-size": "-1"})
    assert exc.value.detail == "Value for x-amz-mp-object-size header is less than zero: '-1'"
    assert exc.value.status == 400


def test_object_size_must_match_the_parts() -> None:
    manifest = [PartInfo(1, "a" * 32, 5 * 1024 * 1024, None), PartInfo(2, "b" * 32, 3, None)]
    check_object_size(None, manifest)
    check_object_size(5 * 1024 * 1024 + 3, manifest)
    with pytest.raises(errors.InvalidRequest) as exc:
        check_object_size(5 * 1024 * 1024, manifest)
    assert exc.value.detail == ("The provided 'x-amz-mp-object-size' header value 5242880 "
                                "does not match what was computed: 5242883")


async def _serve(delay: float, grace: float, interval: float,
                 fail: bool = False) -> tuple[int, dict[str, str], bytes]:
    async def work() -> bytes:
        await asyncio.sleep(delay)
        if fail:
            raise errors.InvalidPart()
        return RESULT

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            return await respond_with_keepalive(request, work(), grace=grace,
                                                interval=interval)
        except errors.S3Error as exc:
            return web.Response(status=exc.status, body=exc.to_xml("/", "id"))

    app = web.Application()
    app.router.add_post("/", handler)
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/")) as resp:
            return resp.status, dict(resp.headers), await resp.read()


async def test_zero_grace_streams_even_a_fast_result() -> None:
    status, headers, body = await _serve(0, grace=0, interval=0)
    assert status == 200 and headers.get("Transfer-Encoding") == "chunked"
    assert body == b'<?xml version="1.0" encoding="UTF-8"?>\n\n<Result/>'


async def test_zero_grace_error_is_a_200_error_document() -> None:
    status, _, body = await _serve(0, grace=0, interval=0, fail=True)
    assert status == 200
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n\n<Error>'
                           b'<Code>InvalidPart</Code>')


async def test_zero_interval_is_not_a_busy_loop() -> None:
    # 0.3 s of work at the 0.05 s floor: at most a handful of spaces, not thousands
    # (a busy machine can only make timers late, so fewer spaces, never more).
    status, _, body = await _serve(0.3, grace=0, interval=0)
    spaces = body.count(b" ") - RESULT.count(b" ")
    assert status == 200 and spaces <= 7
    assert body.rstrip().endswith(b"<Result/>") and body.count(b"<?xml") == 1


async def test_keepalive_fast_answer_is_plain() -> None:
    status, _, body = await _serve(0, grace=0.05, interval=0.05)
    assert (status, body) == (200, RESULT)
    status, _, body = await _serve(0, grace=0.05, interval=0.05, fail=True)
    assert status == 400 and b"<Code>InvalidPart</Code>" in body


async def test_keepalive_slow_answer_streams_whitespace() -> None:
    status, _, body = await _serve(0.3, grace=0.05, interval=0.05)
    assert status == 200
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n ')
    assert body.rstrip().endswith(b"<Result/>") and body.count(b"<?xml") == 1
    status, _, body = await _serve(0.3, grace=0.05, interval=0.05, fail=True)
    assert status == 200 and b"<Error><Code>InvalidPart</Code>" in body
    assert body.count(b"<?xml") == 1
