"""Request bodies: streamed uploads and small XML documents.

``Expect: 100-continue`` is answered here, when a handler first asks for the
body, i.e. only after the signature and the target were checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.http import HttpVersion11

from gateway import errors
from gateway.auth.payload import verified_body
from gateway.s3request import S3Request

MaxMessageLengthExceeded = type("MaxMessageLengthExceeded", (errors.S3Error,), {
    "code": "MaxMessageLengthExceeded", "status": 400,
    "message": "Your request was too big."})

_CONTINUE_SENT = web.RequestKey("continue_sent", bool)


async def defer_continue(request: web.Request) -> None:
    """The route's expect handler: deliberately send nothing yet."""
    return None


def body_withheld(request: web.Request) -> bool:
    """True when the client still waits for ``100 Continue`` before sending its body.

    A final response to such a request must close the connection: the client
    may or may not send the body, so the stream's next bytes are unknowable.
    """
    return (request.headers.get("Expect", "").lower() == "100-continue"
            and not request.get(_CONTINUE_SENT))


async def send_continue(request: web.Request) -> None:
    """Send ``100 Continue`` once, if the client asked for it."""
    if request.get(_CONTINUE_SENT):
        return
    request[_CONTINUE_SENT] = True
    if (request.version == HttpVersion11
            and request.headers.get("Expect", "").lower() == "100-continue"):
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0


async def raw_chunks(request: web.Request, expected: int | None) -> AsyncIterator[bytes]:
    """The body as it arrives (aiohttp has undone any Transfer-Encoding: chunked);
    a body shorter than Content-Length, or a dropped client, is ``IncompleteBody``."""
    content = request.content
    received = 0
    while True:
        try:
            chunk = await content.readany()
        except (ConnectionError, web.HTTPException) as exc:
            raise errors.IncompleteBody() from exc
        except Exception as exc:  # aiohttp's payload errors on a dropped client
            raise errors.IncompleteBody() from exc
        if not chunk:
            break
        received += len(chunk)
        yield chunk
    if expected is not None and received != expected:
        raise errors.IncompleteBody()


async def upload_body(req: S3Request) -> AsyncIterator[bytes]:
    """A (small) body, streamed and checked against the signed payload hash.

    Object data goes through ``gateway.uploads.streamed_upload`` instead, which
    also handles aws-chunked lengths, checksums and size limits.
    """
    await send_continue(req.http)
    async for chunk in verified_body(raw_chunks(req.http, req.http.content_length), req.auth):
        yield chunk


async def read_small_body(req: S3Request, limit: int = 1024 * 1024) -> bytes:
    """Read a whole (XML) body of at most ``limit`` bytes, checking its hash."""
    length = req.http.content_length
    if length is not None and length > limit:
        raise MaxMessageLengthExceeded()
    parts: list[bytes] = []
    size = 0
    async for chunk in upload_body(req):
        size += len(chunk)
        if size > limit:
            raise MaxMessageLengthExceeded()
        parts.append(chunk)
    return b"".join(parts)
