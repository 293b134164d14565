"""Small S3 helpers shared by the integration modules: error codes and request headers."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

T = TypeVar("T")


def error_of(exc_info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    """The S3 error code and HTTP status of a boto3 ``ClientError``."""
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def error_message_of(exc_info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """The S3 error code and message of a boto3 ``ClientError``."""
    error = exc_info.value.response["Error"]
    return error["Code"], error.get("Message", "")


def md5_header(body: bytes) -> dict[str, str]:
    """The ``Content-MD5`` header S3 requires on some requests (DeleteObjects)."""
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def split(data: bytes, size: int) -> list[bytes]:
    """``data`` in ``size``-byte pieces (the last one shorter): the parts of an upload."""
    return [data[i:i + size] for i in range(0, len(data), size)]


def mp_etag(chunks: list[bytes]) -> str:
    """S3's quoted ETag of a multipart object made of ``chunks``: ``"<md5 of md5s>-N"``."""
    digests = b"".join(hashlib.md5(c).digest() for c in chunks)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(chunks)}"'


def swift_names(swift_conn: Any, container: str) -> list[str]:
    """The object names of a Swift container (its first listing page), sorted."""
    return sorted(o["name"] for o in swift_conn.get_container(container)[1])


def segments(swift_conn: Any, bucket: str, prefix: str = "") -> list[str]:
    """The names in the bucket's ``+segments`` container (the parts of its uploads)."""
    try:
        _, listing = swift_conn.get_container(bucket + "+segments", prefix=prefix,
                                              full_listing=True)
    except Exception:  # the container was never created
        return []
    return [entry["name"] for entry in listing]


def markers(swift_conn: Any, bucket: str) -> list[str]:
    """The names in the bucket's ``+uploads`` container (its uploads in progress)."""
    try:
        _, listing = swift_conn.get_container(bucket + "+uploads", full_listing=True)
    except Exception:
        return []
    return [entry["name"] for entry in listing]


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 60.0) -> T:
    """``read()`` as soon as ``done`` holds for it, else its value at ``timeout`` (for the
    caller's assertion to show). For what the gateway does after it answered: the
    segment sweep after a write or delete (``gateway.swift.background``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def wait_for_swift_request(env: Any, method: str, container: str, obj: str,
                           timeout: float = 60.0) -> str:
    """The embedded proxy's log line of ``method /v1/<account>/<container>/<obj>``,
    once Swift has finished that request (the proxy logs a request when it ends);
    fails after ``timeout`` seconds. Lets a test wait for an event, not for time."""
    log = Path(env.data_dir) / "swift" / "log" / "proxy-server.log"
    needle = f" {method} /v1/{env.swift_account}/{quote(container)}/{quote(obj)} "
    deadline = time.monotonic() + timeout
    while True:
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                if needle in line:
                    return line
        if time.monotonic() > deadline:
            pytest.fail(f"Swift never finished {method} {container}/{obj}")
        time.sleep(0.05)


def bucket_heads(env: Any, bucket: str) -> int:
    """How many HEADs of container ``bucket`` clients of the proxy sent so far (the
    proxy's own subrequests, logged with no client address, left out)."""
    log = Path(env.data_dir) / "swift" / "log" / "proxy-server.log"
    head = re.compile(rf" HEAD /v1/{env.swift_account}/{re.escape(quote(bucket))}( |%3F)")
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return sum(1 for line in lines if head.search(line) and "proxy-server: - -" not in line)


def one_part_upload(s3_client: Any, bucket: str, key: str, body: bytes,
                    **create: Any) -> None:
    """A multipart object of one part (``create``: CreateMultipartUpload's arguments,
    e.g. ``Metadata`` or ``ContentEncoding``), completed."""
    upload_id = s3_client.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    part = s3_client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                                 Body=body)
    s3_client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
