"""Fresh buckets for the ``bucket`` fixtures, made in batches and never emptied.

Hundreds of tests each want a bucket of their own. Made one at a time and
emptied and deleted after each test, every bucket cost a CreateBucket, a
listing, a DeleteObjects and a DeleteBucket (each several Swift requests),
one after another on every test's path. Here buckets are made ``BATCH`` at a
time, concurrently, when the pool runs dry, and a used bucket is left as it
is: the session's Swift is thrown away with the session, so emptying and
deleting them would only cost time (and nothing asserted it). Nothing runs
in the background while a test runs: the tests that count the gateway's Swift
requests or read its metrics see only their own.

Every bucket handed out is new and unused, with a unique name, so a test sees
exactly what a bucket made for it would show. Buckets of finished tests stay
in the session account (tests that list its buckets look for their own, never
for an exact set; those that need an exact set use an account of their own).
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Buckets made at once when the pool runs dry (boto3 keeps 10 connections).
BATCH = 8


def unique_bucket_name() -> str:
    return f"it-{uuid.uuid4().hex[:20]}"


class BucketPool:
    """Fresh buckets of one client's account: ``take`` hands out a new one."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._fresh: list[str] = []

    def take(self) -> str:
        if not self._fresh:
            names = [unique_bucket_name() for _ in range(BATCH)]
            with ThreadPoolExecutor(BATCH) as pool:
                list(pool.map(lambda name: self._client.create_bucket(Bucket=name), names))
            self._fresh = names
        return self._fresh.pop()
