"""Declarative Swift-status -> store-error tables, for ``SwiftStore``.

Each store operation names which Swift statuses mean which storage outcome;
anything it does not name falls back to ``COMMON``, then to
``StoreUnavailable`` (5xx) or ``StoreInternal`` (other 4xx). Responses are
released before raising so their connections go back to the pool.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from gateway.storage import errors as store

OutcomeMap = Mapping[int, type[store.StoreError]]

# 401/403 concern the gateway's own service identity (a reseller admin may act
# on every account): never the client's fault, so a retryable outage.
COMMON: OutcomeMap = {
    401: store.StoreUnavailable,
    403: store.StoreUnavailable,
    408: store.ClientTimeout,
    411: store.LengthRequired,
    413: store.EntityTooLarge,
    422: store.BodyMismatch,
    429: store.Throttled,
    498: store.Throttled,
    499: store.ClientTimeout,
    507: store.StoreUnavailable,
}


class SwiftAnswered(Exception):
    """What Swift answered, kept as the cause of the store error it became."""


def outcome_for(status: int, table: OutcomeMap, **names: str | None) -> store.StoreError:
    cls = table.get(status) or COMMON.get(status)
    if cls is None:
        cls = store.StoreUnavailable if status >= 500 else store.StoreInternal
    return cls(f"Swift answered {status}", **names)  # type: ignore[arg-type]


def raise_for(resp: aiohttp.ClientResponse, table: OutcomeMap, ok: tuple[int, ...] = (),
              **names: str | None) -> None:
    """Raise the store error ``table`` names unless ``resp`` is 2xx or in ``ok``."""
    if 200 <= resp.status < 300 or resp.status in ok:
        return
    resp.release()
    error = outcome_for(resp.status, table, **names)
    raise error from SwiftAnswered(
        f"Swift answered {resp.status} {resp.reason} to {resp.method} {resp.url.path}")
