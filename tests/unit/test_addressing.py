"""Path-style and virtual-hosted-style addressing: which bucket and key a request names."""

from __future__ import annotations

import pytest

from gateway import errors
from gateway.addressing import InvalidURI, Target, host_bucket, resolve_target

DOMAINS = ["localhost"]


# --- host_bucket ---------------------------------------------------------------------


@pytest.mark.parametrize(("host", "expected"), [
    ("bucket.localhost", "bucket"),
    ("bucket.localhost:8080", "bucket"),
    ("my.dotted.bucket.localhost:8080", "my.dotted.bucket"),
    ("BUCKET.LocalHost", "bucket"),          # host names are case-insensitive
    ("bucket.localhost.", "bucket"),         # a fully qualified name with its root dot
    ("bucket.localhost.:9000", "bucket"),
])
def test_host_bucket_virtual_hosts(host: str, expected: str) -> None:
    assert host_bucket(host, DOMAINS) == expected


@pytest.mark.parametrize("host", [
    "localhost",
    "localhost:8080",
    ".localhost",             # no bucket label before the base domain
    "127.0.0.1:8080",
    "[::1]:8080",
    "[::1]",
    "notlocalhost",           # a suffix match must be on a label boundary
    "bucket.notlocalhost:80",
    "s3.example.com",
])
def test_host_bucket_path_style_hosts(host: str) -> None:
    assert host_bucket(host, DOMAINS) is None


def test_host_bucket_several_base_domains() -> None:
    domains = ["s3.example.com", "localhost"]
    assert host_bucket("photos.s3.example.com", domains) == "photos"
    assert host_bucket("photos.localhost:1234", domains) == "photos"
    assert host_bucket("s3.example.com", domains) is None
    assert host_bucket("photos.example.com", domains) is None


def test_host_bucket_base_domain_case_and_trailing_dot_ignored() -> None:
    assert host_bucket("b.s3.example.com", ["S3.Example.COM."]) == "b"


# --- resolve_target: path style --------------------------------------------------------


@pytest.mark.parametrize(("raw_path", "expected"), [
    ("/", Target(None, None, False)),
    ("", Target(None, None, False)),
    ("/?list-type=2", Target(None, None, False)),
    ("/bucket", Target("bucket", None, False)),
    ("/bucket/", Target("bucket", None, False)),
    ("/bucket?location", Target("bucket", None, False)),
    ("/bucket/key", Target("bucket", "key", False)),
    ("/bucket/a/b/c.txt", Target("bucket", "a/b/c.txt", False)),
    ("/bucket/key?versionId=1", Target("bucket", "key", False)),
    ("/my.dotted.bucket/key", Target("my.dotted.bucket", "key", False)),
])
def test_path_style(raw_path: str, expected: Target) -> None:
    assert resolve_target("127.0.0.1:8080", raw_path, DOMAINS) == expected


def test_path_style_without_host() -> None:
    assert resolve_target("", "/bucket/k", DOMAINS) == Target("bucket", "k", False)


@pytest.mark.parametrize(("raw_key", "key"), [
    ("a%20b", "a b"),
    ("a+b", "a+b"),                 # '+' is a plus sign in a path, never a space
    ("a%2Bb", "a+b"),
    ("%2520", "%20"),               # decoded once only
    ("%25", "%"),
    ("a%3Fb%23c", "a?b#c"),
    ("%C3%A9%E6%97%A5", "é日"),
    ("%F0%9F%98%80", "\U0001F600"),
    ("a//b", "a//b"),               # empty segments are kept
    ("/", "/"),                     # the key "/" (path "/bucket//")
    ("//leading", "//leading"),
    ("trailing/", "trailing/"),
    ("a/../b", "a/../b"),           # dot segments are not resolved
    ("a/./b", "a/./b"),
    ("..", ".."),
    (".", "."),
    ("a%2Fb", "a/b"),
    ("%01%09%0A", "\x01\t\n"),
])
def test_path_style_keys_decoded_exactly_once(raw_key: str, key: str) -> None:
    target = resolve_target("127.0.0.1:8080", "/bucket/" + raw_key, DOMAINS)
    assert target == Target("bucket", key, False)


def test_path_style_query_is_not_part_of_key() -> None:
    target = resolve_target("h", "/b/k%3Fnot-a-query?acl", DOMAINS)
    assert target.key == "k?not-a-query"


def test_path_style_encoded_bucket_name() -> None:
    assert resolve_target("h", "/b%2Dx/k", DOMAINS).bucket == "b-x"


# --- resolve_target: virtual-hosted style ----------------------------------------------


@pytest.mark.parametrize(("host", "raw_path", "expected"), [
    ("bucket.localhost:8080", "/", Target("bucket", None, True)),
    ("bucket.localhost:8080", "", Target("bucket", None, True)),
    ("bucket.localhost:8080", "/?list-type=2", Target("bucket", None, True)),
    ("bucket.localhost:8080", "/key", Target("bucket", "key", True)),
    ("bucket.localhost", "/a/b", Target("bucket", "a/b", True)),
    ("my.dotted.bucket.localhost:8080", "/k", Target("my.dotted.bucket", "k", True)),
    ("bucket.localhost", "//", Target("bucket", "/", True)),
    ("bucket.localhost", "//leading", Target("bucket", "/leading", True)),
    ("bucket.localhost", "/a+b%20c", Target("bucket", "a+b c", True)),
    ("bucket.localhost", "/bucket/key", Target("bucket", "bucket/key", True)),
])
def test_virtual_host_style(host: str, raw_path: str, expected: Target) -> None:
    assert resolve_target(host, raw_path, DOMAINS) == expected


def test_virtual_host_with_port_and_unicode_key() -> None:
    target = resolve_target("b.localhost:18181", "/%E6%97%A5%E6%9C%AC%E8%AA%9E.txt?x=1", DOMAINS)
    assert target == Target("b", "日本語.txt", True)


def test_ip_host_is_path_style_even_with_dots() -> None:
    assert resolve_target("10.0.0.1:80", "/b/k", DOMAINS) == Target("b", "k", False)


# --- invalid UTF-8 ---------------------------------------------------------------------


@pytest.mark.parametrize(("host", "raw_path"), [
    ("127.0.0.1", "/bucket/%FF"),
    ("127.0.0.1", "/bucket/%C3"),          # truncated sequence
    ("127.0.0.1", "/bucket/%ED%A0%80"),    # a UTF-16 surrogate encoded as UTF-8
    ("127.0.0.1", "/%FF/key"),
    ("b.localhost", "/%C0%AF"),            # overlong '/'
])
def test_invalid_utf8_is_invalid_uri(host: str, raw_path: str) -> None:
    with pytest.raises(InvalidURI) as info:
        resolve_target(host, raw_path, DOMAINS)
    assert isinstance(info.value, errors.S3Error)
    assert info.value.code == "InvalidURI"
    assert info.value.status == 400
