"""IAM wildcards: ``*`` (any run of characters) and ``?`` (any one character).

A pattern is never turned into one backtracking regex: a policy writer could
make ``*a*a*a...b`` cost exponential time against a long key, and the event
loop serves every tenant. Instead the pattern is split at ``*`` into
segments of fixed length (``?`` is one character); the first must start the
text, the last must end it, and the others are found left to right, each at
its earliest place (which is always right for ``*``). Each step is one C-level
regex search of a segment without quantifiers, so a match costs
O(len(text) x len(pattern)) at worst.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _segment(text: str, offset: int = 0,
             literal: frozenset[int] = frozenset()) -> re.Pattern[str]:
    """``text`` (at ``offset`` in its pattern) as a regex: ``?`` any one character,
    unless its position is ``literal``."""
    return re.compile("".join("." if ch == "?" and offset + i not in literal else re.escape(ch)
                              for i, ch in enumerate(text)), re.DOTALL)


@dataclass(frozen=True)
class Wildcard:
    """One pattern, split at its stars."""

    head: re.Pattern[str]
    head_len: int
    tail: re.Pattern[str] | None  # None: the pattern has no star
    tail_len: int
    middle: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, pattern: str, literal: frozenset[int] = frozenset()) -> Wildcard:
        """``literal``: positions of ``*`` and ``?`` that stand for themselves (a policy
        variable's value, or the escapes ``${*}`` and ``${?}``)."""
        if literal:
            return cls._of_pieces(pattern, literal)
        parts = pattern.split("*")
        if len(parts) == 1:
            return cls(_segment(pattern), len(pattern), None, 0, ())
        return cls(_segment(parts[0]), len(parts[0]), _segment(parts[-1]), len(parts[-1]),
                   tuple(_segment(p) for p in parts[1:-1] if p))

    @classmethod
    def _of_pieces(cls, pattern: str, literal: frozenset[int]) -> Wildcard:
        stars = [i for i, ch in enumerate(pattern) if ch == "*" and i not in literal]
        if not stars:
            return cls(_segment(pattern, 0, literal), len(pattern), None, 0, ())
        starts = [0, *(i + 1 for i in stars)]
        ends = [*stars, len(pattern)]
        pieces = [(pattern[a:b], a) for a, b in zip(starts, ends, strict=True)]
        (head, _), (tail, tail_at) = pieces[0], pieces[-1]
        return cls(_segment(head, 0, literal), len(head), _segment(tail, tail_at, literal),
                   len(tail), tuple(_segment(p, at, literal) for p, at in pieces[1:-1] if p))

    def matches(self, text: str) -> bool:
        if self.tail is None:
            return len(text) == self.head_len and self.head.match(text) is not None
        end = len(text) - self.tail_len
        if end < self.head_len or self.head.match(text, 0, self.head_len) is None \
                or self.tail.match(text, end) is None:
            return False
        position = self.head_len
        for segment in self.middle:
            found = segment.search(text, position, end)
            if found is None:
                return False
            position = found.end()
        return True


@dataclass(frozen=True)
class Wildcards:
    """Several patterns; a text matches when one of them does."""

    patterns: tuple[Wildcard, ...]

    @classmethod
    def of(cls, patterns: Iterable[str]) -> Wildcards:
        return cls(tuple(Wildcard.of(p) for p in patterns))

    def matches(self, text: str) -> bool:
        return any(pattern.matches(text) for pattern in self.patterns)
