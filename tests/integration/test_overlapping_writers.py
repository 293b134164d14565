"""Writers that overlap on one key: S3 promises no order between overlapping writes,
only that the object is then exactly one of them: its body, its ETag, its metadata
and content headers, never a mix. PUT against PUT, and Complete against PUT."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tests.integration.s3_support import mp_etag

ROUNDS = 4
SIZE = 1024 * 1024


@dataclass(frozen=True)
class Writer:
    """What one writer stores: every field must come back from the same writer."""

    name: str
    body: bytes
    etag: str
    content_type: str

    @property
    def metadata(self) -> dict[str, str]:
        return {"writer": self.name}


def plain(name: str, round_: int) -> Writer:
    body = f"{name} {round_} ".encode() * (SIZE // 16)
    return Writer(name, body, f'"{hashlib.md5(body).hexdigest()}"', f"text/{name}")


def at_once(*writes: Callable[[], Any]) -> None:
    """Run ``writes`` together, released by one barrier so that they overlap."""
    start = threading.Barrier(len(writes))

    def run(write: Callable[[], Any]) -> None:
        start.wait(timeout=60)
        write()

    with ThreadPoolExecutor(len(writes)) as pool:
        for future in [pool.submit(run, write) for write in writes]:
            future.result()


def assert_exactly_one_of(s3: Any, bucket: str, key: str, writers: list[Writer]) -> Writer:
    got = s3.get_object(Bucket=bucket, Key=key)
    body = got["Body"].read()
    [winner] = [w for w in writers if w.body == body]
    assert got["ETag"] == winner.etag
    assert got["Metadata"] == winner.metadata
    assert got["ContentType"] == winner.content_type
    assert got["ContentLength"] == len(winner.body)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert (head["ETag"], head["Metadata"]) == (winner.etag, winner.metadata)
    [listed] = s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]
    assert (listed["ETag"], listed["Size"]) == (winner.etag, len(winner.body))
    return winner


def put(s3: Any, bucket: str, key: str, writer: Writer) -> Callable[[], Any]:
    return lambda: s3.put_object(Bucket=bucket, Key=key, Body=writer.body,
                                 Metadata=writer.metadata, ContentType=writer.content_type)


def test_overlapping_puts_leave_exactly_one(s3_client: Any, bucket: str) -> None:
    for round_ in range(ROUNDS):
        key = f"put-put-{round_}"
        writers = [plain("a", round_), plain("b", round_)]
        at_once(*(put(s3_client, bucket, key, w) for w in writers))
        assert_exactly_one_of(s3_client, bucket, key, writers)


def test_complete_overlapping_a_put_leaves_exactly_one(s3_client: Any, bucket: str) -> None:
    for round_ in range(ROUNDS):
        key = f"complete-put-{round_}"
        uploaded = plain("mp", round_)
        upload_id = s3_client.create_multipart_upload(
            Bucket=bucket, Key=key, Metadata=uploaded.metadata,
            ContentType=uploaded.content_type)["UploadId"]
        part = s3_client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id,
                                     PartNumber=1, Body=uploaded.body)
        multipart = Writer("mp", uploaded.body, mp_etag([uploaded.body]),
                           uploaded.content_type)
        other = plain("put", round_)

        def complete() -> None:
            s3_client.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})

        at_once(complete, put(s3_client, bucket, key, other))
        winner = assert_exactly_one_of(s3_client, bucket, key, [multipart, other])
        parts = s3_client.head_object(Bucket=bucket, Key=key, PartNumber=1)
        assert parts.get("PartsCount") == (1 if winner is multipart else None)
