"""Condition operators as IAM evaluates them, including absent keys, IfExists and sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.unit.policy_support import BUCKET_ARN, policy, request, statement


def holds(condition: dict[str, Any], context: dict[str, Sequence[str]]) -> bool:
    doc = policy(statement(action="s3:ListBucket", resource=BUCKET_ARN, Condition=condition))
    return doc.evaluate(request("s3:ListBucket", key=None, conditions=context)) == "allow"


CASES: list[tuple[dict[str, Any], dict[str, Sequence[str]], bool]] = [
    # strings
    ({"StringEquals": {"s3:prefix": "home/"}}, {"s3:prefix": ["home/"]}, True),
    ({"StringEquals": {"s3:prefix": "home/"}}, {"s3:prefix": ["Home/"]}, False),
    ({"StringEquals": {"s3:prefix": ["a", "home/"]}}, {"s3:prefix": ["home/"]}, True),
    ({"StringEquals": {"s3:prefix": "home/"}}, {}, False),
    ({"StringNotEquals": {"s3:prefix": "home/"}}, {"s3:prefix": ["other/"]}, True),
    ({"StringNotEquals": {"s3:prefix": "home/"}}, {"s3:prefix": ["home/"]}, False),
    ({"StringNotEquals": {"s3:prefix": "home/"}}, {}, True),  # absent: negation holds
    ({"StringEqualsIgnoreCase": {"s3:prefix": "HOME/"}}, {"s3:prefix": ["home/"]}, True),
    ({"StringNotEqualsIgnoreCase": {"s3:prefix": "HOME/"}}, {"s3:prefix": ["home/"]}, False),
    ({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": ["home/a/b"]}, True),
    ({"StringLike": {"s3:prefix": "home/?"}}, {"s3:prefix": ["home/ab"]}, False),
    ({"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": ["tmp/"]}, True),
    ({"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": ["home/x"]}, False),
    ({"StringLike": {"aws:Referer": "https://example.com/*"}},
     {"aws:Referer": ["https://example.com/page"]}, True),
    ({"StringEquals": {"aws:UserAgent": "curl/8"}}, {"aws:UserAgent": ["boto3"]}, False),
    ({"StringEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}},
     {"s3:signatureversion": ["AWS4-HMAC-SHA256"]}, True),
    ({"StringEquals": {"s3:authType": "REST-QUERY-STRING"}},
     {"s3:authType": ["REST-HEADER"]}, False),
    ({"StringEquals": {"s3:max-keys": "bucket-owner-full-control"}},  # any key, any value
     {"s3:max-keys": ["bucket-owner-full-control"]}, True),
    ({"StringEquals": {"s3:delimiter": "/"}}, {"s3:delimiter": ["/"]}, True),
    ({"StringEquals": {"S3:PREFIX": "a"}}, {"s3:prefix": ["a"]}, True),  # keys ignore case
    ({"StringEquals": {"s3:ExistingObjectTag/Team": "red"}},
     {"s3:ExistingObjectTag/Team": ["red"]}, True),
    ({"StringEquals": {"s3:existingobjecttag/Team": "red"}},
     {"s3:ExistingObjectTag/Team": ["red"]}, True),
    ({"StringEquals": {"s3:ExistingObjectTag/Team": "red"}},
     {"s3:ExistingObjectTag/team": ["red"]}, False),  # the tag's name keeps its case
    ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs*"}},
     {"aws:SourceArn": ["arn:aws:s3:::logs-1"]}, True),
    ({"ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::logs"}},
     {"aws:SourceArn": ["arn:aws:s3:::logs"]}, False),
    ({"BinaryEquals": {"aws:SourceArn": "QmluYXJ5"}}, {"aws:SourceArn": ["QmluYXJ5"]}, True),
    # numbers
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["9"]}, True),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["10"]}, False),
    ({"NumericLessThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": ["10"]}, True),
    ({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["11"]}, True),
    ({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": ["9"]}, False),
    ({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": ["10.0"]}, True),
    ({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": ["10"]}, False),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["many"]}, False),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {}, False),
    # dates
    ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
     {"aws:CurrentTime": ["2026-12-02T06:00:00Z"]}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
     {"aws:CurrentTime": ["2026-12-02T06:00:00Z"]}, False),
    ({"DateGreaterThanEquals": {"aws:CurrentTime": "2026-12-02"}},
     {"aws:CurrentTime": ["2026-12-02T00:00:00Z"]}, True),
    ({"DateLessThanEquals": {"aws:CurrentTime": 1764633600}},  # 2025-12-02 as epoch
     {"aws:CurrentTime": ["2025-12-01T23:59:59Z"]}, True),
    ({"DateEquals": {"aws:CurrentTime": "2026-01-01T01:00:00+01:00"}},
     {"aws:CurrentTime": ["2026-01-01T00:00:00Z"]}, True),
    ({"DateNotEquals": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
     {"aws:CurrentTime": ["2026-01-01T00:00:00Z"]}, False),
    ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
     {"aws:CurrentTime": ["not a date"]}, False),
    ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
     {"aws:CurrentTime": ["99999999999999"]}, False),
    # booleans
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": ["true"]}, True),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": ["false"]}, False),
    ({"Bool": {"aws:SecureTransport": "TRUE"}}, {"aws:SecureTransport": ["true"]}, True),
    # addresses
    ({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, {"aws:SourceIp": ["192.0.2.7"]}, True),
    ({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, {"aws:SourceIp": ["192.0.3.7"]}, False),
    ({"IpAddress": {"aws:SourceIp": "192.0.2.7"}}, {"aws:SourceIp": ["192.0.2.7"]}, True),
    ({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
     {"aws:SourceIp": ["2001:db8::1"]}, True),
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, {"aws:SourceIp": ["::1"]}, False),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": ["garbage"]}, False),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": ["192.0.2.1"]}, True),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": ["10.1.2.3"]}, False),
    # Null
    ({"Null": {"s3:delimiter": "true"}}, {}, True),
    ({"Null": {"s3:delimiter": "true"}}, {"s3:delimiter": ["private"]}, False),
    ({"Null": {"s3:delimiter": "false"}}, {"s3:delimiter": ["private"]}, True),
    ({"Null": {"s3:delimiter": False}}, {}, False),
    # IfExists
    ({"StringEqualsIfExists": {"s3:delimiter": "private"}}, {}, True),
    ({"StringEqualsIfExists": {"s3:delimiter": "private"}},
     {"s3:delimiter": ["public-read"]}, False),
    ({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {"s3:max-keys": ["5"]}, True),
    # several values and the set qualifiers
    ({"StringEquals": {"s3:prefix": "a"}}, {"s3:prefix": ["b", "a"]}, True),
    ({"StringNotEquals": {"s3:prefix": "a"}}, {"s3:prefix": ["b", "a"]}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "b"]},
     True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]},
     False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["c", "a"]}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["c"]}, False),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, False),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}}, {}, False),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["a", "b"]},
     True),
    ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["a", "b"]},
     False),
    ({"ForAllValues:StringLikeIfExists": {"aws:TagKeys": ["x*"]}}, {"aws:TagKeys": ["xy"]},
     True),
    # every condition of a block must hold
    ({"StringEquals": {"s3:prefix": "a", "s3:delimiter": "/"}},
     {"s3:prefix": ["a"], "s3:delimiter": ["-"]}, False),
    ({"StringEquals": {"s3:prefix": "a"}, "NumericLessThan": {"s3:max-keys": "5"}},
     {"s3:prefix": ["a"], "s3:max-keys": ["3"]}, True),
]


@pytest.mark.parametrize(("condition", "context", "expected"), CASES)
def test_condition(condition: dict[str, Any], context: dict[str, Sequence[str]],
                   expected: bool) -> None:
    assert holds(condition, context) is expected
