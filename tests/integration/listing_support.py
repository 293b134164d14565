"""The key population of the listing tests, its S3 model and listing helpers."""

from __future__ import annotations

import hashlib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from swift.common.utils import Timestamp

from tests.integration import rawhttp
from tests.integration.swift_rows import merge_container_rows

# Plain generated keys: only listed, written as listing rows (``merge_rows``).
REGULAR_KEYS = (
    [f"dir{d:02d}/file{f:03d}" for d in range(30) for f in range(30)]    # 900
    + [f"top{i:03d}" for i in range(100)]                                # 100
    + [f"grp{g}--item{i}" for g in range(10) for i in range(5)]          # 50
    + [f"single-dash-{i}" for i in range(10)]                            # 10
)
# Edge cases: written through the gateway with boto3.
SPECIAL_KEYS = [
    "dir05/",              # a key equal to a common prefix
    "dir05//double",       # an empty path segment right after the prefix
    "dir05.txt",           # sorts just before "dir05/" ('.' < '/')
    "dir05-x",
    "grp3--a--b",          # the multi-character delimiter twice
    "grp3--",
    "x---y",               # overlapping delimiter characters
    "--leading",
    "space key",
    "plus+key",
    "percent%20key",
    "amp&lt;<key>",
    "caf\u00e9/cr\u00e8me",
    "caf\u00e9\u00e9",
    "\u65e5\u672c/\u8a9e",
    "\u65e5\u672c\u65e5x",
    "z\U0001F600/emoji",
    "z\U0001F600z",
    "\u00ff-latin",
    "zz\u0100",
]
ALL_KEYS = REGULAR_KEYS + SPECIAL_KEYS
assert len(ALL_KEYS) == len(set(ALL_KEYS))
SORTED = sorted(ALL_KEYS)


def body_of(key: str) -> bytes:
    return ("body of " + key).encode("utf-8")


# --- the model ---------------------------------------------------------------------------


def model(prefix: str = "", delimiter: str = "", after: str = "") -> list[tuple[str, bool]]:
    """S3's listing of ALL_KEYS: (name, is_common_prefix) in order."""
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for key in SORTED:
        if not key.startswith(prefix) or key <= after:
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[: cut + len(delimiter)]
                if common != after and common not in seen:
                    seen.add(common)
                    out.append((common, True))
                continue
        out.append((key, False))
    return out


def model_split(**kwargs: str) -> tuple[list[str], list[str]]:
    entries = model(**kwargs)
    return [n for n, p in entries if not p], [n for n, p in entries if p]


def fill_listing_bucket(env: Any, s3_client: Any, swift_conn: Any) -> str:
    """A new bucket holding ALL_KEYS: created with S3, SPECIAL_KEYS written through
    the gateway, REGULAR_KEYS as rows of the container's listing (``merge_rows``).

    The regular keys are only ever listed (``test_entry_fields`` reads the special
    ones): the rows are what Swift's container server lists, with each body's
    size and ETag, while writing 1,060 real objects cost the suite ~10 s.
    """
    name = f"itl-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    merge_rows(env, swift_conn, name, REGULAR_KEYS)
    client = boto3.client("s3", endpoint_url=env.endpoint, aws_access_key_id=env.access_key,
                          aws_secret_access_key=env.secret_key, region_name=env.region,
                          config=Config(max_pool_connections=8))
    with ThreadPoolExecutor(8) as pool:
        for write in [pool.submit(client.put_object, Bucket=name, Key=key, Body=body_of(key))
                      for key in SPECIAL_KEYS]:
            write.result()
    return name


def merge_rows(env: Any, swift_conn: Any, container: str, keys: list[str]) -> None:
    """The listing rows of ``keys`` (with ``body_of`` each: its size and ETag) in the
    test account's ``container``, as Swift records a plain object PUT."""
    account = swift_conn.get_auth()[0].rstrip("/").rsplit("/", 1)[1]
    stamp = Timestamp.now().internal
    rows = [{"name": key, "created_at": stamp, "size": len(body_of(key)),
             "content_type": "application/octet-stream",
             "etag": hashlib.md5(body_of(key)).hexdigest(), "deleted": 0}
            for key in keys]
    merge_container_rows(Path(env.data_dir) / "swift" / "etc", account, container, rows)


def signed_get(env: Any, path: str, query: str = "") -> requests.Response:
    """A SigV4-signed GET sent as given (``path`` and ``query`` already encoded)."""
    return rawhttp.send(env, "GET", path + (f"?{query}" if query else ""))


def collect(pages: Any, max_keys: int | None = None) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    count = 0
    for page in pages:
        count += 1
        page_keys = [o["Key"] for o in page.get("Contents", [])]
        page_prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if max_keys is not None:
            assert len(page_keys) + len(page_prefixes) <= max_keys
        if "KeyCount" in page:
            assert page["KeyCount"] == len(page_keys) + len(page_prefixes)
        keys += page_keys
        prefixes += page_prefixes
    return keys, prefixes, count


def pages_needed(entries: int, max_keys: int) -> int:
    return max(1, -(-entries // max_keys))


def delete_bucket_through_swift(s3_client: Any, swift_conn: Any, name: str,
                                timeout: float = 120.0) -> None:
    """Empty ``name`` with Swift's bulk delete, then delete the bucket.

    Swift updates a container's listing after each object DELETE, and when the
    container server is slow (a loaded machine) that update is queued for the
    object-updater instead: the objects are gone, the listing still shows them,
    and DeleteBucket is (rightly, for Swift) BucketNotEmpty. Deleting a listed
    name again makes the object server write a newer tombstone and send the
    container update at once, and a failed delete is simply retried: so this
    re-deletes whatever the listing still shows until the bucket deletes.
    """
    deadline = time.monotonic() + timeout
    while True:
        names = [entry["name"] for entry in swift_conn.get_container(name, full_listing=True)[1]]
        if names:
            storage_url, token = swift_conn.get_auth()
            paths = "\n".join(quote(f"/{name}/{key}", safe="/") for key in names)
            deleted = requests.post(f"{storage_url}?bulk-delete", data=paths.encode("ascii"),
                                    headers={"X-Auth-Token": token, "Accept": "application/json",
                                             "Content-Type": "text/plain"}, timeout=300)
            assert deleted.status_code == 200, deleted.text
        else:
            try:
                s3_client.delete_bucket(Bucket=name)
                return
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "BucketNotEmpty":
                    raise
        assert time.monotonic() < deadline, f"{name} still lists {names[:5]}"
        if not names:
            time.sleep(0.2)  # the listing said empty but Swift refused: poll again
