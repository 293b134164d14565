"""Client values that cannot be stored or sent back as they are: S3 errors, never 412 or 500.

A NUL in a key cannot exist in Swift (which answered 412 PreconditionFailed):
InvalidURI in the path, InvalidArgument in ``x-amz-copy-source``. A
``response-*`` override with CR/LF would split the response head (aiohttp
refused it with a 500): InvalidArgument.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from lxml import etree

from tests.integration import rawhttp
from tests.integration.s3_support import swift_names


def assert_error(resp: requests.Response, code: str) -> etree._Element | None:
    assert resp.status_code == 400, resp.text
    assert "X-Injected" not in resp.headers
    if resp.request.method == "HEAD":
        return None
    root = etree.fromstring(resp.content)
    assert root.findtext("Code") == code
    assert root.findtext("RequestId") == resp.headers["x-amz-request-id"]
    return root


# --- NUL in a key ----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "query"), [
    ("PUT", ""), ("GET", ""), ("HEAD", ""), ("DELETE", ""), ("POST", "?uploads"),
])
def test_nul_in_key_is_invalid_uri(gateway_env: Any, swift_conn: Any, s3_client: Any,
                                   case_bucket: str, method: str, query: str) -> None:
    s3_client.put_object(Bucket=case_bucket, Key="a", Body=b"keep")
    for raw_key in ("a%00b", "%00", "dir/%00"):
        resp = rawhttp.send(gateway_env, method, f"/{case_bucket}/{raw_key}{query}",
                            body=b"x" if method == "PUT" else b"")
        assert_error(resp, "InvalidURI")
    assert swift_names(swift_conn, case_bucket) == ["a"]
    assert s3_client.list_multipart_uploads(Bucket=case_bucket).get("Uploads", []) == []


def test_nul_in_copy_source_key(gateway_env: Any, swift_conn: Any, s3_client: Any,
                                bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="a", Body=b"keep")
    resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/dst",
                        headers={"x-amz-copy-source": f"{bucket}/a%00b"})
    root = assert_error(resp, "InvalidArgument")
    assert root is not None
    assert root.findtext("Message") == "Invalid copy source object key"
    assert root.findtext("ArgumentName") == "x-amz-copy-source"
    assert swift_names(swift_conn, bucket) == ["a"]


# --- CR/LF in response-* overrides -----------------------------------------------------

OVERRIDES = ["response-content-type", "response-content-language", "response-expires",
             "response-cache-control", "response-content-disposition",
             "response-content-encoding"]


BAD_VALUES = ["%0D%0AX-Injected%3A%201", "a%0Ab", "a%0Db", "a%00b", "a%7Fb"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("param", OVERRIDES)
def test_control_characters_in_overrides_are_invalid_argument(
        gateway_env: Any, s3_client: Any, case_bucket: str, method: str, param: str) -> None:
    """Every bad value against one object (a bucket per case cost 10 s of suite time)."""
    s3_client.put_object(Bucket=case_bucket, Key="k", Body=b"body")
    for bad in BAD_VALUES:
        resp = rawhttp.send(gateway_env, method, f"/{case_bucket}/k?{param}={bad}")
        root = assert_error(resp, "InvalidArgument")
        if root is not None:
            assert root.findtext("ArgumentName") == param, bad


def test_printable_overrides_still_apply(gateway_env: Any, s3_client: Any,
                                         bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"body")
    got = s3_client.get_object(Bucket=bucket, Key="k", ResponseContentType="text/x;\ta=b",
                               ResponseContentDisposition='attachment; filename="r.txt"')
    assert got["ContentType"] == "text/x;\ta=b"
    assert got["ContentDisposition"] == 'attachment; filename="r.txt"'
    assert got["Body"].read() == b"body"
