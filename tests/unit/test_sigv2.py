"""SigV2: AWS's published RESTAuthentication examples and a botocore cross-check."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import make_mocked_request
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode
from multidict import CIMultiDict

from tests.unit.botocore_requests import to_mocked
from gateway.auth import sigv2
from gateway.errors import AccessDenied, InvalidArgument, RequestTimeTooSkewed, \
    SignatureDoesNotMatch

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def check(method: str, raw_path: str, headers: list[tuple[str, str]] | dict[str, str],
          bucket: str | None = None, secret: str = SECRET) -> sigv2.V2Auth:
    """Parse and verify like authenticate() does, minus store and clock."""
    request = make_mocked_request(method, raw_path, headers=CIMultiDict(headers))
    if "Authorization" in request.headers:
        auth = sigv2.parse_authorization(request.headers["Authorization"], request.headers)
    else:
        auth = sigv2.parse_presigned(dict(request.query))
    sigv2.verify(auth, secret, request.method, request.raw_path, request.headers, bucket)
    return auth


def authz(signature: str) -> tuple[str, str]:
    return ("Authorization", f"AWS {AK}:{signature}")


# --- AWS published examples (RESTAuthentication, "Authentication examples") -----

@pytest.mark.parametrize(("method", "path", "headers", "bucket"), [
    ("GET", "/photos/puppy.jpg",  # Object GET
     [("Date", "Tue, 27 Mar 2007 19:36:42 +0000"), authz("bWq2s1WEIj+Ydj0vQ697zp+IXMU=")],
     "johnsmith"),
    ("GET", "/photos/puppy.jpg",  # same, current doc's bucket name
     [("Date", "Tue, 27 Mar 2007 19:36:42 +0000"), authz("qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")],
     "awsexamplebucket1"),
    ("PUT", "/photos/puppy.jpg",  # Object PUT
     [("Content-Type", "image/jpeg"), ("Content-Length", "94328"),
      ("Date", "Tue, 27 Mar 2007 21:15:45 +0000"), authz("MyyxeRY7whkBe+bq8fHCL/2kKUg=")],
     "johnsmith"),
    ("GET", "/?prefix=photos&max-keys=50&marker=puppy",  # List
     [("User-Agent", "Mozilla/5.0"), ("Date", "Tue, 27 Mar 2007 19:42:41 +0000"),
      authz("htDYFYduRNen8P9ZfE/s9SuKy0U=")], "johnsmith"),
    ("GET", "/?acl",  # Fetch
     [("Date", "Tue, 27 Mar 2007 19:44:46 +0000"), authz("c2WLPFtWHVgbEmeEG93a4cG37dM=")],
     "johnsmith"),
    ("DELETE", "/johnsmith/photos/puppy.jpg",  # Delete (path style, x-amz-date)
     [("User-Agent", "dotnet"), ("Date", "Tue, 27 Mar 2007 21:20:27 +0000"),
      ("x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"),
      authz("lx3byBScXR6KzyMaifNkardMwNk=")], None),
    ("PUT", "/db-backup.dat.gz",  # Upload (CNAME bucket, repeated amz header)
     [("User-Agent", "curl/7.15.5"), ("Date", "Tue, 27 Mar 2007 21:06:08 +0000"),
      ("x-amz-acl", "public-read"), ("content-type", "application/x-download"),
      ("Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="),
      ("X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"),
      ("X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"),
      ("X-Amz-Meta-FileChecksum", "0x02661779"), ("X-Amz-Meta-ChecksumAlgorithm", "crc32"),
      ("Content-Disposition", "attachment; filename=database.dat"),
      ("Content-Encoding", "gzip"), ("Content-Length", "5913339"),
      authz("ilyl83RwaSoYIEdixDQcA4OnAnc=")], "static.johnsmith.net"),
    ("GET", "/",  # List all my buckets
     [("Date", "Wed, 28 Mar 2007 01:29:59 +0000"), authz("qGdzdERIC03wnaRNKh6OqZehG9s=")],
     None),
    ("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",  # Unicode keys, as sent
     [("Date", "Wed, 28 Mar 2007 01:49:49 +0000"), authz("DNEZGsoieTZ92F3bUfSPQcbGmlM=")],
     None),
], ids=["get", "get-awsexamplebucket1", "put", "list", "acl", "delete", "upload",
        "list-buckets", "unicode"])
def test_aws_examples(method: str, path: str, headers: list[tuple[str, str]],
                      bucket: str | None) -> None:
    check(method, path, headers, bucket)


def test_aws_example_presigned() -> None:
    auth = check("GET", "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
                 "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620",
                 {"Host": "johnsmith.s3.amazonaws.com"}, "johnsmith")
    assert auth.presigned and auth.expires == 1175139620


def test_presigned_unescaped_plus_in_signature() -> None:
    check("GET", "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
          "&Signature=NpgCjnDzrM+WFzoENXmpNDUsSn8%3D&Expires=1175139620", {}, "johnsmith")


def test_tampered_example_fields() -> None:
    with pytest.raises(SignatureDoesNotMatch) as info:
        check("GET", "/photos/kitten.jpg", [("Date", "Tue, 27 Mar 2007 19:36:42 +0000"),
                                            authz("bWq2s1WEIj+Ydj0vQ697zp+IXMU=")], "johnsmith")
    fields = info.value.fields
    assert fields["StringToSign"] == \
        "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/kitten.jpg"
    assert fields["SignatureProvided"] == "bWq2s1WEIj+Ydj0vQ697zp+IXMU="
    assert fields["StringToSignBytes"].startswith("47 45 54 0a 0a 0a 54")
    assert fields["AWSAccessKeyId"] == AK


# --- canonicalisation -----------------------------------------------------------

@pytest.mark.parametrize(("raw_path", "bucket", "expected"), [
    ("/", "b", "/b/"),
    ("/b/k", None, "/b/k"),
    ("/k?uploads", "b", "/b/k?uploads"),
    ("/k?uploads=", "b", "/b/k?uploads="),
    ("/k?uploadId=x%2By&partNumber=2", "b", "/b/k?partNumber=2&uploadId=x+y"),
    ("/k?response-content-type=text%2Fplain&foo=1&acl", "b",
     "/b/k?acl&response-content-type=text/plain"),
    ("/k?versionId=2&versionId=1", "b", "/b/k?versionId=2&versionId=1"),
    ("/k%20x?prefix=a&max-keys=3", "b", "/b/k%20x"),
    ("/k?encryption", "b", "/b/k?encryption"),
])
def test_canonical_resource(raw_path: str, bucket: str | None, expected: str) -> None:
    assert sigv2.canonical_resource(raw_path, bucket) == expected


def test_canonical_amz_headers() -> None:
    headers = CIMultiDict([("X-Amz-B", " 2 "), ("x-amz-a", "1"), ("X-AMZ-A", "3"),
                           ("Content-Type", "x")])
    assert sigv2.canonical_amz_headers(headers) == "x-amz-a:1,3\nx-amz-b:2\n"


# --- parsing and time --------------------------------------------------------------

@pytest.mark.parametrize("value", ["AWS", "AWS AKIA", "AWS :sig", "AWS AKIA:"])
def test_malformed_header(value: str) -> None:
    with pytest.raises(InvalidArgument):
        sigv2.parse_authorization(value, CIMultiDict({"Date": "Tue, 27 Mar 2007 19:36:42 GMT"}))


def test_missing_date() -> None:
    with pytest.raises(AccessDenied, match="valid Date"):
        sigv2.parse_authorization(f"AWS {AK}:sig", CIMultiDict())
    with pytest.raises(AccessDenied, match="valid Date"):
        sigv2.parse_authorization(f"AWS {AK}:sig", CIMultiDict({"Date": "yesterday"}))


def test_presigned_missing_parameters() -> None:
    with pytest.raises(AccessDenied, match="requires"):
        sigv2.parse_presigned({"AWSAccessKeyId": AK, "Signature": "x"})
    with pytest.raises(AccessDenied, match="seconds since epoch"):
        sigv2.parse_presigned({"AWSAccessKeyId": AK, "Signature": "x", "Expires": "soon"})


def test_skew() -> None:
    date = "Tue, 27 Mar 2007 19:36:42 +0000"
    auth = sigv2.parse_authorization(f"AWS {AK}:sig", CIMultiDict({"Date": date}))
    t0 = datetime(2007, 3, 27, 19, 36, 42, tzinfo=timezone.utc)
    sigv2.check_time(auth, t0 + timedelta(seconds=900), 900)
    with pytest.raises(RequestTimeTooSkewed) as info:
        sigv2.check_time(auth, t0 - timedelta(seconds=901), 900)
    assert info.value.fields == {"RequestTime": date, "ServerTime": "2007-03-27T19:21:41Z",
                                 "MaxAllowedSkewMilliseconds": "900000"}


def test_presigned_expiry() -> None:
    auth = sigv2.parse_presigned({"AWSAccessKeyId": AK, "Signature": "x",
                                  "Expires": "1175139620"})
    at = datetime.fromtimestamp(1175139620, timezone.utc)
    sigv2.check_time(auth, at, 900)
    with pytest.raises(AccessDenied, match="Request has expired") as info:
        sigv2.check_time(auth, at + timedelta(seconds=1), 900)
    assert info.value.fields == {"Expires": "2007-03-29T03:40:20Z",
                                 "ServerTime": "2007-03-29T03:40:21Z"}


# --- cross-check against botocore ------------------------------------------------

KEYS = ["plain.txt", "with space", "plus+sign", "tilde~", "fran\u00e7ais/\u65e5\u672c",
        "a:b@c!$&'()*,;=", "deep/nested/", "percent%25", "q?mark#hash"]
QUERIES: list[str] = [
    "", "acl", "uploads", "uploadId=abc%2Bdef&partNumber=3", "versionId=v%2F1",
    "tagging", "delete", "prefix=a%20b&delimiter=%2F",
    "response-content-disposition=attachment%3B%20filename%3D%22x%20y%22",
    "encryption", "retention&versionId=1", "restore",
]


def botocore_request(method: str, key: str, query: str, virtual: bool,
                     extra: dict[str, str] | None = None) -> tuple[AWSRequest, str | None]:
    quoted = percent_encode(key, safe="/~")
    url = (f"http://bucket.s3.example.test/{quoted}" if virtual
           else f"http://s3.example.test/bucket/{quoted}")
    request = AWSRequest(method=method, url=url + (f"?{query}" if query else ""),
                         headers=dict(extra or {}))
    if virtual:
        request.auth_path = f"/bucket/{quoted}"
    return request, "bucket" if virtual else None


@pytest.mark.parametrize("virtual", [True, False], ids=["vhost", "path"])
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("query", QUERIES)
def test_botocore_header_auth(key: str, query: str, virtual: bool) -> None:
    request, bucket = botocore_request(
        "PUT", key, query, virtual,
        {"Content-Type": "text/plain", "x-amz-meta-a": "1", "x-amz-acl": "private"})
    HmacV1Auth(Credentials(AK, SECRET)).add_auth(request)
    method, raw_path, headers = to_mocked(request)
    check(method, raw_path, headers, bucket)
    with pytest.raises(SignatureDoesNotMatch):
        check(method, raw_path, headers, bucket, secret=SECRET + "x")
    headers["x-amz-acl"] = "public-read"
    with pytest.raises(SignatureDoesNotMatch):
        check(method, raw_path, headers, bucket)


@pytest.mark.parametrize("virtual", [True, False], ids=["vhost", "path"])
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("query", QUERIES)
def test_botocore_presigned(key: str, query: str, virtual: bool) -> None:
    request, bucket = botocore_request("GET", key, query, virtual)
    HmacV1QueryAuth(Credentials(AK, SECRET), expires=600).add_auth(request)
    method, raw_path, headers = to_mocked(request)
    auth = check(method, raw_path, headers, bucket)
    assert auth.presigned
    with pytest.raises(SignatureDoesNotMatch):
        check("HEAD", raw_path, headers, bucket)


def test_botocore_with_x_amz_date() -> None:
    # botocore keeps the Date line even when x-amz-date is present.
    request, bucket = botocore_request("GET", "k", "", True,
                                       {"x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000"})
    HmacV1Auth(Credentials(AK, SECRET)).add_auth(request)
    check(*to_mocked(request), bucket=bucket)
