"""ListBuckets pagination (AWS, 2024): max-buckets, continuation-token, prefix and
bucket-region, the refusals worded as S3 words them, and the result's elements."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.handlers.conftest import ACCOUNT, S3_NS, S3Client, assert_error

NAMES = ["alpha", "beta-1", "beta-2", "beta-3", "gamma"]


@pytest.fixture
async def s3_with_buckets(s3: S3Client) -> S3Client:
    for name in NAMES:
        await s3.store.create_bucket(ACCOUNT, name)
    return s3


def tail_of(xml_root: object) -> list[str]:
    """The names of the result's elements after ``Buckets``, in order."""
    tags = [child.tag.removeprefix(S3_NS) for child in xml_root]  # type: ignore[attr-defined]
    return tags[tags.index("Buckets") + 1:]


async def test_unpaginated_lists_everything_with_regions(s3_with_buckets: S3Client) -> None:
    reply = await s3_with_buckets.request("GET", "/")
    assert reply.status == 200
    assert reply.texts("Buckets/Bucket/Name") == NAMES
    assert reply.texts("Buckets/Bucket/BucketRegion") == ["us-east-1"] * len(NAMES)
    bucket = reply.xml.find(f"{S3_NS}Buckets/{S3_NS}Bucket")
    assert [child.tag.removeprefix(S3_NS) for child in bucket] == \
        ["Name", "CreationDate", "BucketRegion"]
    assert tail_of(reply.xml) == []


async def test_pages_walk_every_bucket_once(s3_with_buckets: S3Client) -> None:
    seen: list[str] = []
    token = ""
    for _ in range(len(NAMES) + 1):
        query = "?max-buckets=2" + (f"&continuation-token={quote(token, safe='')}"
                                    if token else "")
        reply = await s3_with_buckets.request("GET", "/" + query)
        assert reply.status == 200
        page = reply.texts("Buckets/Bucket/Name")
        assert len(page) <= 2
        seen += page
        token = reply.text("ContinuationToken") or ""
        if not token:
            break
        assert tail_of(reply.xml) == ["ContinuationToken"]
    assert seen == NAMES


async def test_a_full_last_page_has_no_token(s3_with_buckets: S3Client) -> None:
    reply = await s3_with_buckets.request("GET", "/?max-buckets=5")
    assert reply.texts("Buckets/Bucket/Name") == NAMES
    assert reply.text("ContinuationToken") is None


async def test_prefix_is_echoed_before_the_token(s3_with_buckets: S3Client) -> None:
    reply = await s3_with_buckets.request("GET", "/?prefix=beta&max-buckets=2")
    assert reply.texts("Buckets/Bucket/Name") == ["beta-1", "beta-2"]
    assert tail_of(reply.xml) == ["Prefix", "ContinuationToken"]
    assert reply.text("Prefix") == "beta"
    token = quote(reply.text("ContinuationToken") or "", safe="")
    rest = await s3_with_buckets.request(
        "GET", f"/?prefix=beta&max-buckets=2&continuation-token={token}")
    assert rest.texts("Buckets/Bucket/Name") == ["beta-3"]
    assert tail_of(rest.xml) == ["Prefix"]


@pytest.mark.parametrize(("query", "names", "tail"), [
    ("prefix=", NAMES, ["Prefix"]),
    ("prefix=zzz", [], ["Prefix"]),
    ("max-buckets=", NAMES, []),
    ("max-buckets=05", NAMES, []),
    ("continuation-token=", NAMES, []),
    ("bucket-region=us-east-1", NAMES, []),
    ("bucket-region=US-EAST-1", NAMES, []),
])
async def test_parameters_that_list_everything(s3_with_buckets: S3Client, query: str,
                                               names: list[str], tail: list[str]) -> None:
    reply = await s3_with_buckets.request("GET", f"/?{query}")
    assert reply.status == 200, reply.body
    assert reply.texts("Buckets/Bucket/Name") == names
    assert tail_of(reply.xml) == tail


@pytest.mark.parametrize(("query", "message", "name", "value"), [
    ("max-buckets=abc", "Provided max-buckets not an integer or within integer range",
     "max-buckets", "abc"),
    ("max-buckets=%201", "Provided max-buckets not an integer or within integer range",
     "max-buckets", " 1"),
    ("max-buckets=99999999999", "Provided max-buckets not an integer or within integer range",
     "max-buckets", "99999999999"),
    ("max-buckets=0", "Argument max-buckets must be an integer between 1 and 10000",
     "max-buckets", "0"),
    ("max-buckets=-01", "Argument max-buckets must be an integer between 1 and 10000",
     "max-buckets", "-1"),
    ("max-buckets=010001", "Argument max-buckets must be an integer between 1 and 10000",
     "max-buckets", "10001"),
    ("max-buckets=0&bucket-region=zz",
     "Argument max-buckets must be an integer between 1 and 10000", "max-buckets", "0"),
    ("bucket-region=zz", "Argument value zz is not a valid AWS Region", "bucket-region", None),
    ("bucket-region=", "Argument value  is not a valid AWS Region", "bucket-region", None),
    ("bucket-region=eu-west-1", "Requests with bucket-region specified must be made to the "
     "corresponding regional endpoint", "bucket-region", None),
    ("continuation-token=garbage", "The continuation token provided is incorrect",
     "continuation-token", None),
    ("continuation-token=Zzp4", "The continuation token provided is incorrect",
     "continuation-token", None),
])
async def test_refused_parameters(s3_with_buckets: S3Client, query: str, message: str,
                                  name: str, value: str | None) -> None:
    reply = await s3_with_buckets.request("GET", f"/?{query}")
    assert_error(reply, "InvalidArgument", 400)
    assert reply.xml.findtext("Message") == message
    assert reply.xml.findtext("ArgumentName") == name
    assert reply.xml.findtext("ArgumentValue") == value


async def test_store_pages_by_prefix_marker_and_limit(s3_with_buckets: S3Client) -> None:
    store = s3_with_buckets.store
    page = await store.list_buckets(ACCOUNT, prefix="beta", marker="beta-1", limit=1)
    assert [b.name for b in page] == ["beta-2"]
    assert [b.name for b in await store.list_buckets(ACCOUNT, marker="gamma")] == []
