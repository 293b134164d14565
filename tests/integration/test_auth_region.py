"""SigV4 is valid for the configured region only, as on S3, header and presigned alike.

S3 answers AuthorizationHeaderMalformed (header) or AuthorizationQueryParametersError
(presigned URL), naming the region it expects in ``<Region>``; SigV2 has no region.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from lxml import etree

from tests.integration import rawhttp
from tests.integration.conftest import DevProcess, s3_client_of


def client_in(env: Any, region: str, **config: Any) -> Any:
    return boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=env.access_key,
                        aws_secret_access_key=env.secret_key, region_name=region,
                        config=Config(**config) if config else None)


def error_root(resp: requests.Response, code: str) -> etree._Element:
    assert resp.status_code == 400, resp.text
    root = etree.fromstring(resp.content)
    assert root.findtext("Code") == code
    assert root.findtext("RequestId") == resp.headers["x-amz-request-id"]
    return root


def test_header_signed_for_another_region_stores_nothing(gateway_env: Any, swift_conn: Any,
                                                         bucket: str) -> None:
    url = f"{gateway_env.endpoint}/{bucket}/k"
    headers = rawhttp.sign_v4("PUT", url, gateway_env.access_key, gateway_env.secret_key,
                              "us-west-2", body=b"data")
    resp = requests.put(url, data=b"data", headers=headers, timeout=30)
    root = error_root(resp, "AuthorizationHeaderMalformed")
    assert root.findtext("Message") == (
        "The authorization header is malformed; the region 'us-west-2' is wrong; "
        f"expecting '{gateway_env.region}'")
    assert root.findtext("Region") == gateway_env.region
    assert swift_conn.get_container(bucket)[1] == []


def test_boto3_in_another_region_is_refused(gateway_env: Any) -> None:
    with pytest.raises(ClientError) as info:
        client_in(gateway_env, "eu-west-1").list_buckets()
    error = info.value.response["Error"]
    assert error["Code"] == "AuthorizationHeaderMalformed"
    assert error["Region"] == gateway_env.region


def test_presigned_for_another_region(gateway_env: Any, s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"data")
    signer = client_in(gateway_env, "ap-southeast-2", signature_version="s3v4")
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"},
                                        ExpiresIn=300)
    assert "ap-southeast-2" in url
    root = error_root(requests.get(url, timeout=30), "AuthorizationQueryParametersError")
    assert root.findtext("Message") == (
        "Error parsing the X-Amz-Credential parameter; the region 'ap-southeast-2' is "
        f"wrong; expecting '{gateway_env.region}'")
    assert root.findtext("Region") == gateway_env.region


def test_sigv2_needs_no_region(gateway_env: Any, bucket: str) -> None:
    v2 = client_in(gateway_env, "eu-west-1", signature_version="s3")
    v2.put_object(Bucket=bucket, Key="v2", Body=b"v2")
    assert v2.get_object(Bucket=bucket, Key="v2")["Body"].read() == b"v2"


def test_configured_region_is_the_one_accepted(eu_gateway: DevProcess) -> None:
    assert eu_gateway.env.region == "eu-central-1"
    s3_client_of(eu_gateway.env).list_buckets()  # signed for eu-central-1
    with pytest.raises(ClientError) as info:
        client_in(eu_gateway.env, "us-east-1").list_buckets()
    assert info.value.response["Error"]["Code"] == "AuthorizationHeaderMalformed"
    assert info.value.response["Error"]["Region"] == "eu-central-1"
