"""Signatures through real clients: SigV4 and SigV2, header and presigned, and refusals."""

from __future__ import annotations

import datetime
import time
from typing import Any
from unittest import mock

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration import rawhttp


def client(env: Any, **overrides: Any) -> Any:
    options = {"endpoint_url": env.endpoint, "aws_access_key_id": env.access_key,
               "aws_secret_access_key": env.secret_key, "region_name": env.region}
    options.update(overrides)
    return boto3.client("s3", **options)


@pytest.mark.parametrize("version, marker", [("s3v4", "X-Amz-Signature="),
                                             ("s3", "AWSAccessKeyId=")])
def test_presigned_get_and_put_by_plain_http(gateway_env: Any, bucket: str, version: str,
                                             marker: str) -> None:
    signer = client(gateway_env, config=Config(signature_version=version))
    put_url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "pre sign+d"}, ExpiresIn=300)
    assert marker in put_url
    assert requests.put(put_url, data=b"via presigned put", timeout=30).status_code == 200
    get_url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "pre sign+d"}, ExpiresIn=300)
    resp = requests.get(get_url, timeout=30)
    assert resp.status_code == 200
    assert resp.content == b"via presigned put"


def test_sigv2_header_and_presigned(gateway_env: Any, bucket: str) -> None:
    v2 = client(gateway_env, config=Config(signature_version="s3"))
    v2.put_object(Bucket=bucket, Key="v2 key", Body=b"v2 body", Metadata={"m": "1"})
    assert v2.get_object(Bucket=bucket, Key="v2 key")["Body"].read() == b"v2 body"
    assert [o["Key"] for o in v2.list_objects(Bucket=bucket)["Contents"]] == ["v2 key"]
    url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2 key"},
                                    ExpiresIn=300)
    assert "Signature=" in url and "AWSAccessKeyId=" in url
    assert requests.get(url, timeout=30).content == b"v2 body"


def test_wrong_secret_is_signature_does_not_match(gateway_env: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client(gateway_env, aws_secret_access_key="not-the-secret").list_buckets()
    error = exc.value.response["Error"]
    assert error["Code"] == "SignatureDoesNotMatch"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert error["AWSAccessKeyId"] == gateway_env.access_key


def test_wrong_signature_v2(gateway_env: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client(gateway_env, aws_secret_access_key="nope",
               config=Config(signature_version="s3")).list_buckets()
    assert exc.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_unknown_access_key(gateway_env: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client(gateway_env, aws_access_key_id="AKIDONTEXIST").list_buckets()
    assert exc.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_tampered_presigned_url(gateway_env: Any, s3_client: Any, bucket: str,
                                version: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a", Body=b"a")
    s3_client.put_object(Bucket=bucket, Key="b", Body=b"b")
    signer = client(gateway_env, config=Config(signature_version=version))
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a"})
    resp = requests.get(url.replace(f"/{bucket}/a?", f"/{bucket}/b?"), timeout=30)
    assert resp.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in resp.text


def test_expired_presigned_url(s3_client: Any, bucket: str, gateway_env: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="e", Body=b"e")
    # Signed ten minutes ago for sixty seconds: expired now, without waiting for it.
    # botocore signs with its CRT signer when awscrt is installed: patch both clocks.
    def ten_minutes_ago(remove_tzinfo: bool = True) -> datetime.datetime:
        moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        return moment.replace(tzinfo=None) if remove_tzinfo else moment

    v4 = client(gateway_env, config=Config(signature_version="s3v4"))
    with mock.patch("botocore.auth.get_current_datetime", side_effect=ten_minutes_ago), \
            mock.patch("botocore.crt.auth.get_current_datetime", side_effect=ten_minutes_ago):
        url = v4.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "e"}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    v2 = client(gateway_env, config=Config(signature_version="s3"))
    with mock.patch("botocore.auth.time.time", return_value=time.time() - 600):
        v2url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "e"},
                                          ExpiresIn=60)
    for expired in (url, v2url):
        resp = requests.get(expired, timeout=30)
        assert resp.status_code == 403
        assert "<Code>AccessDenied</Code>" in resp.text
        assert "expired" in resp.text


def test_presign_longer_than_seven_days_is_refused(gateway_env: Any, bucket: str) -> None:
    # botocore silently falls back to SigV2 (which has no cap) past 7 days unless told.
    v4 = client(gateway_env, config=Config(signature_version="s3v4"))
    url = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "x"},
                                           ExpiresIn=7 * 24 * 3600 + 1)
    resp = requests.get(url, timeout=30)
    assert resp.status_code in (400, 403)
    assert "<Code>AuthorizationQueryParametersError</Code>" in resp.text


def test_skewed_clock(gateway_env: Any) -> None:
    skewed = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) \
        - datetime.timedelta(minutes=20)
    resp = rawhttp.send(gateway_env, "GET", "/", when=skewed)
    assert resp.status_code == 403
    assert "<Code>RequestTimeTooSkewed</Code>" in resp.text
    assert "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>" in resp.text
    assert "<RequestTime>" in resp.text and "<ServerTime>" in resp.text


def test_anonymous_request_is_denied(gateway_env: Any, bucket: str) -> None:
    for url in (gateway_env.endpoint + "/", f"{gateway_env.endpoint}/{bucket}",
                f"{gateway_env.endpoint}/{bucket}/key"):
        resp = requests.get(url, timeout=30)
        assert resp.status_code == 403
        assert "<Code>AccessDenied</Code>" in resp.text
        assert resp.headers["x-amz-request-id"] in resp.text


def test_new_credential_works_at_once_and_accounts_are_isolated(
        gateway_env: Any, make_credential: Any, s3_client: Any, bucket: str) -> None:
    access, secret, account = make_credential()
    other = client(gateway_env, aws_access_key_id=access, aws_secret_access_key=secret)
    other.create_bucket(Bucket="private-to-other")
    other.put_object(Bucket="private-to-other", Key="k", Body=b"theirs")
    assert [b["Name"] for b in other.list_buckets()["Buckets"]] == ["private-to-other"]
    assert "private-to-other" not in [b["Name"] for b in s3_client.list_buckets()["Buckets"]]
    # One namespace of bucket names: another's bucket is there, and not yours.
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket="private-to-other", Key="k")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        other.get_object(Bucket=bucket, Key="anything")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
