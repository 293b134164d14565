"""One policy statement: parsed and checked once, then matched against requests."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.policy.actions import BUCKET_ACTIONS, CANONICAL_ACTIONS, KNOWN_ACTIONS, OBJECT_ACTIONS
from gateway.policy.condition_keys import actions_of_key
from gateway.policy.conditions import Condition, parse_conditions
from gateway.policy.malformed import (
    ACTION_RESOURCE_MISMATCH, CONDITION_MISMATCH, INVALID_ACTION, INVALID_PRINCIPAL, INVALID_RESOURCE,
    invalid_effect, malformed, missing_field, unknown_field)
from gateway.policy.matchers import NameSet
from gateway.policy.patterns import Wildcard, has_wildcard
from gateway.policy.variables import Template, parse_template
from gateway.policy.principals import Principals, parse_principals
from gateway.policy.request import PolicyRequest

ARN_PREFIX = "arn:aws:s3:::"
_FIELDS = frozenset({"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                     "Resource", "NotResource", "Condition"})


@dataclass(frozen=True)
class Statement:
    """``Allow`` or ``Deny`` for whom, which actions, which resources, on which conditions.

    ``actions``/``resources``/``principals`` hold what the statement names; the
    ``not_*`` flags say it names them as ``NotAction``/``NotResource``/``NotPrincipal``.
    """

    sid: str | None
    allow: bool
    principals: Principals
    actions: NameSet  # lower-case IAM actions
    resources: NameSet
    # Whether the statement names exactly what it covers ("Action") or its complement.
    not_principal: bool = False
    not_action: bool = False
    not_resource: bool = False
    conditions: tuple[Condition, ...] = ()
    action_patterns: tuple[str, ...] = ()  # as written, for is_public
    resource_templates: tuple[Template, ...] = ()  # resources with policy variables

    def applies(self, req: PolicyRequest, action: str) -> bool:
        """Whether the statement covers ``req``; ``action`` is ``req.action`` lower-cased."""
        return (self.principals.contains(req) != self.not_principal
                and self.actions.contains(action) != self.not_action
                and self._resource_matches(req)
                and all(condition.holds(req.conditions) for condition in self.conditions))

    def _resource_matches(self, req: PolicyRequest) -> bool:
        """``Resource``/``NotResource``; one whose variable has no value makes the
        statement invalid (it does not apply)."""
        named = self.resources.contains(req.resource)
        if self.resource_templates:
            rendered = [t.render(req.conditions) for t in self.resource_templates]
            if any(r is None for r in rendered):
                return False
            named = named or any(Wildcard.of(r.text, r.literal).matches(req.resource)
                                 for r in rendered if r is not None)
        return named != self.not_resource

    def covers_action(self, action: str) -> bool:
        return self.actions.contains(action.lower()) != self.not_action


def _strings(raw: object, invalid: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(item, str) for item in items):
        raise malformed(invalid)
    return items  # type: ignore[return-value]


def _actions_named(pattern: str) -> frozenset[str]:
    """The known actions ``pattern`` names; MalformedPolicy when it names none."""
    if pattern == "*":
        return KNOWN_ACTIONS
    if not pattern.lower().startswith("s3:"):
        raise malformed(INVALID_ACTION)
    if not has_wildcard(pattern):
        known = CANONICAL_ACTIONS.get(pattern.lower())
        if known is None:
            raise malformed(INVALID_ACTION)
        return frozenset({known})
    wildcard = Wildcard.of(pattern.lower())
    named = frozenset(action for action in KNOWN_ACTIONS if wildcard.matches(action.lower()))
    if not named:
        raise malformed(INVALID_ACTION)
    return named


def _check_resource(resource: str, bucket: str) -> None:
    """A resource names this bucket or keys in it, as AWS requires of a bucket policy."""
    if not resource.startswith(ARN_PREFIX):
        raise malformed(INVALID_RESOURCE)
    name = resource[len(ARN_PREFIX):].partition("/")[0]
    if name != bucket:
        raise malformed(INVALID_RESOURCE)


def _check_applicable(actions: list[frozenset[str]], resources: list[str]) -> frozenset[str]:
    """Each action must be able to target one of the statement's resources; the
    actions that can (what the statement's conditions may apply to)."""
    has_object = any("/" in r[len(ARN_PREFIX):] for r in resources)
    has_bucket = any("/" not in r[len(ARN_PREFIX):] for r in resources)
    targets = (OBJECT_ACTIONS if has_object else frozenset()) | (
        BUCKET_ACTIONS if has_bucket else frozenset())
    for named in actions:
        if named.isdisjoint(targets):
            raise malformed(ACTION_RESOURCE_MISMATCH)
    return frozenset().union(*actions) & targets


def _check_conditions_apply(conditions: tuple[Condition, ...], actions: frozenset[str]) -> None:
    """Each condition key must apply to one of the statement's actions on its resources
    (``s3:prefix`` with only ``s3:GetObject`` is refused, as by AWS)."""
    for condition in conditions:
        applies_to = actions_of_key(condition.key)
        if applies_to is not None and applies_to.isdisjoint(actions):
            raise malformed(CONDITION_MISMATCH)


def _one_of(raw: dict[str, object], name: str, invalid: str) -> tuple[object, bool]:
    """The value of ``name`` or ``Not<name>``, and whether it was ``Not``; a statement
    with neither misses the field, one with both is refused as ``invalid``."""
    plain, negated = name in raw, f"Not{name}" in raw
    if plain and negated:
        raise malformed(invalid)
    if not (plain or negated):
        raise missing_field(name)
    return (raw[f"Not{name}"], True) if negated else (raw[name], False)


def parse_statement(raw: object, bucket: str, variables: bool = False) -> Statement:
    """``variables``: resources and condition values may hold policy variables
    (Version 2012-10-17; ``gateway.policy.variables``)."""
    if not isinstance(raw, dict):
        raise malformed("Statement must be an object")
    for name in raw:
        if name not in _FIELDS:
            raise unknown_field(name)
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise malformed("Sid must be a string")
    if "Effect" not in raw:
        raise missing_field("Effect")
    if raw["Effect"] not in ("Allow", "Deny"):
        raise invalid_effect(raw["Effect"])
    principal, not_principal = _one_of(raw, "Principal", INVALID_PRINCIPAL)
    action, not_action = _one_of(raw, "Action", INVALID_ACTION)
    resource, not_resource = _one_of(raw, "Resource", INVALID_RESOURCE)
    action_patterns = _strings(action, INVALID_ACTION)
    named = [_actions_named(pattern) for pattern in action_patterns]
    resource_patterns = _strings(resource, INVALID_RESOURCE)
    for pattern in resource_patterns:
        _check_resource(pattern, bucket)
    targeted = None
    if not (not_action or not_resource):
        targeted = _check_applicable(named, resource_patterns)
    conditions = parse_conditions(raw["Condition"], variables) if "Condition" in raw else ()
    if targeted is not None:
        _check_conditions_apply(conditions, targeted)
    templates = [parse_template(p) for p in resource_patterns] if variables else []
    return Statement(
        sid, raw["Effect"] == "Allow", parse_principals(principal),
        NameSet.of(action_patterns, ignore_case=True),
        NameSet.of(p for p in resource_patterns if not variables or parse_template(p) is None),
        not_principal, not_action, not_resource, conditions, tuple(action_patterns),
        tuple(t for t in templates if t is not None))
