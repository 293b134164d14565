"""A statement's ``Condition`` block, compiled once and tested per request.

Each operator is a row of ``OPERATORS``: how its policy values compile and how
one request value is tested against them, and whether it is a negation.
AWS's rules for what a request does not carry: a negated operator
(``StringNotEquals``...) holds, any other fails, ``...IfExists`` holds, and
``Null`` tests exactly that. With several request values, ``ForAnyValue:``
needs one to pass, ``ForAllValues:`` all of them (and holds when there are
none); without a qualifier a positive operator needs one value to match and a
negated one needs none to. The values of ``String...`` and ``Arn...`` operators
may hold policy variables (``gateway.policy.variables``): such a condition is
compiled per request, and one whose variable has no value does not hold.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.policy.condition_keys import canonical_key
from gateway.policy.malformed import (
    INVALID_IP, invalid_condition_type, invalid_condition_value, malformed)
from gateway.policy.patterns import Wildcard, Wildcards
from gateway.policy.variables import Rendered, Template, has_variables, parse_template

Compiler = Callable[[str, list[str]], Any]
Test = Callable[[str, Any], bool]


@dataclass(frozen=True)
class Operator:
    compile: Compiler  # (operator name, policy values) -> what ``test`` takes
    test: Test  # (request value, compiled) -> matches
    negated: bool = False


def _strings(_: str, values: list[str]) -> frozenset[str]:
    return frozenset(values)


def _lowered(_: str, values: list[str]) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


def _wildcards(_: str, values: list[str]) -> Wildcards:
    return Wildcards.of(values)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numbers(operator: str, values: list[str]) -> tuple[float, ...]:
    parsed = tuple(_number(v) for v in values)
    for value, number in zip(values, parsed, strict=True):
        if number is None:
            raise invalid_condition_value(operator, value)
    return parsed  # type: ignore[return-value]


def _date(text: str) -> datetime | None:
    """ISO 8601 (``2026-01-01T00:00:00Z``, a date alone) or epoch seconds, as IAM."""
    number = _number(text)
    if number is not None:
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, ValueError, OSError):  # beyond what a datetime holds
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dates(operator: str, values: list[str]) -> tuple[datetime, ...]:
    parsed = tuple(_date(v) for v in values)
    for value, moment in zip(values, parsed, strict=True):
        if moment is None:
            raise invalid_condition_value(operator, value)
    return parsed  # type: ignore[return-value]


def _booleans(operator: str, values: list[str]) -> frozenset[str]:
    lowered = frozenset(v.lower() for v in values)
    if not lowered <= {"true", "false"}:
        raise invalid_condition_value(operator, values)
    return lowered


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(_: str, values: list[str]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(v, strict=False) for v in values)
    except ValueError:
        raise malformed(INVALID_IP) from None


def _in_networks(value: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in networks)


def _compare(relation: Callable[[Any, Any], bool],
             convert: Callable[[str], Any]) -> Test:
    def test(value: str, compiled: tuple[Any, ...]) -> bool:
        converted = convert(value)
        return converted is not None and any(relation(converted, p) for p in compiled)
    return test


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


def _member(value: str, compiled: frozenset[str]) -> bool:
    return value in compiled


def _member_lowered(value: str, compiled: frozenset[str]) -> bool:
    return value.lower() in compiled


def _like(value: str, compiled: Wildcards) -> bool:
    return compiled.matches(value)


def _ordered(prefix: str, convert: Callable[[str], Any], compiler: Compiler) -> dict[str, Operator]:
    return {
        f"{prefix}Equals": Operator(compiler, _compare(_eq, convert)),
        f"{prefix}NotEquals": Operator(compiler, _compare(_eq, convert), negated=True),
        f"{prefix}LessThan": Operator(compiler, _compare(_lt, convert)),
        f"{prefix}LessThanEquals": Operator(compiler, _compare(_le, convert)),
        f"{prefix}GreaterThan": Operator(compiler, _compare(_gt, convert)),
        f"{prefix}GreaterThanEquals": Operator(compiler, _compare(_ge, convert)),
    }


OPERATORS: Mapping[str, Operator] = {
    "StringEquals": Operator(_strings, _member),
    "StringNotEquals": Operator(_strings, _member, negated=True),
    "StringEqualsIgnoreCase": Operator(_lowered, _member_lowered),
    "StringNotEqualsIgnoreCase": Operator(_lowered, _member_lowered, negated=True),
    "StringLike": Operator(_wildcards, _like),
    "StringNotLike": Operator(_wildcards, _like, negated=True),
    "ArnEquals": Operator(_wildcards, _like),
    "ArnLike": Operator(_wildcards, _like),
    "ArnNotEquals": Operator(_wildcards, _like, negated=True),
    "ArnNotLike": Operator(_wildcards, _like, negated=True),
    "BinaryEquals": Operator(_strings, _member),
    "Bool": Operator(_booleans, _member_lowered),
    "IpAddress": Operator(_networks, _in_networks),
    "NotIpAddress": Operator(_networks, _in_networks, negated=True),
    **_ordered("Numeric", _number, _numbers),
    **_ordered("Date", _date, _dates),
}
_BY_LOWER = {name.lower(): name for name in OPERATORS}
# Operators whose values may hold policy variables, as IAM allows; the wildcard ones.
_WITH_VARIABLES = frozenset(name for name in OPERATORS if name.startswith(("String", "Arn")))
_WILDCARD_OPERATORS = frozenset(name for name in _WITH_VARIABLES
                                if OPERATORS[name].compile is _wildcards)
QUALIFIERS = ("ForAnyValue", "ForAllValues")


@dataclass(frozen=True)
class Condition:
    """One ``operator: {key: values}`` pair of a Condition block."""

    operator: str  # the full name as written: ForAllValues:StringLikeIfExists
    key: str  # the documented spelling
    compiled: Any
    test: Test
    negated: bool = False
    if_exists: bool = False
    qualifier: str = ""
    null_test: bool | None = None  # Null: True means "the key is absent"
    values: tuple[str, ...] = ()  # as written, for is_public
    templates: tuple[Template, ...] = ()  # the values, when they hold variables
    recompile: Callable[[list[Rendered]], Any] | None = None

    def holds(self, context: Mapping[str, Sequence[str]]) -> bool:
        compiled = self.compiled
        if self.recompile is not None:
            rendered = [template.render(context) for template in self.templates]
            if any(r is None for r in rendered):
                return False  # a variable without a value: the statement is invalid
            compiled = self.recompile(rendered)  # type: ignore[arg-type]
        values = context.get(self.key)
        if self.null_test is not None:
            return (not values) == self.null_test
        if not values:
            if self.qualifier:
                return self.qualifier == "ForAllValues" or self.if_exists
            return self.negated or self.if_exists
        test = self.test
        if self.qualifier == "ForAllValues":
            return all(test(v, compiled) != self.negated for v in values)
        if self.qualifier == "ForAnyValue" or not self.negated:
            return any(test(v, compiled) != self.negated for v in values)
        return not any(test(v, compiled) for v in values)


def _split_name(written: str) -> tuple[str, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> (qualifier, base operator, if_exists)."""
    qualifier, _, name = written.rpartition(":")
    if qualifier and qualifier not in QUALIFIERS:
        raise invalid_condition_type(written)
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = _BY_LOWER.get((name[:-len("IfExists")] if if_exists else name).lower())
    if base is None and not (name == "Null" and not qualifier):
        raise invalid_condition_type(written)
    return qualifier, base or "Null", if_exists


