"""Re-creating a bucket you own: 200 in us-east-1 (test_buckets.py), 409
BucketAlreadyOwnedByYou in every other region, here a gateway set to eu-central-1."""

from __future__ import annotations


import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import DevProcess, s3_client_of
from tests.integration.s3_support import error_of


def test_recreating_your_bucket_outside_us_east_1(eu_gateway: DevProcess) -> None:
    client = s3_client_of(eu_gateway.env)
    name = "recreate-eu-central-1"
    location = {"LocationConstraint": "eu-central-1"}
    client.create_bucket(Bucket=name, CreateBucketConfiguration=location)
    try:
        client.put_object(Bucket=name, Key="kept", Body=b"data")
        for again in ({"CreateBucketConfiguration": location}, {}):
            with pytest.raises(ClientError) as info:
                client.create_bucket(Bucket=name, **again)
            assert error_of(info) == ("BucketAlreadyOwnedByYou", 409)
            assert info.value.response["Error"]["BucketName"] == name
        assert client.get_object(Bucket=name, Key="kept")["Body"].read() == b"data"
    finally:
        client.delete_object(Bucket=name, Key="kept")
        client.delete_bucket(Bucket=name)
