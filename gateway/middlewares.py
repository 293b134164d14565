"""The middleware chain, outermost first: errors → S3 context (addressing + auth).

``error_middleware`` gives every response a request id and turns any failure into
S3's XML error document; ``context_middleware`` resolves the bucket and key,
verifies the signature and hands handlers a ready ``S3Request``.
"""

from __future__ import annotations

import base64
import logging
import os

from aiohttp import web

from gateway import errors
from gateway.addressing import resolve_target
from gateway.appkeys import AUTH_SETTINGS, CONFIG, CREDENTIALS, STORE
from gateway.auth.authenticate import authenticate
from gateway.body import body_withheld
from gateway.s3request import ERROR_CODE, HOST_ID, REQUEST_ID, S3_REQUEST, S3Request
from gateway.storage.errors import StoreError
from gateway.storage.s3_errors import s3_error_for

log = logging.getLogger("gateway")


def new_request_id() -> tuple[str, str]:
    """S3's pair: a short request id and a long host id (``x-amz-id-2``)."""
    raw = os.urandom(32)  # one system call for both
    return raw[:8].hex().upper(), base64.b64encode(raw).decode("ascii")


def _decoded_path(request: web.Request) -> str:
    try:
        return request.path
    except Exception:  # a path that does not decode still gets an error document
        return request.raw_path.split("?", 1)[0]


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    request_id, host_id = new_request_id()
    request[REQUEST_ID] = request_id
    request[HOST_ID] = host_id
    try:
        response = await handler(request)
    except errors.S3Error as exc:
        response = _error_response(request, exc, request_id, host_id)
    except StoreError as exc:  # the one mapping of storage outcomes to S3 errors
        response = _error_response(request, s3_error_for(exc), request_id, host_id)
    except web.HTTPException as exc:
        # aiohttp's own refusals, in S3's form.
        response = _error_response(request, _from_http_exception(exc), request_id, host_id)
    except Exception:
        log.exception("request %s failed: %s %s", request_id, request.method, request.path)
        response = _error_response(request, errors.InternalError(), request_id, host_id)
    if not response.prepared and body_withheld(request):
        response.force_close()
    return response


async def add_s3_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response, streamed ones too, carries S3's ids."""
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers["x-amz-request-id"] = request_id
        response.headers["x-amz-id-2"] = request[HOST_ID]
    response.headers["Server"] = "s3swift"


def _from_http_exception(exc: web.HTTPException) -> errors.S3Error:
    if exc.status >= 500:
        return errors.InternalError()
    if exc.status == 413:
        return errors.EntityTooLarge()
    if exc.status == 405:
        return errors.MethodNotAllowed()
    return errors.InvalidRequest(exc.reason)


def _causes(exc: BaseException) -> str:
    """Why a 5xx happened, on one line: the chain of causes (a 503's is the Swift
    failure), without a traceback."""
    parts: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(parts) < 6:
        text = " ".join(str(cause).split())
        parts.append(f"{type(cause).__name__}: {text}" if text else type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    return " <- ".join(parts) if parts else "no underlying error recorded"


def _operation(request: web.Request) -> str:
    """The S3 operation routing named, or ``-`` when the request never got that far."""
    s3_request = request.get(S3_REQUEST)
    return (s3_request.operation if s3_request is not None else "") or "-"


def _error_response(request: web.Request, exc: errors.S3Error, request_id: str,
                    host_id: str) -> web.Response:
    if exc.status >= 500:
        log.warning("request %s: %s %s %s %s: %s", request_id, exc.code, _operation(request),
                    request.method, _decoded_path(request), _causes(exc))
    request[ERROR_CODE] = exc.code
    body = exc.to_xml(_decoded_path(request), request_id, host_id)
    response = web.Response(status=exc.status, body=body, content_type="application/xml",
                            headers=exc.headers)
    if exc.status == 503:
        response.headers.setdefault("Retry-After", "1")
    return response


# S3 documents 8 KB for a request's header section (2 KB of it user metadata). A
# SigV4 request carrying those 2 KB in hundreds of entries also lists every name in
# its Authorization header and passes 8 KB, so the bound here is 32 KiB: it still
# caps what a request head may hold, and no valid S3 request comes near it.
MAX_HEADER_SECTION_BYTES = 32 * 1024


def check_header_section(request: web.Request) -> None:
    """``RequestHeaderSectionTooLarge`` past S3's limit: aiohttp only bounds each
    line and the number of headers, not their sum."""
    size = sum(len(name) + len(value) + 4 for name, value in request.raw_headers)
    if size > MAX_HEADER_SECTION_BYTES:
        raise errors.RequestHeaderSectionTooLarge()


@web.middleware
async def context_middleware(request: web.Request, handler) -> web.StreamResponse:  # noqa: ANN001
    app = request.app
    config = app[CONFIG]
    check_header_section(request)
    target = resolve_target(request.host, request.raw_path, config.server.base_domains)
    auth = await authenticate(
        request, app[CREDENTIALS], app[AUTH_SETTINGS],
        virtual_host_bucket=target.bucket if target.virtual_host else None)
    # No signature (auth None): the anonymous principal, which the authorization
    # point (gateway.authz.point) admits only where an ACL or policy grants it.
    request[S3_REQUEST] = S3Request(
        http=request, request_id=request[REQUEST_ID], bucket=target.bucket, key=target.key,
        auth=auth, config=config, store=app[STORE])
    return await handler(request)
