"""AbortMultipartUpload racing parts still being stored: no part outlives the upload.

The gateway keeps one HEAD of the upload marker per settle period instead of
one per part (``gateway.swift.upload_markers``: ``UploadAt.part_needs_open_check``);
these tests check, in Swift directly, that every ordering of a part's commit
and an Abort still ends with no segment of the aborted upload.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.s3_support import error_of, markers, segments

MIB = 1024 * 1024


def _start_raw_part(env: Any, bucket: str, key: str, upload_id: str, number: int,
                    size: int) -> Any:
    """Open an UploadPart by hand and send its head and half its body; returns the socket."""
    path = f"/{bucket}/{quote(key)}?partNumber={number}&uploadId={quote(upload_id, safe='')}"
    headers = rawhttp.sign_v4("PUT", env.endpoint + path, env.access_key, env.secret_key,
                              env.region, payload_hash=rawhttp.UNSIGNED)
    headers.update({"Content-Length": str(size), "Host": f"127.0.0.1:{env.port}"})
    sock = rawhttp.open_socket(env)
    sock.sendall(rawhttp.raw_head("PUT", path, headers))
    sock.sendall(b"p" * (size // 2))
    return sock


def _finish_raw_part(sock: Any, size: int) -> int:
    """Send the rest of the body; the response status."""
    with sock:
        sock.sendall(b"p" * (size - size // 2))
        head = rawhttp.read_response_head(sock)
    return int(head.split(b" ", 2)[1])


def test_part_finishing_after_abort_is_refused_and_removed(
        gateway_env: Any, s3_client: Any, bucket: str, swift_conn: Any) -> None:
    s3 = s3_client
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="late")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="late", UploadId=upload_id, PartNumber=1, Body=b"1")
    sock = _start_raw_part(gateway_env, bucket, "late", upload_id, 2, 2 * MIB)
    s3.abort_multipart_upload(Bucket=bucket, Key="late", UploadId=upload_id)
    # The Abort has returned while part 2 is mid-body: its commit comes after the
    # Abort's listing, so the part must find the marker gone and remove itself.
    assert _finish_raw_part(sock, 2 * MIB) == 404
    assert segments(swift_conn, bucket, f"late/{upload_id}/") == []
    assert markers(swift_conn, bucket) == []


def test_part_finishing_during_abort_settle_is_removed(
        gateway_env: Any, s3_client: Any, bucket: str, swift_conn: Any) -> None:
    """A part committed between the marker's deletion and the Abort's listing."""
    s3 = s3_client
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mid")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="mid", UploadId=upload_id, PartNumber=1, Body=b"1")
    sock = _start_raw_part(gateway_env, bucket, "mid", upload_id, 2, 2 * MIB)
    aborted = threading.Event()

    def abort() -> None:
        s3.abort_multipart_upload(Bucket=bucket, Key="mid", UploadId=upload_id)
        aborted.set()

    worker = threading.Thread(target=abort)
    worker.start()
    deadline = time.monotonic() + 10
    while markers(swift_conn, bucket) and time.monotonic() < deadline:
        time.sleep(0.01)  # poll until the Abort has deleted the marker
    assert markers(swift_conn, bucket) == []
    status = _finish_raw_part(sock, 2 * MIB)
    worker.join(timeout=30)
    assert aborted.is_set()
    # Stored in the settle window (200, then removed by the Abort) or refused (404):
    # either way nothing of the upload is left.
    assert status in (200, 404)
    assert segments(swift_conn, bucket, f"mid/{upload_id}/") == []


def test_parts_racing_an_abort_leave_nothing(s3_client: Any, bucket: str,
                                            swift_conn: Any) -> None:
    s3 = s3_client
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="race")["UploadId"]
    body = b"r" * MIB

    def put_part(number: int) -> str:
        try:
            s3.upload_part(Bucket=bucket, Key="race", UploadId=upload_id, PartNumber=number,
                           Body=body)
            return "stored"
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "NoSuchUpload"
            return "refused"

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(put_part, n) for n in range(1, 31)]
        while not any(f.done() for f in futures):
            time.sleep(0.01)  # abort once parts are flowing
        s3.abort_multipart_upload(Bucket=bucket, Key="race", UploadId=upload_id)
        outcomes = [f.result(timeout=60) for f in futures]
    assert "stored" in outcomes
    assert segments(swift_conn, bucket, f"race/{upload_id}/") == []
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="race", UploadId=upload_id)
    assert error_of(exc) == ("NoSuchUpload", 404)
