"""Declarative Swift-status → S3-error tables.

Each S3 operation declares which Swift statuses mean which S3 error; anything it
does not declare falls back to ``COMMON``, and any other failure to
``InternalError`` (4xx) or ``ServiceUnavailable`` (5xx).
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from gateway import errors

StatusMap = Mapping[int, type[errors.S3Error]]

# 401/403 from Swift concern the gateway's own service identity (a reseller
# admin may act on every account): a client whose signature was valid is never
# told AccessDenied for them, but 503, which SDKs retry.
COMMON: StatusMap = {
    401: errors.ServiceUnavailable,
    403: errors.ServiceUnavailable,
    408: errors.RequestTimeout,
    411: errors.MissingContentLength,
    413: errors.EntityTooLarge,
    422: errors.BadDigest,
    429: errors.SlowDown,
    498: errors.SlowDown,
    499: errors.RequestTimeout,
    507: errors.ServiceUnavailable,
}


def error_for(status: int, table: StatusMap) -> errors.S3Error:
    cls = table.get(status) or COMMON.get(status)
    if cls is None:
        cls = errors.ServiceUnavailable if status >= 500 else errors.InternalError
    return cls()


def raise_for_status(resp: aiohttp.ClientResponse, table: StatusMap,
                     ok: tuple[int, ...] = ()) -> None:
    """Raise the S3 error ``table`` names for a failed Swift response.

    Statuses in ``ok`` count as success besides 2xx. The response is released
    before raising so its connection goes back to the pool.
    """
    if 200 <= resp.status < 300 or resp.status in ok:
        return
    resp.release()
    error = error_for(resp.status, table)
    if error.status >= 500:  # the log line of the 5xx says what Swift answered
        raise error from SwiftStatusError(
            f"Swift answered {resp.status} {resp.reason} to {resp.method} {resp.url.path}")
    raise error


class SwiftStatusError(Exception):
    """What Swift answered, kept as the cause of the S3 error it became."""
