"""Policy variables: ``${aws:username}`` in a Resource or a string condition value.

Only in policies of Version ``2012-10-17`` (older ones read ``${...}`` as
text), in ``Resource``/``NotResource`` and in the values of the ``String...``
and ``Arn...`` condition operators, as IAM defines them. A variable names a
condition key of the request (``PolicyRequest.conditions``: ``aws:username``,
``aws:userid``, ``aws:PrincipalType``, ``aws:SourceIp``, ``aws:CurrentTime``,
``aws:SecureTransport``, ``s3:prefix``...; names are case-insensitive) and may
carry a default, ``${aws:username, 'nobody'}`` (``''`` is a quote in it).
``${*}``, ``${?}`` and ``${$}`` stand for those characters themselves. A
substituted value is literal text: a ``*`` in a caller's prefix is no wildcard.

A variable the request has no single value for (an absent or multi-valued
key, an unknown name, an empty ``${}``) and no default cannot be resolved:
as IAM says, that makes the whole statement invalid, so it does not apply
(``render`` answers ``None``). Each template is parsed once, with the policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway import errors
from gateway.policy.condition_keys import canonical_key

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = frozenset({"*", "?", "$"})
_DEFAULT = re.compile(r"'((?:[^']|'')*)'")


@dataclass(frozen=True)
class Variable:
    """``${key}`` or ``${key, 'default'}``; ``key`` None: a name no request carries."""

    key: str | None
    default: str | None = None

    def value(self, context: Mapping[str, Sequence[str]]) -> str | None:
        values = context.get(self.key) if self.key is not None else None
        if values is not None and len(values) == 1:
            return values[0]
        return self.default


@dataclass(frozen=True)
class Rendered:
    """A template's text for one request; ``literal``: positions of ``*``/``?`` that
    are themselves, not wildcards."""

    text: str
    literal: frozenset[int]


@dataclass(frozen=True)
class Template:
    """A policy string with variables: literal text, escaped characters and variables."""

    parts: tuple[str | Variable | Rendered, ...]

    def render(self, context: Mapping[str, Sequence[str]]) -> Rendered | None:
        """The text for a request with ``context``; ``None`` if a variable has no value."""
        out: list[str] = []
        literal: set[int] = set()
        position = 0
        for part in self.parts:
            if isinstance(part, str):
                text = part
            else:
                text = part.text if isinstance(part, Rendered) else part.value(context)
                if text is None:
                    return None
                literal.update(position + i for i, ch in enumerate(text) if ch in "*?")
            out.append(text)
            position += len(text)
        return Rendered("".join(out), frozenset(literal))


def has_variables(text: str) -> bool:
    return _VARIABLE.search(text) is not None


def _key(name: str) -> str | None:
    try:
        return canonical_key(name)
    except errors.S3Error:
        return None  # unknown: never resolves, as IAM treats a key no request has


def _variable(inner: str) -> str | Variable | Rendered:
    stripped = inner.strip()
    if inner in _ESCAPES:
        return Rendered(inner, frozenset())
    name, comma, rest = stripped.partition(",")
    default = None
    if comma:
        quoted = _DEFAULT.fullmatch(rest.strip())
        if quoted is None:
            return Variable(None)  # a malformed default: unresolvable
        default = quoted.group(1).replace("''", "'")
    name = name.strip()
    return Variable(_key(name) if name else None, default)


def parse_template(text: str) -> Template | None:
    """``text``'s template, or ``None`` when it uses no variable."""
    if "${" not in text:
        return None
    parts: list[str | Variable | Rendered] = []
    end = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > end:
            parts.append(text[end:found.start()])
        parts.append(_variable(found.group(1)))
        end = found.end()
    if not parts:
        return None
    if end < len(text):
        parts.append(text[end:])
    return Template(tuple(parts))
