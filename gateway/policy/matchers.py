"""Sets of names with IAM wildcards, tested with a set lookup when they have none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gateway.policy.patterns import Wildcards, has_wildcard


@dataclass(frozen=True)
class NameSet:
    """Exact names in a frozenset, wildcard patterns in one compiled regex."""

    exact: frozenset[str]
    patterns: Wildcards | None
    ignore_case: bool = False

    @classmethod
    def of(cls, names: Iterable[str], ignore_case: bool = False) -> NameSet:
        names = [name.lower() if ignore_case else name for name in names]
        wild = [name for name in names if has_wildcard(name)]
        return cls(frozenset(n for n in names if not has_wildcard(n)),
                   Wildcards.of(wild) if wild else None, ignore_case)

    def contains(self, name: str) -> bool:
        """``name`` must already be lower-case when the set ignores case."""
        return name in self.exact or (self.patterns is not None and self.patterns.matches(name))
