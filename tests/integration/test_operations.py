"""Operating the session's ``s3swift dev``: /metrics, /healthz, /readyz on the admin
listener, and the access log it writes to its standard error."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.ops_support import access_lines, get, moved, scrape, scrape_until
from tests.integration.s3_support import md5_header
from tests.integration.test_streaming_uploads import SIGNED_TRAILER, checksum, streaming_put


@pytest.fixture(scope="module")
def admin(gateway_env: Any) -> dict[str, str]:
    return gateway_env.raw["admin"]


def test_health_and_readiness_live_on_the_admin_port_only(admin: dict[str, str],
                                                          gateway_env: Any) -> None:
    assert get(admin["healthz_url"]) == (200, "ok\n")
    assert get(admin["readyz_url"]) == (200, "ready\n")
    # On the S3 port, /healthz is a bucket name like any other.
    status, text = get(f"{gateway_env.endpoint}/healthz")
    assert status == 403 and "<Code>AccessDenied</Code>" in text


def test_counters_move_by_exactly_the_requests_made(admin: dict[str, str], plain_client: Any,
                                                   bucket: str) -> None:
    body = b"x" * 1000
    before = scrape(admin["metrics_url"])
    plain_client.put_object(Bucket=bucket, Key="k", Body=body)
    assert plain_client.get_object(Bucket=bucket, Key="k")["Body"].read() == body
    with pytest.raises(ClientError):
        plain_client.head_object(Bucket=bucket, Key="missing")
    with pytest.raises(ClientError):  # a failed check: nothing stored, an aborted upload
        plain_client.put_object(Bucket=bucket, Key="bad", Body=body,
                                **{"ContentMD5": md5_header(b"other")["Content-MD5"]})
    expected = {
        's3swift_requests_total{operation="PutObject",status_class="2xx"}': 1,
        's3swift_requests_total{operation="GetObject",status_class="2xx"}': 1,
        's3swift_requests_total{operation="HeadObject",status_class="4xx"}': 1,
        's3swift_requests_total{operation="PutObject",status_class="4xx"}': 1,
    }
    after = scrape_until(admin["metrics_url"], before, expected)
    delta = moved(before, after)
    ours = ("PutObject", "GetObject", "HeadObject")
    assert {name: value for name, value in delta.items()
            if name.startswith("s3swift_requests_total")
            and any(f'"{operation}"' in name for operation in ours)} == expected
    assert delta['s3swift_request_duration_seconds_count{operation="PutObject"}'] == 2
    assert delta['s3swift_request_duration_seconds_count{operation="GetObject"}'] == 1
    assert delta['s3swift_request_body_bytes_total{operation="PutObject"}'] == 2 * len(body)
    assert delta['s3swift_response_bytes_total{operation="GetObject"}'] > len(body)
    assert delta['s3swift_aborted_uploads_total{error_code="BadDigest",operation="PutObject"}'] \
        == 1
    assert delta['s3swift_swift_request_duration_seconds_count{method="PUT"}'] >= 1
    assert delta['s3swift_swift_request_duration_seconds_count{method="GET"}'] >= 1
    assert after["s3swift_requests_in_flight"] == 0
    assert after["s3swift_swift_token_renewals_total"] >= 1  # the service token, at least


def _request_id(exc_or_response: Any) -> str:
    metadata = (exc_or_response.response if isinstance(exc_or_response, ClientError)
                else exc_or_response)["ResponseMetadata"]
    return metadata["RequestId"]


def test_access_log_has_one_line_per_request_with_its_fields(dev_process: Any, s3_client: Any,
                                                            bucket: str) -> None:
    put = s3_client.put_object(Bucket=bucket, Key="dir/a b", Body=b"12345")
    with pytest.raises(ClientError) as missing:
        s3_client.get_object(Bucket=bucket, Key="nope")
    ids = {_request_id(put), _request_id(missing.value)}
    lines = access_lines(dev_process.data_dir / "dev.stderr", ids)
    assert set(lines) == ids
    entry = lines[_request_id(put)]
    assert {key: entry[key] for key in ("access_key", "account", "operation", "bucket", "key",
                                        "status", "error_code", "remote_addr", "secure",
                                        "client_disconnected")} == {
        "access_key": dev_process.env.access_key, "account": dev_process.env.account,
        "operation": "PutObject", "bucket": bucket, "key": "dir/a b", "status": 200,
        "error_code": None, "remote_addr": "127.0.0.1", "secure": False,
        "client_disconnected": False}
    assert entry["bytes_in"] >= 5 and entry["swift_requests"] >= 1
    assert 0 < entry["swift_ms"] and 0 < entry["duration_ms"]
    assert entry["user_agent"].startswith("Boto3/")
    failed = lines[_request_id(missing.value)]
    assert (failed["operation"], failed["status"], failed["error_code"]) == (
        "GetObject", 404, "NoSuchKey")


def test_secrets_and_signatures_never_reach_the_log(dev_process: Any, gateway_env: Any,
                                                   s3_client: Any, bucket: str) -> None:
    """Header-signed (v4 and v2), presigned (v4 and v2), aws-chunked with a signed
    trailer, and a wrong signature: the lines are there, no secret nor signature is."""
    signatures: list[str] = []
    ids: set[str] = set()

    def keep_signature(request: Any, **_: Any) -> None:
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        found = re.search(r"Signature=([0-9a-f]{64})", authorization)
        if found:
            signatures.append(found.group(1))

    s3_client.meta.events.register("before-send.s3.PutObject", keep_signature)
    try:
        ids.add(_request_id(s3_client.put_object(Bucket=bucket, Key="signed", Body=b"v4")))
    finally:
        s3_client.meta.events.unregister("before-send.s3.PutObject", keep_signature)
    for version in ("s3v4", "s3"):
        client = boto3.client("s3", endpoint_url=gateway_env.endpoint,
                              aws_access_key_id=gateway_env.access_key,
                              aws_secret_access_key=gateway_env.secret_key,
                              region_name=gateway_env.region,
                              config=Config(signature_version=version))
        url = client.generate_presigned_url("get_object",
                                            Params={"Bucket": bucket, "Key": "signed"})
        signatures.append(re.search(r"Signature=([^&]+)", url).group(1))
        response = requests.get(url, timeout=30)
        assert response.status_code == 200
        ids.add(response.headers["x-amz-request-id"])
        ids.add(_request_id(client.head_object(Bucket=bucket, Key="signed")))
    chunked = streaming_put(gateway_env, bucket, "chunked", SIGNED_TRAILER, [b"a" * 70000],
                            trailer=("x-amz-checksum-crc32", checksum("CRC32", b"a" * 70000)))
    assert chunked.status_code == 200, chunked.text
    ids.add(chunked.headers["x-amz-request-id"])
    wrong = boto3.client("s3", endpoint_url=gateway_env.endpoint,
                         aws_access_key_id=gateway_env.access_key,
                         aws_secret_access_key="not-the-secret", region_name=gateway_env.region)
    with pytest.raises(ClientError) as refused:
        wrong.head_bucket(Bucket=bucket)
    ids.add(_request_id(refused.value))

    log = (dev_process.data_dir / "dev.stderr").read_text(errors="replace")
    lines = access_lines(dev_process.data_dir / "dev.stderr", ids)
    assert set(lines) == ids
    assert {entry["access_key"] for entry in lines.values()} == {gateway_env.access_key}
    assert gateway_env.secret_key not in log and "not-the-secret" not in log
    for signature in signatures:
        assert signature not in log
    for entry in lines.values():  # no chunk or seed signature either: no 64-hex string
        assert not re.search(r"[0-9a-f]{64}", str(entry)), entry


def _wait_for_line(log_path: Any, offset: int, key: str) -> dict[str, Any]:
    """The access line for ``key`` written after ``offset``, once the gateway wrote it."""
    deadline = time.monotonic() + 30
    while True:
        for line in log_path.read_text(errors="replace")[offset:].splitlines():
            if line.startswith("{") and f'"key":{json.dumps(key)}' in line:
                return json.loads(line)
        if time.monotonic() > deadline:
            pytest.fail(f"no access line for {key}")
        time.sleep(0.05)


def test_client_disconnects_are_logged_as_such_without_traceback(
        dev_process: Any, gateway_env: Any, s3_client: Any, bucket: str) -> None:
    log_path = dev_process.data_dir / "dev.stderr"
    offset = len(log_path.read_text(errors="replace"))
    path = f"/{bucket}/dropped-upload"
    host = {"Host": f"127.0.0.1:{gateway_env.port}"}
    headers = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                              gateway_env.secret_key, gateway_env.region,
                              headers={"Content-Length": str(1 << 20)},
                              payload_hash=rawhttp.UNSIGNED)
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, {**host, **headers}) + b"x" * 65536)
    upload = _wait_for_line(log_path, offset, "dropped-upload")
    assert (upload["operation"], upload["error_code"], upload["client_disconnected"]) == (
        "PutObject", "IncompleteBody", True)

    s3_client.put_object(Bucket=bucket, Key="big", Body=b"b" * (4 << 20))
    path = f"/{bucket}/big"
    headers = rawhttp.sign_v4("GET", gateway_env.endpoint + path, gateway_env.access_key,
                              gateway_env.secret_key, gateway_env.region)
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("GET", path, {**host, **headers}))
        assert rawhttp.read_response_head(sock).startswith(b"HTTP/1.1 200")
    download = _wait_for_line(log_path, offset, "big")
    while download["operation"] != "GetObject":  # the PUT's line comes first
        offset = log_path.read_text(errors="replace").index('"key":"big"', offset) + 1
        download = _wait_for_line(log_path, offset, "big")
    assert (download["status"], download["client_disconnected"]) == (200, True)
    assert download["bytes_out"] < 4 << 20
    assert "Traceback" not in log_path.read_text(errors="replace")[offset:]
