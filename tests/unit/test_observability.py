"""Access-log formatting, the access key a request claims, readiness caching, Swift time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from aiohttp.test_utils import make_mocked_request

from gateway.config import ServerConfig
from gateway.observability.access_log import FIELDS, AccessLog, format_json, format_text
from gateway.observability.metrics import GatewayMetrics
from gateway.observability.observer import claimed_access_key
from gateway.observability.readiness import Readiness
from gateway.observability.swift_observer import CURRENT_SWIFT_TIME, SwiftMetrics, SwiftTime

ENTRY = {name: None for name in FIELDS} | {
    "request_id": "0123ABCD", "operation": "PutObject", "key": 'a key "quoted"=x',
    "status": 200, "secure": True, "client_disconnected": False}


def test_json_line_is_one_object_with_every_field() -> None:
    line = format_json(ENTRY)
    assert "\n" not in line and json.loads(line) == ENTRY


def test_text_line_quotes_what_would_split_it() -> None:
    line = format_text(ENTRY)
    assert line.startswith("time=- request_id=0123ABCD ")
    assert 'key="a key \\"quoted\\"=x"' in line and "secure=true" in line
    assert "client_disconnected=false" in line


def test_access_log_to_a_file_and_off(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    log = AccessLog(ServerConfig(access_log="text", access_log_destination=str(path)))
    log.write(ENTRY)
    log.close()
    assert path.read_text().startswith("time=- request_id=0123ABCD")
    assert not AccessLog(ServerConfig(access_log="off")).enabled
    # Lines at INFO are below a WARNING log level: not written.
    assert not AccessLog(ServerConfig(log_level="WARNING")).enabled


def test_claimed_access_key_never_carries_the_signature() -> None:
    v4 = ("AWS4-HMAC-SHA256 Credential=AKV4/20260101/us-east-1/s3/aws4_request, "
          "SignedHeaders=host, Signature=" + "ab" * 32)
    assert claimed_access_key(make_mocked_request("GET", "/", headers={
        "Authorization": v4})) == "AKV4"
    assert claimed_access_key(make_mocked_request("GET", "/", headers={
        "Authorization": "AWS AKV2:c2lnbmF0dXJl"})) == "AKV2"
    assert claimed_access_key(make_mocked_request(
        "GET", "/b/k?X-Amz-Credential=AKQ%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
               "&X-Amz-Signature=" + "cd" * 32)) == "AKQ"
    assert claimed_access_key(make_mocked_request(
        "GET", "/b/k?AWSAccessKeyId=AKQ2&Signature=abc")) == "AKQ2"
    assert claimed_access_key(make_mocked_request("GET", "/")) is None


async def test_readiness_is_cached_shared_and_false_once_draining() -> None:
    calls = 0

    async def check() -> list[str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return []

    readiness = Readiness()
    results = await asyncio.gather(*(readiness.problems(check) for _ in range(5)))
    assert results == [[]] * 5 and calls == 1  # concurrent probes share one check
    assert await readiness.problems(check) == [] and calls == 1  # cached
    readiness.draining = True
    assert await readiness.problems(check) == ["draining: the gateway is shutting down"]
    assert calls == 1


def test_swift_requests_add_to_the_current_s3_request_and_the_series() -> None:
    metrics = GatewayMetrics()
    observer = SwiftMetrics(metrics)
    spent = SwiftTime()
    token = CURRENT_SWIFT_TIME.set(spent)
    try:
        observer.swift_answered("PUT", 201, 0.25)
        observer.swift_answered("GET", 503, 0.5)
        observer.swift_unreachable("GET", 1.0)
    finally:
        CURRENT_SWIFT_TIME.reset(token)
    observer.swift_answered("HEAD", 204, 2.0)  # outside any S3 request: series only
    observer.token_obtained()
    assert (spent.requests, spent.seconds) == (3, 1.75)
    value = metrics.registry.get_sample_value
    assert value("s3swift_swift_request_duration_seconds_count", {"method": "GET"}) == 2
    assert value("s3swift_swift_errors_total", {"status": "503"}) == 1
    assert value("s3swift_swift_errors_total", {"status": "connection"}) == 1
    assert value("s3swift_swift_token_renewals_total") == 1


def test_a_claimed_access_key_is_bounded() -> None:
    request = make_mocked_request("GET", "/", headers={"Authorization": "AWS " + "A" * 5000 + ":x"})
    assert claimed_access_key(request) == "A" * 128
