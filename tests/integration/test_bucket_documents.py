"""Per-bucket S3 configuration documents in SwiftStore, against the real Swift.

No S3 operation stores documents yet (``?tagging``, ``?cors``... will); this
drives ``SwiftStore`` directly as the gateway does, with its service identity.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.storage import errors as store
from gateway.swift.buckets import DOCUMENTS_CONTAINER
from gateway.swift.store import SwiftStore

from tests.integration.conftest import GatewayEnv
from tests.integration.store_support import swift_store_of


@pytest.fixture
async def swift_store(gateway_env: GatewayEnv) -> AsyncIterator[SwiftStore]:
    async with swift_store_of(gateway_env) as backend:
        yield backend


async def test_documents_round_trip_and_go_with_their_bucket(
        swift_store: SwiftStore, s3_client: Any, gateway_env: GatewayEnv) -> None:
    account, name = gateway_env.account, f"docs-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    policy = b'{"Version": "2012-10-17", "Statement": []}' + b" " * 20_000  # > Swift's metadata
    assert await swift_store.get_bucket_document(account, name, "policy") is None
    await swift_store.put_bucket_document(account, name, "policy", policy)
    await swift_store.put_bucket_document(account, name, "tagging", b"<Tagging/>")
    assert await swift_store.get_bucket_document(account, name, "policy") == policy
    await swift_store.delete_bucket_document(account, name, "tagging")
    await swift_store.delete_bucket_document(account, name, "tagging")  # absent: no error
    assert await swift_store.get_bucket_document(account, name, "tagging") is None

    listed = [b["Name"] for b in s3_client.list_buckets()["Buckets"]]
    assert name in listed and DOCUMENTS_CONTAINER not in listed

    s3_client.delete_bucket(Bucket=name)
    s3_client.create_bucket(Bucket=name)  # the same name starts bare, as on S3
    try:
        assert await swift_store.get_bucket_document(account, name, "policy") is None
    finally:
        s3_client.delete_bucket(Bucket=name)


async def test_documents_of_a_missing_bucket(swift_store: SwiftStore,
                                             gateway_env: GatewayEnv) -> None:
    account, name = gateway_env.account, f"absent-{uuid.uuid4().hex[:12]}"
    with pytest.raises(store.BucketNotFound):
        await swift_store.get_bucket_document(account, name, "cors")
    with pytest.raises(store.BucketNotFound):
        await swift_store.put_bucket_document(account, name, "cors", b"<CORSConfiguration/>")
    with pytest.raises(store.BucketNotFound):
        await swift_store.delete_bucket_document(account, name, "cors")
