"""IAM wildcards: ``*`` (any run of characters) and ``?`` (any one character)."""

from __future__ import annotations

import re
from dataclasses import dataclass


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def compile_wildcards(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """A regex matching exactly what ``pattern`` matches; nothing else is special."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


@dataclass(frozen=True)
class Wildcards:
    """A list of patterns compiled once into one regex (an alternation)."""

    regex: re.Pattern[str]

    @classmethod
    def of(cls, patterns: list[str], ignore_case: bool = False) -> Wildcards:
        joined = "|".join(f"(?:{compile_wildcards(p, ignore_case).pattern})" for p in patterns)
        flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
        return cls(re.compile(joined, flags))

    def matches(self, text: str) -> bool:
        return self.regex.fullmatch(text) is not None
