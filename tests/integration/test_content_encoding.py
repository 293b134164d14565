"""Content-Encoding with ``aws-chunked``: S3 stores and returns it without
``aws-chunked`` wherever it stands in the list (no coding left: no Content-Encoding),
whether or not the body is framed aws-chunked; PutObject and CreateMultipartUpload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration import rawhttp
from tests.integration.s3_support import one_part_upload
from tests.integration.test_streaming_uploads import SIGNED, streaming_put

CASES = [("gzip, aws-chunked", "gzip"), ("aws-chunked, gzip", "gzip"),
         ("aws-chunked,gzip,br", "gzip, br"), ("aws-chunked", None), ("gzip", "gzip")]


def returned_encoding(s3_client: Any, bucket: str, key: str) -> str | None:
    head = s3_client.head_object(Bucket=bucket, Key=key)
    got = s3_client.get_object(Bucket=bucket, Key=key)
    got["Body"].read()
    assert head.get("ContentEncoding") == got.get("ContentEncoding")
    return head.get("ContentEncoding")


@pytest.mark.parametrize(("sent", "stored"), CASES)
def test_put_object_with_a_plain_body(gateway_env: Any, s3_client: Any, swift_conn: Any,
                                      bucket: str, sent: str, stored: str | None) -> None:
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/plain", body=b"not really gzip",
                        headers={"Content-Encoding": sent})
    assert resp.status_code == 200, resp.text
    assert returned_encoding(s3_client, bucket, "plain") == stored
    headers, body = swift_conn.get_object(bucket, "plain")
    assert (headers.get("content-encoding"), body) == (stored, b"not really gzip")


@pytest.mark.parametrize(("sent", "stored"), CASES)
def test_put_object_with_an_aws_chunked_body(gateway_env: Any, s3_client: Any, bucket: str,
                                             sent: str, stored: str | None) -> None:
    resp = streaming_put(gateway_env, bucket, "framed", SIGNED, [b"not really gzip"],
                         encoding=sent)
    assert resp.status_code == 200, resp.text
    assert returned_encoding(s3_client, bucket, "framed") == stored
    assert s3_client.get_object(Bucket=bucket, Key="framed")["Body"].read() == \
        b"not really gzip"


@pytest.mark.parametrize(("sent", "stored"), CASES[:2] + CASES[3:4])
def test_create_multipart_upload(s3_client: Any, bucket: str, sent: str,
                                 stored: str | None) -> None:
    one_part_upload(s3_client, bucket, "mp", b"part", ContentEncoding=sent)
    assert returned_encoding(s3_client, bucket, "mp") == stored