def _values(raw: object, operator: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise invalid_condition_value(operator, raw)
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        else:
            raise invalid_condition_value(operator, item)
    return out


def _recompiler(written: str, base: str) -> Callable[[list[Rendered]], Any]:
    """How a condition with variables compiles its values once they are rendered."""
    if base in _WILDCARD_OPERATORS:
        return lambda rendered: Wildcards(tuple(Wildcard.of(r.text, r.literal)
                                                for r in rendered))
    compile_values = OPERATORS[base].compile
    return lambda rendered: compile_values(written, [r.text for r in rendered])


def parse_conditions(block: object, variables: bool = False) -> tuple[Condition, ...]:
    """A statement's Condition block -> its conditions (all must hold); ``variables``:
    values may hold policy variables (Version 2012-10-17)."""
    if not isinstance(block, dict):
        raise invalid_condition_type(str(block))
    conditions: list[Condition] = []
    for written, tests in block.items():
        qualifier, base, if_exists = _split_name(written)
        if not isinstance(tests, dict) or not tests:
            raise invalid_condition_type(written)
        for raw_key, raw_values in tests.items():
            key = canonical_key(raw_key)
            values = _values(raw_values, written)
            if base == "Null":
                booleans = _booleans(written, values)
                if len(booleans) != 1:
                    raise invalid_condition_value(written, raw_values)
                conditions.append(Condition(written, key, None, _member, null_test=(
                    "true" in booleans), values=tuple(values)))
                continue
            operator = OPERATORS[base]
            if variables and base in _WITH_VARIABLES and any(map(has_variables, values)):
                templates = tuple(parse_template(v) or Template((v,)) for v in values)
                conditions.append(Condition(
                    written, key, None, operator.test, operator.negated, if_exists, qualifier,
                    values=tuple(values), templates=templates,
                    recompile=_recompiler(written, base)))
                continue
            conditions.append(Condition(
                written, key, operator.compile(written, values), operator.test,
                operator.negated, if_exists, qualifier, values=tuple(values)))
    return tuple(conditions)
