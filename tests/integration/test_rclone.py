"""rclone (the Debian package, Go's own S3 client) against the gateway: copy, check, list, delete.

rclone signs with aws-sdk-go, uploads large files as multipart with its own part
size, stores an MD5 of multipart uploads in ``X-Amz-Meta-Md5chksum`` and lists with
ListObjects; so it exercises code paths that botocore-based clients do not.
It is configured only through environment variables (no user config is read).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import swiftclient.client
from botocore.exceptions import ClientError

from tests.integration.conftest import GatewayEnv

MIB = 1024 * 1024
REMOTE = "gw"  # the rclone remote name the environment variables define
TIMEOUT = 120.0
# 12 MiB over a 5 MiB cutoff and chunk size: a three-part multipart upload.
BIG_SIZE = 12 * MIB
BIG_PARTS = 3

Rclone = Callable[..., subprocess.CompletedProcess[str]]


def rclone_binary() -> str:
    """rclone on PATH; ``make test`` installs it (Debian package) when missing."""
    found = shutil.which("rclone")
    if found is None:
        pytest.fail("rclone is not installed: run `make system-packages` (apt-get install rclone)")
    return found


@pytest.fixture
def rclone(gateway_env: GatewayEnv, tmp_path: Path) -> Rclone:
    """Run rclone with a remote ``gw:`` pointing at the gateway, path style, no retries."""
    binary = rclone_binary()
    home = tmp_path / "rclone-home"
    home.mkdir()
    config = home / "rclone.conf"
    config.write_text("")  # an empty config file: nothing from the user's is read
    prefix = f"RCLONE_CONFIG_{REMOTE.upper()}_"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "RCLONE_CONFIG": str(config),
        prefix + "TYPE": "s3",
        prefix + "PROVIDER": "Other",
        prefix + "ENV_AUTH": "false",
        prefix + "ACCESS_KEY_ID": gateway_env.access_key,
        prefix + "SECRET_ACCESS_KEY": gateway_env.secret_key,
        prefix + "ENDPOINT": gateway_env.endpoint,
        prefix + "REGION": gateway_env.region,
        prefix + "FORCE_PATH_STYLE": "true",
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [binary, "--retries", "1", "--low-level-retries", "1",
                   "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", *args]
        result = subprocess.run(command, env=env, capture_output=True, text=True,
                                timeout=TIMEOUT, check=False)
        if check:
            assert result.returncode == 0, (
                f"rclone {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}{result.stderr}")
        return result

    return run


def make_tree(root: Path) -> dict[str, bytes]:
    """Small files in nested directories (odd names, an empty file) and one 12 MiB file."""
    files = {
        "a.txt": b"alpha\n",
        "empty": b"",
        "sub/b.bin": os.urandom(70_001),
        "sub/deeper/c d+e.txt": b"spaces and plus in the name",
        "sub/deeper/\u00fcnicode-\u00e9.txt": "na\u00efve caf\u00e9".encode(),
        "big/twelve.bin": os.urandom(BIG_SIZE),
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def tree_of(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root``, keyed by its relative path."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*") if path.is_file()}


def keys_and_sizes(s3_client: Any, bucket: str) -> dict[str, int]:
    listed = s3_client.list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}


def test_copy_tree_up_and_back_down_byte_exact(rclone: Rclone, s3_client: Any, bucket: str,
                                               swift_conn: swiftclient.client.Connection,
                                               tmp_path: Path) -> None:
    """A directory tree survives ``rclone copy`` up and down, the big file as multipart."""
    source = tmp_path / "source"
    files = make_tree(source)
    rclone("copy", str(source), f"{REMOTE}:{bucket}")

    assert keys_and_sizes(s3_client, bucket) == {k: len(v) for k, v in files.items()}
    big = s3_client.head_object(Bucket=bucket, Key="big/twelve.bin")
    assert big["ETag"].endswith(f'-{BIG_PARTS}"'), big["ETag"]  # really went multipart
    # rclone records the whole file's MD5 itself for multipart uploads.
    assert big["Metadata"].get("md5chksum"), big["Metadata"]
    small = s3_client.head_object(Bucket=bucket, Key="sub/b.bin")
    assert small["ETag"] == f'"{hashlib.md5(files["sub/b.bin"]).hexdigest()}"'
    # Swift holds the same object (an SLO manifest for the multipart one).
    headers = swift_conn.head_object(bucket, "big/twelve.bin")
    assert int(headers["content-length"]) == BIG_SIZE

    target = tmp_path / "target"
    rclone("copy", f"{REMOTE}:{bucket}", str(target))
    assert tree_of(target) == files


def test_check_reports_no_differences_then_spots_one(rclone: Rclone, s3_client: Any,
                                                     bucket: str, tmp_path: Path) -> None:
    """``rclone check`` compares sizes and MD5s (ETag or stored md5chksum) with the gateway."""
    source = tmp_path / "source"
    files = make_tree(source)
    rclone("copy", str(source), f"{REMOTE}:{bucket}")

    result = rclone("check", str(source), f"{REMOTE}:{bucket}")
    assert "0 differences found" in result.stderr, result.stderr
    assert f"{len(files)} matching files" in result.stderr, result.stderr
    # The same from the downloaded bytes, not the listed hashes.
    rclone("check", "--download", str(source), f"{REMOTE}:{bucket}")

    # Same size, other content: only the hash comparison can catch it.
    s3_client.put_object(Bucket=bucket, Key="a.txt", Body=b"ALPHA\n")
    changed = rclone("check", str(source), f"{REMOTE}:{bucket}", check=False)
    assert changed.returncode != 0
    assert "1 differences found" in changed.stderr, changed.stderr
    assert "a.txt" in changed.stderr


def test_lsjson_and_ls_show_sizes_and_hashes(rclone: Rclone, bucket: str,
                                             tmp_path: Path) -> None:
    """Listings through rclone carry the right sizes, paths and MD5s."""
    source = tmp_path / "source"
    files = make_tree(source)
    rclone("copy", str(source), f"{REMOTE}:{bucket}")

    entries = json.loads(rclone("lsjson", "-R", "--files-only", "--hash",
                                f"{REMOTE}:{bucket}").stdout)
    assert {e["Path"]: e["Size"] for e in entries} == {k: len(v) for k, v in files.items()}
    for entry in entries:
        expected = hashlib.md5(files[entry["Path"]]).hexdigest()
        assert entry["Hashes"]["md5"] == expected, entry

    lines = rclone("ls", f"{REMOTE}:{bucket}").stdout.splitlines()
    listed = {}
    for line in lines:
        size, name = line.strip().split(" ", 1)
        listed[name] = int(size)
    assert listed == {k: len(v) for k, v in files.items()}

    # One directory level: rclone lists with a delimiter and sees common prefixes.
    top = json.loads(rclone("lsjson", f"{REMOTE}:{bucket}").stdout)
    assert {(e["Path"], e["IsDir"]) for e in top} == {
        ("a.txt", False), ("empty", False), ("sub", True), ("big", True)}


def test_delete_then_purge_empties_and_removes_bucket(rclone: Rclone, s3_client: Any,
                                                      bucket: str, tmp_path: Path) -> None:
    """``rclone delete`` removes every object; ``rclone purge`` removes the bucket too."""
    source = tmp_path / "source"
    make_tree(source)
    rclone("copy", str(source), f"{REMOTE}:{bucket}")
    assert keys_and_sizes(s3_client, bucket)

    rclone("delete", f"{REMOTE}:{bucket}/sub")
    assert set(keys_and_sizes(s3_client, bucket)) == {"a.txt", "empty", "big/twelve.bin"}
    rclone("delete", f"{REMOTE}:{bucket}")
    assert keys_and_sizes(s3_client, bucket) == {}
    s3_client.head_bucket(Bucket=bucket)  # delete keeps the bucket

    s3_client.put_object(Bucket=bucket, Key="left/over", Body=b"x")
    rclone("purge", f"{REMOTE}:{bucket}")
    with pytest.raises(ClientError) as missing:
        s3_client.head_bucket(Bucket=bucket)
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_mkdir_creates_bucket_and_rmdir_removes_it(rclone: Rclone, s3_client: Any) -> None:
    """rclone creates and removes buckets itself (CreateBucket with its region constraint)."""
    name = f"it-rclone-{os.urandom(6).hex()}"
    rclone("mkdir", f"{REMOTE}:{name}")
    try:
        s3_client.head_bucket(Bucket=name)
        assert name in rclone("lsd", f"{REMOTE}:").stdout
    finally:
        rclone("rmdir", f"{REMOTE}:{name}", check=False)
    with pytest.raises(ClientError):
        s3_client.head_bucket(Bucket=name)
