"""DeleteObjects on a ``MemoryStore``: the result document, Quiet mode, ETag
conditions, version ids, long keys, digests and error documents."""

from __future__ import annotations

import base64
import hashlib

import pytest

from gateway.storage.records import ListQuery
from tests.handlers.conftest import ACCOUNT, Reply, S3Client, assert_error

BUCKET = "deletes"
BODY = b"data"
MD5 = hashlib.md5(BODY).hexdigest()


@pytest.fixture
async def stored(s3: S3Client) -> S3Client:
    """``s3`` with ``deletes/a``, ``deletes/b`` and ``deletes/c``."""
    await s3.store.create_bucket(ACCOUNT, BUCKET)
    for key in ("a", "b", "c"):
        await s3.put_object(BUCKET, key, BODY)
    return s3


def document(*objects: str, quiet: bool = False) -> bytes:
    """A Delete document of ``<Object>`` bodies (``<Key>``... already written)."""
    inner = "".join(f"<Object>{o}</Object>" for o in objects)
    flag = "<Quiet>true</Quiet>" if quiet else ""
    return f"<Delete>{flag}{inner}</Delete>".encode()


async def post(s3: S3Client, body: bytes, bucket: str = BUCKET) -> Reply:
    digest = base64.b64encode(hashlib.md5(body).digest()).decode()
    return await s3.request("POST", f"/{bucket}?delete", body=body,
                            headers={"Content-MD5": digest})


async def keys(s3: S3Client) -> list[str]:
    page = await s3.store.list_objects(ACCOUNT, BUCKET, ListQuery())
    return [o.key for o in page.objects]


async def test_deleted_and_absent_keys_are_deleted(stored: S3Client) -> None:
    reply = await post(stored, document("<Key>a</Key>", "<Key>b</Key>", "<Key>gone</Key>"))
    assert reply.status == 200
    assert reply.texts("Deleted/Key") == ["a", "b", "gone"]
    assert await keys(stored) == ["c"]


async def test_quiet_mode_reports_only_errors(stored: S3Client) -> None:
    reply = await post(stored, document("<Key>a</Key>", "<Key>b</Key><VersionId>v1</VersionId>",
                                        quiet=True))
    assert reply.texts("Deleted/Key") == []
    assert reply.texts("Error/Key") == ["b"]
    assert reply.texts("Error/Code") == ["InvalidArgument"]
    assert await keys(stored) == ["b", "c"]


async def test_etag_conditions(stored: S3Client) -> None:
    reply = await post(stored, document(
        f"<Key>a</Key><ETag>\"{MD5}\"</ETag>", "<Key>b</Key><ETag>0123</ETag>",
        f"<Key>gone</Key><ETag>{MD5}</ETag>"))
    assert reply.texts("Deleted/Key") == ["a"]
    assert reply.texts("Error/Key") == ["b", "gone"]
    assert reply.texts("Error/Code") == [
        "PreconditionFailed", "NoSuchKey"]
    assert await keys(stored) == ["b", "c"]


async def test_null_version_duplicates_and_long_keys(stored: S3Client) -> None:
    long_key = "k" * 1025
    reply = await post(stored, document(
        "<Key>a</Key><VersionId>null</VersionId>", "<Key>a</Key>", f"<Key>{long_key}</Key>"))
    assert reply.texts("Deleted/Key") == ["a", "a"]
    assert reply.texts("Error/Code") == ["KeyTooLongError"]
    assert await keys(stored) == ["b", "c"]


async def test_request_errors(stored: S3Client) -> None:
    body = document("<Key>a</Key>")
    reply = await stored.request("POST", f"/{BUCKET}?delete", body=body)
    assert_error(reply, "InvalidRequest", 400)  # neither Content-MD5 nor a checksum
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    reply = await stored.request("POST", f"/{BUCKET}?delete", body=body,
                                 headers={"Content-MD5": wrong})
    assert_error(reply, "BadDigest", 400)
    assert_error(await post(stored, b"<Delete><Object>"), "MalformedXML", 400)
    too_many = document(*(f"<Key>k{n}</Key>" for n in range(1001)))
    assert_error(await post(stored, too_many), "MalformedXML", 400)
    assert_error(await post(stored, body, bucket="nobucket"), "NoSuchBucket", 404)
    assert await keys(stored) == ["a", "b", "c"]


async def test_a_thousand_keys_is_the_most_one_request_takes(stored: S3Client) -> None:
    keys_asked = ["a", "b", "c"] + [f"gone{n:04d}" for n in range(997)]
    reply = await post(stored, document(*(f"<Key>{k}</Key>" for k in keys_asked)))
    assert reply.status == 200
    assert reply.texts("Deleted/Key") == keys_asked
    assert reply.texts("Error/Key") == []
    assert await keys(stored) == []
