"""``SwiftStore.copy_object`` against the real Swift: the Swift requests a copy
costs (no more than before it moved behind the store) and the state it keeps."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.swift.multipart_layout import segments_container
from gateway.storage import errors as store
from gateway.storage.records import CopySpec, NewObject
from gateway.swift.store import SwiftStore
from tests.integration.conftest import GatewayEnv
from tests.integration.store_support import CountingClient, sent, swift_store_of

PART = 5 * 1024 * 1024


@pytest.fixture
async def swift_store(gateway_env: GatewayEnv) -> AsyncIterator[SwiftStore]:
    async with swift_store_of(gateway_env, CountingClient) as backend:
        yield backend


async def test_a_copy_in_a_bucket_without_multipart_objects_is_one_put(
        swift_store: SwiftStore, s3_client: Any, bucket: str,
        gateway_env: GatewayEnv) -> None:
    account = gateway_env.account
    s3_client.put_object(Bucket=bucket, Key="src", Body=b"data", Metadata={"a": "1"})
    source = await swift_store.head_object(account, bucket, "src")
    assert sent(swift_store) == [("HEAD", bucket, "src")]
    result = await swift_store.copy_object(account, bucket, "dst", CopySpec(bucket, source))
    # The copy PUT, and whether the bucket may hold multipart objects (looked up meanwhile).
    assert sorted(sent(swift_store)) == [("HEAD", segments_container(bucket), None),
                                         ("PUT", bucket, "dst")]
    assert result.etag == hashlib.md5(b"data").hexdigest()
    copied = await swift_store.head_object(account, bucket, "dst")
    assert (copied.etag, copied.user_metadata) == (result.etag, {"a": "1"})

    with pytest.raises(store.BucketNotFound):
        await swift_store.copy_object(account, "no-such-bucket-here", "dst",
                                      CopySpec(bucket, source))
    s3_client.put_object(Bucket=bucket, Key="src", Body=b"changed")
    with pytest.raises(store.PreconditionFailed):  # pinned to the bytes it read
        await swift_store.copy_object(account, bucket, "dst", CopySpec(bucket, source))
    s3_client.delete_object(Bucket=bucket, Key="src")
    with pytest.raises(store.ObjectNotFound) as gone:
        await swift_store.copy_object(account, bucket, "dst", CopySpec(bucket, source))
    assert gone.value.key == "src"


async def test_a_multipart_object_copied_onto_itself_is_one_put_and_stays_itself(
        swift_store: SwiftStore, s3_client: Any, bucket: str,
        gateway_env: GatewayEnv) -> None:
    account = gateway_env.account
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = []
    for number, data in ((1, b"a" * PART), (2, b"b" * 3)):
        answer = s3_client.upload_part(Bucket=bucket, Key="mp", UploadId=upload,
                                       PartNumber=number, Body=data)
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    etag = s3_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload,
        MultipartUpload={"Parts": parts})["ETag"].strip('"')
    source = await swift_store.head_object(account, bucket, "mp")
    sent(swift_store)
    result = await swift_store.copy_object(
        account, bucket, "mp", CopySpec(bucket, source, NewObject(user_metadata={"n": "1"})))
    assert sent(swift_store) == [("PUT", bucket, "mp")]  # nothing replaced: no sweep
    assert result.etag == etag
    after = await swift_store.head_object(account, bucket, "mp")
    assert (after.etag, after.upload_id, after.user_metadata) == (etag, upload, {"n": "1"})
    got = s3_client.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert (got["PartsCount"], got["Body"].read()) == (2, b"b" * 3)
