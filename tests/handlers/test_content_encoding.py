"""PutObject keeps Content-Encoding without ``aws-chunked``, framed or not."""

from __future__ import annotations

import pytest

from tests.handlers.conftest import S3Client


@pytest.mark.parametrize(("sent", "stored"), [
    ("gzip, aws-chunked", "gzip"), ("aws-chunked, gzip", "gzip"), ("AWS-CHUNKED", None),
    ("aws-chunked, gzip, aws-chunked", "gzip"), ("gzip,br", "gzip,br"),
])
async def test_aws_chunked_is_no_coding_of_the_object(s3: S3Client, sent: str,
                                                      stored: str | None) -> None:
    await s3.store.create_bucket(s3.account, "b")
    put = await s3.request("PUT", "/b/k", body=b"data", headers={"Content-Encoding": sent})
    assert put.status == 200, put.body
    head = await s3.request("HEAD", "/b/k")
    assert head.headers.get("Content-Encoding") == stored
    info = await s3.store.head_object(s3.account, "b", "k")
    assert info.content_headers.get("Content-Encoding") == stored
