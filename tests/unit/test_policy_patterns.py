"""IAM wildcard matching: exact semantics, and linear cost for hostile patterns."""

from __future__ import annotations

import time

import pytest

from gateway import errors

from gateway.policy.patterns import Wildcard, Wildcards
from tests.unit.policy_support import BUCKET, policy, request, statement


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    ("abc", "abc", True), ("abc", "abcd", False), ("abc", "ab", False),
    ("a?c", "abc", True), ("a?c", "ac", False), ("???", "abc", True), ("???", "ab", False),
    ("*", "", True), ("*", "anything at all", True), ("a*", "a", True), ("a*", "ba", False),
    ("*a", "ba", True), ("*a", "ab", False), ("a*b", "ab", True), ("a*b", "a-x-b", True),
    ("a*b", "a-x-c", False), ("a*a", "a", False), ("a*a", "aa", True),
    ("*x*y*", "..x..y..", True), ("*x*y*", "..y..x..", False), ("*x?y*", "xzy", True),
    ("a*?", "a", False), ("a*?", "ab", True), ("**", "", True),
    ("a.b", "axb", False), ("[ab]", "a", False), ("[ab]", "[ab]", True),
    ("line*", "line1\nline2", True), ("caf\u00e9/*", "caf\u00e9/cr\u00e8me", True),
    ("*ab*ab*", "abab", True), ("*ab*ab*", "aab", False), ("*aab", "aaab", True),
])
def test_wildcard(pattern: str, text: str, matches: bool) -> None:
    assert Wildcard.of(pattern).matches(text) is matches


def test_several_patterns_match_when_one_does() -> None:
    patterns = Wildcards.of(["a/*", "b/?"])
    assert patterns.matches("a/x") and patterns.matches("b/x")
    assert not patterns.matches("b/xy") and not patterns.matches("c/x")


def test_a_hostile_pattern_costs_little() -> None:
    """``*a*a*...*b`` against a long run of ``a``: exponential for a backtracking regex."""
    hostile = f"arn:aws:s3:::{BUCKET}/" + "*a" * 200 + "*b"
    doc = policy(statement(resource=hostile))
    key = "a" * 1024
    started = time.perf_counter()
    for _ in range(20):
        assert doc.evaluate(request(key=key)) == "default"
    assert time.perf_counter() - started < 2.0  # a backtracking regex takes hours


def test_a_hostile_action_pattern_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(errors.S3Error, match="Policy has invalid action"):
        policy(statement(action="s3:" + "*e" * 30 + "*z"))  # no action has 30 e's
    assert time.perf_counter() - started < 2.0
