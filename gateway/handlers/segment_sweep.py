"""Segment cleanup after writes and deletes: see ``gateway.swift.segment_sweep``.

Transitional: the handlers that still write through Swift themselves (PutObject,
CopyObject, DeleteObjects, multipart) call these until they go through the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from gateway.s3request import S3Request
from gateway.swift import segment_sweep
from gateway.swift.caches import SwiftCaches


def _at(req: S3Request) -> segment_sweep.BucketAt:
    assert req.bucket is not None
    caches = cast(SwiftCaches, req.store.caches)  # type: ignore[attr-defined]
    return segment_sweep.BucketAt(req.swift, req.account, req.bucket, caches)


async def may_hold_multipart(req: S3Request) -> bool:
    return await _at(req).may_hold_multipart()


async def sweep_segments(req: S3Request, key: str | None = None,
                         may_hold: bool | None = None) -> None:
    key = key if key is not None else req.key
    assert key is not None
    await segment_sweep.sweep_segments(_at(req), key, may_hold)


async def sweep_many(req: S3Request, keys: Iterable[str]) -> None:
    await segment_sweep.sweep_many(_at(req), keys)
