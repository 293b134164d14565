"""aws-cli (the PyPI release, botocore underneath) against the gateway: object commands."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest



@pytest.fixture
def aws(aws_cli: Any) -> Any:
    return aws_cli


def test_s3_cp_up_and_down(aws: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "upload.bin"
    payload = os.urandom(3 * 1024 * 1024 + 7)
    source.write_bytes(payload)
    aws("s3", "cp", str(source), f"s3://{bucket}/dir/upload.bin")
    listing = aws("s3", "ls", f"s3://{bucket}/dir/").stdout
    assert "upload.bin" in listing and str(len(payload)) in listing
    target = tmp_path / "download.bin"
    aws("s3", "cp", f"s3://{bucket}/dir/upload.bin", str(target))
    assert target.read_bytes() == payload
    aws("s3", "rm", f"s3://{bucket}/dir/upload.bin")
    assert "upload.bin" not in aws("s3", "ls", f"s3://{bucket}/dir/", check=False).stdout


def test_s3api_object_commands(aws: Any, bucket: str, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_bytes(b"s3api body")
    put = json.loads(aws("s3api", "put-object", "--bucket", bucket, "--key", "k 1",
                         "--body", str(body), "--metadata", "owner=me",
                         "--content-type", "text/plain").stdout)
    assert put["ETag"].startswith('"')
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "k 1").stdout)
    assert head["ContentLength"] == 10
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"owner": "me"}
    out = tmp_path / "out.txt"
    got = json.loads(aws("s3api", "get-object", "--bucket", bucket, "--key", "k 1",
                         "--range", "bytes=0-3", str(out)).stdout)
    assert got["ContentRange"] == "bytes 0-3/10"
    assert out.read_bytes() == b"s3ap"
    listed = json.loads(aws("s3api", "list-objects-v2", "--bucket", bucket).stdout)
    assert [o["Key"] for o in listed["Contents"]] == ["k 1"]
    aws("s3api", "delete-object", "--bucket", bucket, "--key", "k 1")
    missing = aws("s3api", "head-object", "--bucket", bucket, "--key", "k 1", check=False)
    assert missing.returncode != 0 and "404" in missing.stderr


def test_presign_command(aws: Any, s3_client: Any, bucket: str) -> None:
    import requests

    s3_client.put_object(Bucket=bucket, Key="shared", Body=b"presigned by the cli")
    url = aws("s3", "presign", f"s3://{bucket}/shared", "--expires-in", "120").stdout.strip()
    assert requests.get(url, timeout=30).content == b"presigned by the cli"
