"""DeleteObjects on a connection kept alive: Quiet mode too, and clients that hang up.

This module's gateway (``eager_gateway``, shared) sends its keep-alive spaces as often as it can
(``complete_keepalive_seconds = 0``: every 50 ms), so a 200-key delete (each key
a Swift DELETE, several ms even on an idle machine) always outlasts one interval.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration import rawhttp
from tests.integration.conftest import DevProcess, s3_client_of
from tests.integration.s3_support import eventually, md5_header
from tests.integration.test_delete_objects import delete_body, keys_of


@pytest.fixture(scope="module")
def eager_dev(eager_gateway: DevProcess) -> DevProcess:
    """The session's gateway with ``complete_keepalive_seconds = 0`` (conftest)."""
    return eager_gateway


@pytest.fixture
def eager_bucket(eager_dev: DevProcess) -> Iterator[tuple[Any, str]]:
    s3 = s3_client_of(eager_dev.env)
    name = f"ka-{time.monotonic_ns()}"
    s3.create_bucket(Bucket=name)
    yield s3, name
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def _delete_request(env: Any, bucket: str, body: bytes) -> bytes:
    """The raw request for ``POST /bucket?delete``, signed by botocore."""
    path = f"/{bucket}?delete"
    headers = rawhttp.sign_v4("POST", env.endpoint + path, env.access_key, env.secret_key,
                              env.region, headers=md5_header(body), body=body)
    headers.update({"Content-Length": str(len(body)), "Host": f"127.0.0.1:{env.port}"})
    return rawhttp.raw_head("POST", path, headers) + body


def test_quiet_mode_sends_keepalive_spaces(eager_dev: DevProcess,
                                           eager_bucket: tuple[Any, str]) -> None:
    s3, bucket = eager_bucket
    s3.put_object(Bucket=bucket, Key="k0001", Body=b"x")
    keys = [f"k{i:04d}" for i in range(200)]
    body = delete_body(*keys, quiet=True)
    resp = rawhttp.send(eager_dev.env, "POST", f"/{bucket}?delete", body=body,
                        headers=md5_header(body))
    assert resp.status_code == 200
    opening, _, rest = resp.content.partition(b">\n")[2].partition(b">")
    assert opening.startswith(b"<DeleteResult")
    assert rest.endswith(b"</DeleteResult>") and rest[:-len(b"</DeleteResult>")].strip() == b""
    assert b" " in rest, "no keep-alive space while the keys were deleted"
    assert keys_of(s3, bucket) == []


def test_client_hanging_up_is_no_internal_error(eager_dev: DevProcess,
                                               eager_bucket: tuple[Any, str]) -> None:
    s3, bucket = eager_bucket
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    keys = ["a", "b"] + [f"absent{i:04d}" for i in range(198)]
    logged_before = len(eager_dev.stderr())  # the gateway is shared: read what follows
    with rawhttp.open_socket(eager_dev.env) as sock:
        sock.sendall(_delete_request(eager_dev.env, bucket, delete_body(*keys, quiet=True)))
        assert rawhttp.read_response_head(sock).startswith(b"HTTP/1.1 200")
    # The deletes still finish, and the gateway notes the hang-up without a traceback.
    deadline = time.monotonic() + 60
    log = ""
    while time.monotonic() < deadline:
        log = eager_dev.stderr()[logged_before:]
        if "client went away" in log or "Traceback" in log:
            break
        time.sleep(0.1)
    assert "client went away" in log and "Traceback" not in log, log[-3000:]
    assert "InternalError" not in log
    # That line is written when the hang-up is seen, before the deletes end: wait for them.
    assert eventually(lambda: keys_of(s3, bucket), lambda keys: keys == []) == []
