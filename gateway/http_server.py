"""The HTTP layer under the application: S3 errors where aiohttp answers by itself.

aiohttp's protocol answers a request it cannot parse (bad request line, a header
line too long, too many headers) in plain text before any middleware runs, and
logs a traceback for what is the client's mistake. ``S3RequestHandler`` answers
S3's XML error document with a request id instead, and bounds the time a
connection may take to send a request head, which aiohttp does not do: a client
dribbling its headers would otherwise hold the connection forever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.http import HttpRequestParser
from aiohttp.http_exceptions import LineTooLong
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import MAX_MSG_QUEUE_SIZE, RequestHandler, RequestPayloadError
from aiohttp.web_request import BaseRequest

from gateway import errors
from gateway.middlewares import new_request_id
from gateway.s3request import ERROR_CODE

log = logging.getLogger("gateway")
# How often a drain looks whether the requests in flight have finished.
DRAIN_POLL_SECONDS = 0.05


def _protocol_error(status: int, exc: BaseException | None) -> errors.S3Error:
    """The S3 error for what aiohttp's parser (4xx) or protocol (5xx) refused."""
    if status >= 500:
        return errors.InternalError()
    if isinstance(exc, LineTooLong) or "Too many headers" in str(exc):
        return errors.RequestHeaderSectionTooLarge()
    return errors.BadRequest()


def _loggable(exc: BaseException | None, message: str | None) -> str:
    """What the parser said, without echoing a long header line (it may hold a token)."""
    if isinstance(exc, LineTooLong):
        return f"a request line or header over {exc.args[1]} bytes"
    return (message or str(exc))[:200]


def _s3_headers(request_id: str, host_id: str) -> dict[str, str]:
    return {"x-amz-request-id": request_id, "x-amz-id-2": host_id, "Server": "s3swift"}


def _timeout_response() -> bytes:
    """A complete ``RequestTimeout`` response, written straight to the transport:
    there is no request to hand to aiohttp, only part of a head."""
    request_id, host_id = new_request_id()
    body = errors.RequestTimeout().to_xml("/", request_id, host_id)
    lines = ["HTTP/1.1 400 Bad Request", "Content-Type: application/xml",
             f"Content-Length: {len(body)}", "Connection: close",
             *(f"{name}: {value}" for name, value in _s3_headers(request_id, host_id).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


class S3RequestHandler(RequestHandler):
    """aiohttp's per-connection protocol, with S3 errors and a request head deadline.

    The deadline runs from the connection's opening, or from the first byte of
    each later request head, until that head is parsed. An idle keep-alive
    connection (no byte of a next request yet) stays under aiohttp's
    ``keepalive_timeout``; request bodies have no deadline here.
    """

    def __init__(self, manager: web.Server, *, request_header_timeout: float,
                 **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._auto_decompress = bool(kwargs.get("auto_decompress", True))
        self._head_timeout = request_header_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        # The body of the last parsed request: bytes before its end are body bytes.
        self._last_payload: StreamReader | None = None

    @property
    def busy(self) -> bool:
        """A request is being served (its body may still be arriving)."""
        return self._request_in_progress

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm_head_timer()

    def body_bypassed(self) -> None:
        """The current request's body went past the parser, straight off the
        socket (a spliced upload): the parser, which still counts on those bytes,
        is replaced by a fresh one, as aiohttp builds it, for the next request."""
        self._parser = HttpRequestParser(
            self, self._loop, self._read_bufsize, max_line_size=self.max_line_size,
            max_field_size=self.max_field_size, max_headers=self.max_headers,
            payload_exception=RequestPayloadError, auto_decompress=self._auto_decompress,
            max_msg_queue_size=MAX_MSG_QUEUE_SIZE)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        body_done = self._last_payload is None or self._last_payload.is_eof()
        if data and body_done and self._head_timer is None:
            self._arm_head_timer()  # the first byte of a new request head
        parsed_before = self._request_count
        super().data_received(data)
        if self._request_count != parsed_before:
            self._disarm_head_timer()
            if self._messages:
                self._last_payload = self._messages[-1][1]

    def _arm_head_timer(self) -> None:
        self._head_timer = self._loop.call_later(self._head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport is None or self._force_close:
            return
        peer = self.transport.get_extra_info("peername")
        log.info("closing a connection from %s: no complete request head within %ss",
                 peer[0] if peer else "?", self._head_timeout)
        if not self._request_in_progress and not self._messages:
            self.transport.write(_timeout_response())  # close() still sends it
        self.force_close()

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """An S3 error document instead of aiohttp's text; a parse error is the
        client's mistake: one log line, no traceback."""
        error = _protocol_error(status, exc)
        request_id, host_id = new_request_id()
        request[ERROR_CODE] = error.code  # for the access log
        if error.status >= 500:
            log.error("request %s: %s", request_id, error.code, exc_info=exc)
        else:
            log.info("request %s: %s from %s: %s", request_id, error.code, request.remote,
                     _loggable(exc, message))
        if request.writer.output_size > 0:  # a response is under way: only closing is left
            raise ConnectionError("response already started, cannot send an error")
        response = web.Response(status=error.status, content_type="application/xml",
                                body=error.to_xml(request.path, request_id, host_id),
                                headers=_s3_headers(request_id, host_id))
        response.force_close()
        return response


class S3Server(web.Server):
    """aiohttp's low-level server, making ``S3RequestHandler`` connections."""

    def __init__(self, app_server: web.Server, request_header_timeout: float) -> None:
        # The application's own server, as AppRunner built it, with its handler
        # arguments (aiohttp keeps them in ``_kwargs``).
        super().__init__(app_server.request_handler, request_factory=app_server.request_factory,
                         handler_cancellation=app_server.handler_cancellation,
                         **app_server._kwargs)
        self._head_timeout = request_header_timeout

    def __call__(self) -> RequestHandler:
        return S3RequestHandler(self, loop=self._loop,
                                request_header_timeout=self._head_timeout, **self._kwargs)


async def drain(runner: web.AppRunner, grace: float) -> None:
    """Stop listening, close idle connections, and wait up to ``grace`` seconds for
    requests in flight (aiohttp's own shutdown stops reading bodies at once, which
    would stall a long upload; here a busy connection keeps receiving until its
    response is sent, then closes)."""
    for site in list(runner.sites):
        await site.stop()
    server = runner.server
    if server is None:
        return
    deadline = asyncio.get_running_loop().time() + grace
    while True:
        busy = False
        for connection in server.connections:
            if isinstance(connection, S3RequestHandler) and connection.busy:
                busy = True
            else:
                connection.close()  # idle keep-alive: nothing to wait for
        if not busy or asyncio.get_running_loop().time() >= deadline:
            return
        await asyncio.sleep(DRAIN_POLL_SECONDS)


class S3AppRunner(web.AppRunner):
    """``web.AppRunner`` whose connections are ``S3RequestHandler`` ones."""

    def __init__(self, app: web.Application, *, request_header_timeout: float,
                 **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._head_timeout = request_header_timeout

    async def _make_server(self) -> web.Server:
        return S3Server(await super()._make_server(), self._head_timeout)
