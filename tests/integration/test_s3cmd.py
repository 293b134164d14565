"""s3cmd (PyPI, its own HTTP client and signer) against the gateway, with SigV4 and SigV2.

s3cmd builds and signs requests itself (no botocore), sends ``x-amz-meta-s3cmd-attrs``,
asks for the bucket location before signing with SigV4, and uploads large files as
multipart with its own part size; each test runs once per signature version.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import swiftclient.client
from botocore.exceptions import ClientError

from tests.integration.conftest import GatewayEnv

S3CMD = str(Path(sys.executable).with_name("s3cmd"))
MIB = 1024 * 1024
TIMEOUT = 120.0
BIG_SIZE = 12 * MIB  # three parts with --multipart-chunk-size-mb=5

S3cmd = Callable[..., subprocess.CompletedProcess[str]]


def mp_etag(data: bytes, part: int) -> str:
    """The S3 ETag of a multipart upload of ``data`` in ``part``-sized parts."""
    digests = b"".join(hashlib.md5(data[i:i + part]).digest()
                       for i in range(0, len(data), part))
    return f"{hashlib.md5(digests).hexdigest()}-{-(-len(data) // part)}"


@pytest.fixture(params=[False, True], ids=["sigv4", "sigv2"])
def s3cmd(request: pytest.FixtureRequest, gateway_env: GatewayEnv, tmp_path: Path) -> S3cmd:
    """Run s3cmd with a private config: path style, plain HTTP, one try per request."""
    if not Path(S3CMD).exists():
        pytest.fail(f"{S3CMD} is missing: s3cmd is in the `test` extra (make install)")
    host = f"127.0.0.1:{gateway_env.port}"
    home = tmp_path / "s3cmd-home"
    home.mkdir()
    config = home / "s3cfg"
    config.write_text(
        "[default]\n"
        f"access_key = {gateway_env.access_key}\n"
        f"secret_key = {gateway_env.secret_key}\n"
        f"host_base = {host}\n"
        f"host_bucket = {host}\n"  # no %(bucket)s: path-style requests
        f"bucket_location = {gateway_env.region}\n"
        "use_https = False\n"
        f"signature_v2 = {request.param}\n"
        "max_retries = 1\n"
        "socket_timeout = 30\n"
        "progress_meter = False\n"
        "guess_mime_type = False\n")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    scheme = "v2" if request.param else "v4"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # --debug logs each request's headers: proof of the signature actually used.
        result = subprocess.run([S3CMD, "-c", str(config), "--debug", *args], env=env,
                                capture_output=True, text=True, timeout=TIMEOUT,
                                stdin=subprocess.DEVNULL, check=False)
        if check:
            assert result.returncode == 0, (
                f"s3cmd {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}{result.stderr[-6000:]}")
        assert_signed_with(scheme, result.stderr)
        return result

    return run


def assert_signed_with(scheme: str, debug_log: str) -> None:
    """Every request s3cmd signed used ``scheme`` ("v2" or "v4").

    s3cmd silently retries with SigV2 after some 400/403 answers to a SigV4
    request, which would hide a SigV4 rejection.
    """
    assert "Falling back to signature v2" not in debug_log, debug_log[-6000:]
    used = set(re.findall(r"DEBUG: Using signature (v\d)$", debug_log, re.M))
    assert used == {scheme}, (used, debug_log[-6000:])


def info_of(output: str) -> dict[str, str]:
    """``s3cmd info`` lines (``   Name:   value``) as a dict."""
    fields = {}
    for line in output.splitlines():
        match = re.match(r"\s+([^:]+):\s*(.*)$", line)
        if match:
            fields.setdefault(match.group(1).strip(), match.group(2).strip())
    return fields


def test_put_get_ls_info_del(s3cmd: S3cmd, s3_client: Any, bucket: str,
                             swift_conn: swiftclient.client.Connection,
                             tmp_path: Path) -> None:
    """A small and a multipart object go up and come back byte-exact; info, ls and del agree."""
    small, big = os.urandom(1234), os.urandom(BIG_SIZE)
    (tmp_path / "small.bin").write_bytes(small)
    (tmp_path / "big.bin").write_bytes(big)

    s3cmd("put", str(tmp_path / "small.bin"), f"s3://{bucket}/dir/small file.bin")
    s3cmd("put", "--multipart-chunk-size-mb=5", str(tmp_path / "big.bin"),
          f"s3://{bucket}/dir/big.bin")

    small_head = s3_client.head_object(Bucket=bucket, Key="dir/small file.bin")
    assert small_head["ETag"] == f'"{hashlib.md5(small).hexdigest()}"'
    big_head = s3_client.head_object(Bucket=bucket, Key="dir/big.bin")
    # A three-part ETag: s3cmd really split it into 5 MiB parts.
    assert big_head["ETag"] == f'"{mp_etag(big, 5 * MIB)}"'
    assert big_head["ContentLength"] == BIG_SIZE
    assert "s3cmd-attrs" in big_head["Metadata"]  # its own metadata round-trips
    assert int(swift_conn.head_object(bucket, "dir/big.bin")["content-length"]) == BIG_SIZE

    listing = s3cmd("ls", f"s3://{bucket}/dir/").stdout
    # "2026-01-01 12:00     1234  s3://bucket/dir/small file.bin"
    sizes = {m[2]: int(m[1]) for m in re.finditer(r"^\S+ \S+\s+(\d+)\s+(s3://.*)$", listing, re.M)}
    assert sizes == {f"s3://{bucket}/dir/small file.bin": len(small),
                     f"s3://{bucket}/dir/big.bin": BIG_SIZE}, listing
    top = s3cmd("ls", f"s3://{bucket}").stdout
    assert re.search(rf"DIR\s+s3://{bucket}/dir/$", top, re.M), top

    small_info = info_of(s3cmd("info", f"s3://{bucket}/dir/small file.bin").stdout)
    assert small_info["File size"] == "1234"
    assert small_info["MD5 sum"] == hashlib.md5(small).hexdigest()
    big_info_out = s3cmd("info", f"s3://{bucket}/dir/big.bin").stdout
    big_info = info_of(big_info_out)
    assert big_info["File size"] == str(BIG_SIZE)
    # The whole-file MD5 s3cmd stored in its attrs, not the multipart ETag.
    assert big_info["MD5 sum"] == hashlib.md5(big).hexdigest()
    assert "x-amz-meta-s3cmd-attrs" in big_info_out, big_info_out
    # Without s3cmd's attrs (put by boto3), "MD5 sum" is the ETag the gateway returns.
    s3_client.put_object(Bucket=bucket, Key="dir/plain", Body=b"no attrs")
    plain_info = info_of(s3cmd("info", f"s3://{bucket}/dir/plain").stdout)
    assert plain_info["MD5 sum"] == hashlib.md5(b"no attrs").hexdigest()
    s3cmd("del", f"s3://{bucket}/dir/plain")

    s3cmd("get", f"s3://{bucket}/dir/small file.bin", str(tmp_path / "small.out"))
    s3cmd("get", f"s3://{bucket}/dir/big.bin", str(tmp_path / "big.out"))
    assert (tmp_path / "small.out").read_bytes() == small
    assert (tmp_path / "big.out").read_bytes() == big

    s3cmd("del", f"s3://{bucket}/dir/small file.bin", f"s3://{bucket}/dir/big.bin")
    assert s3_client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert s3cmd("ls", f"s3://{bucket}/dir/").stdout.strip() == ""


def test_get_of_missing_object_fails_cleanly(s3cmd: S3cmd, bucket: str, tmp_path: Path) -> None:
    """A 404 reaches s3cmd as an error exit, not as an empty file."""
    result = s3cmd("get", f"s3://{bucket}/nope", str(tmp_path / "nope"), check=False)
    assert result.returncode != 0
    assert f"Source object 's3://{bucket}/nope' does not exist" in result.stderr, \
        result.stderr[-3000:]
    assert not (tmp_path / "nope").exists(), "s3cmd kept a file for a missing object"


def test_mb_info_rb_on_fresh_bucket(s3cmd: S3cmd, s3_client: Any,
                                    gateway_env: GatewayEnv) -> None:
    """s3cmd creates a bucket, reports its location (GET ?location), and removes it."""
    name = f"it-s3cmd-{uuid.uuid4().hex[:16]}"
    s3cmd("mb", f"s3://{name}")
    try:
        s3_client.head_bucket(Bucket=name)
        assert re.search(rf"\ss3://{name}$", s3cmd("ls").stdout, re.M)
        info = info_of(s3cmd("info", f"s3://{name}").stdout)
        assert info["Location"] == gateway_env.region  # from GET ?location
        s3cmd("rb", f"s3://{name}")
    finally:
        s3cmd("rb", f"s3://{name}", check=False)
    with pytest.raises(ClientError) as missing:
        s3_client.head_bucket(Bucket=name)
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    again = s3cmd("rb", f"s3://{name}", check=False)
    assert again.returncode != 0 and "NoSuchBucket" in again.stderr, again.stderr

