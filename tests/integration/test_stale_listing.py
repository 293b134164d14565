"""A container listing that still shows deleted objects (Swift's container update
queued under load) must not make the listing tests' teardown flaky.

The state is made for real: the object server gets a tombstone for the object
exactly as a DELETE writes it, but no container update, as when the container
server timed out and the update went to the object-updater's queue.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from swift.common.utils import Timestamp
from swift.obj.diskfile import read_metadata, write_metadata

from tests.integration.conftest import GatewayEnv
from tests.integration.listing_support import delete_bucket_through_swift
from tests.integration.s3_support import error_of


def _delete_without_container_update(env: GatewayEnv, bucket: str, key: str) -> None:
    """Replace the object's .data file by a newer tombstone; the listing keeps the row."""
    name = f"/{env.swift_account}/{bucket}/{key}"
    objects = env.data_dir / "swift" / "srv"
    found = [path for path in objects.rglob("*.data") if read_metadata(str(path))["name"] == name]
    assert len(found) == 1, found
    data = found[0]
    stamp = Timestamp.now().internal
    tombstone = data.with_name(f"{stamp}.ts")
    with open(tombstone, "wb") as handle:
        write_metadata(handle.fileno(), {"X-Timestamp": stamp, "name": name})
    os.unlink(data)


def test_teardown_survives_a_listing_that_lags(gateway_env: GatewayEnv, s3_client: Any,
                                               swift_conn: Any) -> None:
    bucket = f"stale-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=bucket)
    for key in ("gone", "kept/a b"):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    _delete_without_container_update(gateway_env, bucket, "gone")
    # The object is gone, Swift's listing still has it: DeleteBucket is refused.
    with pytest.raises(ClientError):
        s3_client.head_object(Bucket=bucket, Key="gone")
    listed = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == ["gone", "kept/a b"]
    with pytest.raises(ClientError) as info:
        s3_client.delete_bucket(Bucket=bucket)
    assert error_of(info) == ("BucketNotEmpty", 409)
    delete_bucket_through_swift(s3_client, swift_conn, bucket)
    with pytest.raises(ClientError) as info:
        s3_client.head_bucket(Bucket=bucket)
    assert error_of(info)[1] == 404
