"""ListBuckets pagination through boto3 (AWS, 2024): MaxBuckets, ContinuationToken,
Prefix and BucketRegion, and its paginator over an account of 1,000+ buckets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import swiftclient.client
from botocore.exceptions import ClientError
from swift.common.utils import Timestamp

from tests.integration.s3_support import error_message_of
from tests.integration.swift_rows import merge_account_rows

MANY = 1001  # just past the 1,000 of S3's old default quota


def client_for(env: Any, access_key: str, secret_key: str) -> Any:
    return boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, region_name=env.region)


def create_containers(swift_admin_conn: Any, account: str, names: list[str]) -> None:
    """Containers made straight in Swift (through its proxy), in parallel."""
    storage_url, token = swift_admin_conn.get_auth()
    url = f"{storage_url.rsplit('/', 1)[0]}/{account}"

    def create(chunk: list[str]) -> None:
        conn = swiftclient.client.Connection(preauthurl=url, preauthtoken=token, retries=2)
        for name in chunk:
            conn.put_container(name)
        conn.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, [names[i::8] for i in range(8)]))


def list_in_account(env: Any, account: str, names: list[str]) -> None:
    """Rows of ``account``'s container listing, written into Swift's account server
    in one ``REPLICATE`` ``merge_items`` request, as an account replicator pushes rows.

    ListBuckets reads exactly this listing; creating 1,001 real containers would
    add 1,001 container databases to what the test measures nothing of, and one
    container-update PUT per row (what a container server sends) costs seconds
    more than the one batch. The account must exist already.
    """
    stamp = Timestamp.now().internal
    merge_account_rows(Path(env.data_dir) / "swift" / "etc", account, [
        {"name": name, "put_timestamp": stamp, "delete_timestamp": "0", "object_count": 0,
         "bytes_used": 0, "deleted": 0, "storage_policy_index": 0} for name in names])


def test_paginator_walks_an_account_of_a_thousand_buckets(
        gateway_env: Any, swift_admin_conn: Any, make_credential: Any) -> None:
    access, secret, account = make_credential()
    names = [f"many-{i:05d}" for i in range(MANY)]
    # The gateway's own containers sit between buckets and take places in Swift's pages.
    hidden = [f"many-{i:05d}+segments" for i in range(0, MANY, 50)] + ["s3gw+buckets"]
    create_containers(swift_admin_conn, account, hidden)  # real ones: the account exists
    list_in_account(gateway_env, account, names)
    client = client_for(gateway_env, access, secret)

    pages = list(client.get_paginator("list_buckets").paginate(
        PaginationConfig={"PageSize": 100}))
    assert len(pages) == 11
    assert [len(page["Buckets"]) for page in pages] == [100] * 10 + [1]
    assert all("ContinuationToken" in page for page in pages[:-1])
    assert "ContinuationToken" not in pages[-1]
    walked = [b["Name"] for page in pages for b in page["Buckets"]]
    assert walked == names
    assert {b["BucketRegion"] for page in pages for b in page["Buckets"]} == \
        {gateway_env.region}

    # Unpaginated: every bucket at once, no token; a paginator without a page size too.
    whole = client.list_buckets()
    assert [b["Name"] for b in whole["Buckets"]] == names
    assert "ContinuationToken" not in whole
    default = list(client.get_paginator("list_buckets").paginate())
    assert [b["Name"] for page in default for b in page["Buckets"]] == names


def test_max_buckets_prefix_and_region(gateway_env: Any, make_credential: Any) -> None:
    access, secret, _ = make_credential()
    client = client_for(gateway_env, access, secret)
    names = ["pages-a-1", "pages-a-2", "pages-a-3", "pages-b-1"]
    for name in names:
        client.create_bucket(Bucket=name)
    try:
        first = client.list_buckets(MaxBuckets=1)
        assert [b["Name"] for b in first["Buckets"]] == ["pages-a-1"]
        second = client.list_buckets(MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
        assert [b["Name"] for b in second["Buckets"]] == ["pages-a-2", "pages-a-3"]
        last = client.list_buckets(MaxBuckets=2, ContinuationToken=second["ContinuationToken"])
        assert [b["Name"] for b in last["Buckets"]] == ["pages-b-1"]
        assert "ContinuationToken" not in last

        prefixed = client.list_buckets(Prefix="pages-a", MaxBuckets=2)
        assert [b["Name"] for b in prefixed["Buckets"]] == ["pages-a-1", "pages-a-2"]
        assert prefixed["Prefix"] == "pages-a" and "ContinuationToken" in prefixed
        in_region = client.list_buckets(BucketRegion=gateway_env.region, Prefix="pages-b")
        assert [(b["Name"], b["BucketRegion"]) for b in in_region["Buckets"]] == \
            [("pages-b-1", gateway_env.region)]

        with pytest.raises(ClientError) as info:
            client.list_buckets(MaxBuckets=10001)
        assert error_message_of(info) == (
            "InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000")
        with pytest.raises(ClientError) as info:
            client.list_buckets(BucketRegion="ap-south-1")
        assert error_message_of(info) == (
            "InvalidArgument", "Requests with bucket-region specified must be made to the "
            "corresponding regional endpoint")
        with pytest.raises(ClientError) as info:
            client.list_buckets(ContinuationToken="garbage")
        assert error_message_of(info) == (
            "InvalidArgument", "The continuation token provided is incorrect")
    finally:
        for name in names:
            client.delete_bucket(Bucket=name)
