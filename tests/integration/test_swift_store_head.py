"""``SwiftStore.head_object`` with read options: the conditions and part number
``get_object`` honours, against the real Swift (no S3 operation passes them yet)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.storage import errors as store
from gateway.storage.records import ReadOptions
from gateway.swift.store import SwiftStore
from tests.integration.conftest import GatewayEnv
from tests.integration.store_support import swift_store_of

PART = 5 * 1024 * 1024


@pytest.fixture
async def swift_store(gateway_env: GatewayEnv) -> AsyncIterator[SwiftStore]:
    async with swift_store_of(gateway_env) as backend:
        yield backend


async def test_head_object_honours_conditions_and_part_number(
        swift_store: SwiftStore, s3_client: Any, bucket: str,
        gateway_env: GatewayEnv) -> None:
    account = gateway_env.account
    s3_client.put_object(Bucket=bucket, Key="plain", Body=b"hello")
    etag = hashlib.md5(b"hello").hexdigest()
    upload = s3_client.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = []
    for number, data in ((1, b"a" * PART), (2, b"b" * 3)):
        sent = s3_client.upload_part(Bucket=bucket, Key="mp", UploadId=upload,
                                     PartNumber=number, Body=data)
        parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    s3_client.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload,
                                        MultipartUpload={"Parts": parts})

    assert (await swift_store.head_object(account, bucket, "plain")).etag == etag
    matched = await swift_store.head_object(account, bucket, "plain",
                                            ReadOptions(if_match=f'W/"{etag}"'))
    assert (matched.etag, matched.size) == (etag, 5)
    with pytest.raises(store.PreconditionFailed):
        await swift_store.head_object(account, bucket, "plain", ReadOptions(if_match='"x"'))
    with pytest.raises(store.NotModified):
        await swift_store.head_object(account, bucket, "plain",
                                      ReadOptions(if_none_match=etag))
    with pytest.raises(store.NotModified):
        await swift_store.head_object(
            account, bucket, "plain",
            ReadOptions(if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT"))

    second = await swift_store.head_object(account, bucket, "mp", ReadOptions(part_number=2))
    assert (second.size, second.parts_count) == (3, 2)
    single = await swift_store.head_object(account, bucket, "plain", ReadOptions(part_number=1))
    assert (single.size, single.parts_count) == (5, None)  # no PartsCount: not multipart
    with pytest.raises(store.PartNumberNotSatisfiable):
        await swift_store.head_object(account, bucket, "mp", ReadOptions(part_number=3))
    with pytest.raises(store.ObjectNotFound):
        await swift_store.head_object(account, bucket, "absent", ReadOptions(if_match="*"))
