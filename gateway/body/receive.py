"""Receiving a body from the client: a late ``100 Continue``, and a client that goes away.

``Expect: 100-continue`` is answered when a handler first asks for the body,
i.e. only after the signature and the target were checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.http import HttpVersion11

from gateway import errors
from gateway.streams import body_pieces

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
    """The body as it arrives (aiohttp has undone any Transfer-Encoding: chunked),
    one piece per socket read (``gateway.streams``); a body shorter than
    Content-Length, or a dropped client, is ``IncompleteBody``."""
    received = 0
    pieces = body_pieces(request.content)
    while True:
        try:
            chunk = await anext(pieces)
        except StopAsyncIteration:
            break
        except (ConnectionError, web.HTTPException) as exc:
            raise errors.IncompleteBody() from exc
        except Exception as exc:  # aiohttp's payload errors on a dropped client
            raise errors.IncompleteBody() from exc
        received += len(chunk)
        yield chunk
    if expected is not None and received != expected:
        raise errors.IncompleteBody()
