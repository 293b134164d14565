"""SigV4: AWS's published vectors, canonicalisation edge cases, and a
cross-check against botocore's signer for awkward keys and query strings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import make_mocked_request
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from multidict import CIMultiDict

from tests.unit.botocore_requests import to_mocked
from gateway.auth import sigv4
from gateway.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "examplebucket.s3.amazonaws.com"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SCOPE = f"{AK}/20130524/us-east-1/s3/aws4_request"


def check(method: str, raw_path: str, headers: dict[str, str] | list[tuple[str, str]],
          secret: str = SECRET) -> sigv4.V4Auth:
    """Parse and verify like authenticate() does, minus store and clock."""
    request = make_mocked_request(method, raw_path, headers=CIMultiDict(headers))
    _, query = sigv4.split_raw_path(request.raw_path)
    if "Authorization" in request.headers:
        auth = sigv4.parse_authorization(request.headers["Authorization"], request.headers)
    else:
        auth = sigv4.parse_presigned(sigv4.parse_query(query), 604800)
    sigv4.verify(auth, secret, request.method, request.raw_path, request.headers)
    return auth


def header_auth(signed: str, signature: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential={SCOPE},SignedHeaders={signed},"
            f"Signature={signature}")


# --- AWS published examples (S3 API reference, sig-v4-header-based-auth) ------

def test_aws_example_get_object() -> None:
    check("GET", "/test.txt", {
        "Host": HOST, "Range": "bytes=0-9", "x-amz-content-sha256": EMPTY,
        "x-amz-date": "20130524T000000Z",
        "Authorization": header_auth(
            "host;range;x-amz-content-sha256;x-amz-date",
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")})


@pytest.mark.parametrize("path", ["/test%24file.text", "/test$file.text"])
def test_aws_example_put_object(path: str) -> None:
    # The doc shows the request line with a bare '$' and the canonical URI
    # escaped; both spellings on the wire must verify.
    check("PUT", path, {
        "Host": HOST, "Date": "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date": "20130524T000000Z", "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256":
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
        "Authorization": header_auth(
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")})


def test_aws_example_get_bucket_lifecycle() -> None:
    check("GET", "/?lifecycle", {
        "Host": HOST, "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z",
        "Authorization": header_auth(
            "host;x-amz-content-sha256;x-amz-date",
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")})


def test_aws_example_list_objects() -> None:
    check("GET", "/?max-keys=2&prefix=J", {
        "Host": HOST, "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z",
        "Authorization": header_auth(
            "host;x-amz-content-sha256;x-amz-date",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")})


PRESIGNED = (
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")


def test_aws_example_presigned_url() -> None:
    auth = check("GET", PRESIGNED, {"Host": HOST})
    assert auth.presigned and auth.expires == 86400
    assert auth.payload_hash == sigv4.UNSIGNED_PAYLOAD


def test_aws_example_tampered_fails_with_debug_fields() -> None:
    with pytest.raises(SignatureDoesNotMatch) as info:
        check("GET", "/test.txt", {
            "Host": HOST, "Range": "bytes=0-10", "x-amz-content-sha256": EMPTY,
            "x-amz-date": "20130524T000000Z",
            "Authorization": header_auth(
                "host;range;x-amz-content-sha256;x-amz-date",
                "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")})
    fields = info.value.fields
    assert fields["AWSAccessKeyId"] == AK
    assert fields["CanonicalRequest"].startswith("GET\n/test.txt\n\nhost:")
    assert "range:bytes=0-10\n" in fields["CanonicalRequest"]
    assert fields["StringToSign"].startswith("AWS4-HMAC-SHA256\n20130524T000000Z\n")
    assert fields["StringToSignBytes"].startswith("41 57 53 34 2d")
    assert fields["CanonicalRequestBytes"].startswith("47 45 54 0a")
    assert SECRET not in str(fields)


def test_presigned_tampered_query_fails() -> None:
    with pytest.raises(SignatureDoesNotMatch):
        check("GET", PRESIGNED.replace("/test.txt", "/test.txt2"), {"Host": HOST})
    with pytest.raises(SignatureDoesNotMatch):
        check("GET", PRESIGNED + "&extra=1", {"Host": HOST})


# --- canonicalisation -----------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("", ""),
    ("b=2&a=1", "a=1&b=2"),
    ("a=2&a=1&a=", "a=&a=1&a=2"),                  # repeats kept, sorted by value
    ("uploads", "uploads="),                        # no '=' -> empty value
    ("a=b+c", "a=b%20c"),                           # '+' is a form-encoded space
    ("a=b%2Bc", "a=b%2Bc"),                         # an escaped plus stays a plus
    ("a=b%20c", "a=b%20c"),
    ("a=~x-_.", "a=~x-_."),                         # unreserved untouched
    ("a=%7E", "a=~"),                               # over-escaped unreserved decoded
    ("k=caf%C3%A9&%C3%A9=1", "%C3%A9=1&k=caf%C3%A9"),    # sorted on the encoded form
    ("k=café", "k=caf%C3%A9"),
    ("k=a/b:c", "k=a%2Fb%3Ac"),                     # reserved always escaped
    ("k=%ff", "k=%FF"),                             # invalid UTF-8 kept byte-exact
    ("k=%zz", "k=%25zz"),                           # broken escape is literal text
    ("a=1&&b=2", "a=1&b=2"),
    ("B=1&a=1", "B=1&a=1"),                         # byte order: upper case first
])
def test_canonical_query_string(raw: str, expected: str) -> None:
    assert sigv4.canonical_query_string(sigv4.parse_query(raw)) == expected


def test_canonical_query_string_drops_signature_only_when_presigned() -> None:
    query = sigv4.parse_query("X-Amz-Signature=abc&x=1")
    assert sigv4.canonical_query_string(query, exclude_signature=True) == "x=1"
    assert sigv4.canonical_query_string(query) == "X-Amz-Signature=abc&x=1"


def test_canonical_headers_trim_collapse_and_join() -> None:
    headers = CIMultiDict([("Host", " h "), ("X-Amz-Meta-A", "  a   b\t c "),
                           ("x-amz-meta-a", "d"), ("X-Empty", "")])
    out = sigv4.canonical_headers(headers, ("host", "x-amz-meta-a", "x-empty", "x-absent"))
    assert out == "host:h\nx-amz-meta-a:a b c,d\nx-empty:\nx-absent:\n"


def test_split_raw_path_handles_absolute_form() -> None:
    assert sigv4.split_raw_path("http://h:80/b/k?x=1") == ("/b/k", "x=1")
    assert sigv4.split_raw_path("/b/k%20x?") == ("/b/k%20x", "")
    assert sigv4.split_raw_path("") == ("/", "")


def test_signing_key_is_cached() -> None:
    sigv4.signing_key.cache_clear()
    first = sigv4.signing_key(SECRET, "20130524", "us-east-1", "s3")
    assert sigv4.signing_key(SECRET, "20130524", "us-east-1", "s3") is first
    assert sigv4.signing_key.cache_info().hits == 1
    assert sigv4.signing_key.cache_info().maxsize == 1024


# --- parse errors -----------------------------------------------------------------

BASE = {"Host": HOST, "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z"}


def parse(authorization: str, **extra: str) -> sigv4.V4Auth:
    headers = CIMultiDict({**BASE, **extra})
    return sigv4.parse_authorization(authorization, headers)


def test_parse_tolerates_spaces() -> None:
    auth = parse(f"AWS4-HMAC-SHA256  Credential = {SCOPE} ,  SignedHeaders=host;x-amz-date ,"
                 " Signature=abc")
    assert (auth.access_key, auth.region, auth.signed_headers, auth.signature) == (
        AK, "us-east-1", ("host", "x-amz-date"), "abc")


@pytest.mark.parametrize("value", [
    "AWS4-HMAC-SHA256",
    f"AWS4-HMAC-SHA256 Credential={SCOPE}, Signature=abc",
    f"AWS4-HMAC-SHA256 Credential={SCOPE} SignedHeaders=host Signature=abc",
    "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3, SignedHeaders=host, Signature=a",
    "AWS4-HMAC-SHA256 Credential=AK/2013-05-24/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=a",
    "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/iam/aws4_request, "
    "SignedHeaders=host, Signature=a",
    "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws5_request, "
    "SignedHeaders=host, Signature=a",
    f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=, Signature=a",
    "AWS4-HMAC-SHA256 Credential=AK/20130525/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=a",                     # scope date != x-amz-date
])
def test_malformed_header(value: str) -> None:
    with pytest.raises(AuthorizationHeaderMalformed) as info:
        parse(value)
    assert info.value.detail.startswith("The authorization header is malformed;")


def test_any_region_accepted() -> None:
    auth = parse(f"AWS4-HMAC-SHA256 Credential={AK}/20130524/moon-1/s3/aws4_request,"
                 " SignedHeaders=host, Signature=a")
    assert auth.scope == "20130524/moon-1/s3/aws4_request"


def test_missing_content_sha256() -> None:
    headers = CIMultiDict({"Host": HOST, "x-amz-date": "20130524T000000Z"})
    with pytest.raises(InvalidRequest, match="x-amz-content-sha256"):
        sigv4.parse_authorization(header_auth("host", "a"), headers)


def test_bad_content_sha256() -> None:
    with pytest.raises(InvalidArgument):
        parse(header_auth("host", "a"), **{"x-amz-content-sha256": "nope"})


def test_missing_or_bad_date() -> None:
    headers = CIMultiDict({"Host": HOST, "x-amz-content-sha256": EMPTY})
    with pytest.raises(AccessDenied, match="valid Date"):
        sigv4.parse_authorization(header_auth("host", "a"), headers)
    with pytest.raises(AccessDenied, match="valid Date"):
        parse(header_auth("host", "a"), **{"x-amz-date": "2013-05-24"})


def test_date_header_used_when_no_x_amz_date() -> None:
    headers = CIMultiDict({"Host": HOST, "x-amz-content-sha256": EMPTY,
                           "Date": "Fri, 24 May 2013 00:00:00 GMT"})
    auth = sigv4.parse_authorization(header_auth("host", "a"), headers)
    assert auth.amz_date == "20130524T000000Z"


def presign_query(**override: str) -> sigv4.Query:
    params = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": SCOPE,
              "X-Amz-Date": "20130524T000000Z", "X-Amz-Expires": "86400",
              "X-Amz-SignedHeaders": "host", "X-Amz-Signature": "abc", **override}
    return [(k.encode(), v.encode()) for k, v in params.items()]


@pytest.mark.parametrize("override", [
    {"X-Amz-Algorithm": "AWS4-HMAC-SHA512"},
    {"X-Amz-Expires": "-1"},
    {"X-Amz-Expires": "604801"},
    {"X-Amz-Expires": "soon"},
    {"X-Amz-Date": "2013-05-24T00:00:00Z"},
    {"X-Amz-Credential": f"{AK}/20130524/us-east-1/s3"},
    {"X-Amz-Credential": f"{AK}/20130523/us-east-1/s3/aws4_request"},
    {"X-Amz-SignedHeaders": ""},
])
def test_presigned_parameter_errors(override: dict[str, str]) -> None:
    with pytest.raises(AuthorizationQueryParametersError):
        sigv4.parse_presigned(presign_query(**override), 604800)


def test_presigned_missing_parameter() -> None:
    query = [p for p in presign_query() if p[0] != b"X-Amz-Date"]
    with pytest.raises(AuthorizationQueryParametersError, match="requires"):
        sigv4.parse_presigned(query, 604800)


def test_presigned_payload_hash_from_query() -> None:
    query = presign_query() + [(b"X-Amz-Content-Sha256", EMPTY.encode())]
    assert sigv4.parse_presigned(query, 604800).payload_hash == EMPTY


# --- time and unsigned headers -------------------------------------------------------

T0 = datetime(2013, 5, 24, tzinfo=timezone.utc)


def test_skew_fields() -> None:
    auth = parse(header_auth("host", "a"))
    sigv4.check_time(auth, T0 + timedelta(seconds=900), 900)
    sigv4.check_time(auth, T0 - timedelta(seconds=900), 900)
    with pytest.raises(RequestTimeTooSkewed) as info:
        sigv4.check_time(auth, T0 + timedelta(seconds=901), 900)
    assert info.value.fields == {"RequestTime": "20130524T000000Z",
                                 "ServerTime": "2013-05-24T00:15:01Z",
                                 "MaxAllowedSkewMilliseconds": "900000"}


def test_presigned_expiry_and_not_yet_valid() -> None:
    auth = sigv4.parse_presigned(presign_query(), 604800)
    sigv4.check_time(auth, T0 + timedelta(seconds=86400), 900)  # last valid second
    sigv4.check_time(auth, T0 - timedelta(seconds=900), 900)    # client clock ahead
    with pytest.raises(AccessDenied, match="Request has expired") as info:
        sigv4.check_time(auth, T0 + timedelta(seconds=86401), 900)
    assert info.value.fields == {"X-Amz-Expires": "86400", "Expires": "2013-05-25T00:00:00Z",
                                 "ServerTime": "2013-05-25T00:00:01Z"}
    with pytest.raises(AccessDenied, match="not yet valid"):
        sigv4.check_time(auth, T0 - timedelta(seconds=901), 900)


def test_presigned_expires_zero_is_valid_and_already_expired() -> None:
    auth = sigv4.parse_presigned(presign_query(**{"X-Amz-Expires": "0"}), 604800)
    with pytest.raises(AccessDenied, match="Request has expired") as info:
        sigv4.check_time(auth, T0, 900)  # even at the very second it was signed
    assert info.value.fields == {"X-Amz-Expires": "0", "Expires": "2013-05-24T00:00:00Z",
                                 "ServerTime": "2013-05-24T00:00:00Z"}


def test_unsigned_amz_headers_rejected() -> None:
    auth = parse(header_auth("host;x-amz-content-sha256;x-amz-date", "a"))
    headers = CIMultiDict({**BASE, "X-Amz-Meta-Evil": "1", "User-Agent": "x"})
    with pytest.raises(AccessDenied) as info:
        sigv4.check_signed_headers(auth, headers)
    assert info.value.fields == {"HeadersNotSigned": "x-amz-meta-evil"}
    sigv4.check_signed_headers(auth, CIMultiDict({**BASE, "User-Agent": "x"}))


def test_host_must_be_signed() -> None:
    auth = parse(header_auth("x-amz-content-sha256;x-amz-date", "a"))
    with pytest.raises(AccessDenied) as info:
        sigv4.check_signed_headers(auth, CIMultiDict(BASE))
    assert info.value.fields == {"HeadersNotSigned": "host"}


# --- cross-check against botocore ----------------------------------------------------

KEYS = [
    "plain.txt", "with space.txt", "plus+sign", "tilde~x", "percent%25", "percent%",
    "unicode/fran\u00e7ais/\u65e5\u672c\u8a9e", "emoji-\U0001f600", "a:b@c!$&'()*,;=",
    "deep/nested/path/", "..", "quote\"s", "back\\slash", "hash#frag", "q?mark",
    "semi;colon", "[brackets]", "{curly}", "caret^pipe|", "ctrl\u00a0nbsp",
]
QUERIES: list[dict[str, str]] = [
    {}, {"uploads": ""}, {"prefix": "a b+c", "delimiter": "/"},
    {"list-type": "2", "start-after": "\u00e9t\u00e9", "max-keys": "10"},
    {"versionId": "3/L4kqtJl40Nr8X8gdRQBpUMLUo", "response-content-type": "text/plain; a=b"},
    {"tilde": "~", "empty": "", "star": "*", "slash": "/"},
]


def botocore_request(method: str, key: str, query: dict[str, str],
                     extra: dict[str, str] | None = None, body: bytes = b"") -> AWSRequest:
    from botocore.utils import percent_encode
    url = f"http://bucket.s3.example.test:8080/{percent_encode(key, safe='/~')}"
    return AWSRequest(method=method, url=url, params=query, data=body,
                      headers=dict(extra or {}))


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(q) or "none")
def test_botocore_header_auth_verifies(key: str, query: dict[str, str]) -> None:
    request = botocore_request("PUT", key, query, {"x-amz-meta-note": "  two  spaces "},
                               body=b"hello")
    S3SigV4Auth(Credentials(AK, SECRET), "s3", "eu-west-3").add_auth(request)
    method, raw_path, headers = to_mocked(request)
    auth = check(method, raw_path, headers)
    assert auth.region == "eu-west-3"
    with pytest.raises(SignatureDoesNotMatch):
        check(method, raw_path, headers, secret=SECRET + "x")
    headers["x-amz-meta-note"] = "changed"
    with pytest.raises(SignatureDoesNotMatch):
        check(method, raw_path, headers)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(q) or "none")
def test_botocore_presigned_verifies(key: str, query: dict[str, str]) -> None:
    request = botocore_request("GET", key, query)
    S3SigV4QueryAuth(Credentials(AK, SECRET), "s3", "us-east-1", expires=600).add_auth(request)
    method, raw_path, headers = to_mocked(request)
    auth = check(method, raw_path, headers)
    assert auth.presigned and auth.payload_hash == sigv4.UNSIGNED_PAYLOAD
    with pytest.raises(SignatureDoesNotMatch):
        check(method, raw_path.replace("X-Amz-Expires=600", "X-Amz-Expires=6000"), headers)
    with pytest.raises(SignatureDoesNotMatch):
        check("DELETE", raw_path, headers)
