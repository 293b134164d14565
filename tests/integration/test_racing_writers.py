"""Writers racing on one key leave no segment behind.

Every segment in ``<bucket>+segments`` belongs to the live object or to an
upload still in progress; everything else is removed by the write (or delete)
that made it unreachable, including writes that landed concurrently.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.s3_support import eventually, markers, segments

WRITERS = 12  # half Completes, half plain PUTs


def _prepared_uploads(s3: Any, bucket: str, key: str, count: int) -> list[tuple[str, list]]:
    """``count`` uploads of ``key`` with two parts each, ready to complete."""
    prepared = []
    for index in range(count):
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        parts = []
        for number, body in ((1, b"a" * (5 * 1024 * 1024)), (2, f"tail {index}".encode())):
            etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id,
                                  PartNumber=number, Body=body)["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        prepared.append((upload_id, parts))
    return prepared


def _race(s3: Any, bucket: str, key: str, prepared: list[tuple[str, list]],
          plain_writers: int) -> None:
    """Complete every prepared upload and PUT ``plain_writers`` objects, all at once."""
    start = threading.Barrier(len(prepared) + plain_writers)

    def complete(upload: tuple[str, list]) -> None:
        start.wait(timeout=60)
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload[0],
                                     MultipartUpload={"Parts": upload[1]})

    def put(index: int) -> None:
        start.wait(timeout=60)
        s3.put_object(Bucket=bucket, Key=key, Body=f"plain {index}".encode())

    with ThreadPoolExecutor(len(prepared) + plain_writers) as pool:
        futures = [pool.submit(complete, u) for u in prepared]
        futures += [pool.submit(put, i) for i in range(plain_writers)]
        for future in futures:
            future.result()


def test_racing_completes_and_puts_leave_only_the_winner(s3_client: Any, bucket: str,
                                                         swift_conn: Any) -> None:
    s3 = s3_client
    prepared = _prepared_uploads(s3, bucket, "raced", WRITERS // 2)
    _race(s3, bucket, "raced", prepared, WRITERS - WRITERS // 2)
    assert markers(swift_conn, bucket) == []
    head = s3.head_object(Bucket=bucket, Key="raced")
    if "-" in head["ETag"]:  # a Complete won: exactly its two segments remain

        def settled(left: list[str]) -> bool:
            return len({name.split("/")[1] for name in left}) == 1 and len(left) == 2
    else:

        def settled(left: list[str]) -> bool:
            return left == []
    left = eventually(lambda: segments(swift_conn, bucket), settled)  # the sweeps ran
    assert settled(left), left
    s3.delete_object(Bucket=bucket, Key="raced")
    assert eventually(lambda: segments(swift_conn, bucket), [].__eq__) == []


def test_racing_completes_keep_uploads_in_progress(s3_client: Any, bucket: str,
                                                   swift_conn: Any) -> None:
    """A writer's cleanup never takes the parts of an upload not completed yet."""
    s3 = s3_client
    waiting_id, waiting_parts = _prepared_uploads(s3, bucket, "raced", 1)[0]
    prepared = _prepared_uploads(s3, bucket, "raced", WRITERS // 2)
    _race(s3, bucket, "raced", prepared, WRITERS // 2)
    head = s3.head_object(Bucket=bucket, Key="raced")
    winners = 1 if "-" in head["ETag"] else 0  # a Complete won: its segments stay

    def owners() -> set[str]:
        return {name.split("/")[1] for name in segments(swift_conn, bucket)}

    left = eventually(owners, lambda found: len(found) == 1 + winners)  # the sweeps ran
    assert waiting_id in left and len(left) == 1 + winners, left
    assert segments(swift_conn, bucket, f"raced/{waiting_id}/") == [
        f"raced/{waiting_id}/00001", f"raced/{waiting_id}/00002"]
    s3.complete_multipart_upload(Bucket=bucket, Key="raced", UploadId=waiting_id,
                                 MultipartUpload={"Parts": waiting_parts})
    assert eventually(owners, {waiting_id}.__eq__) == {waiting_id}
    s3.delete_object(Bucket=bucket, Key="raced")
    assert eventually(lambda: segments(swift_conn, bucket), [].__eq__) == []
    assert markers(swift_conn, bucket) == []
