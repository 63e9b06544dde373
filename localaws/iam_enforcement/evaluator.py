"""IAM's policy evaluation logic for one account, small enough to read in one sitting.

Why our own: moto's evaluator (``moto.iam.access_control.IAMPolicy``) matches Action and Resource, but
turns a statement whose condition does not hold into a *denial* whatever its Effect, knows only the
few operators of trust policies, and compares case-sensitively with ``.`` as a regex wildcard.
principalmapper's ``local_policy_simulation`` is complete but unmaintained since 2021 and brings
pydot along. This module implements what the kit's policies use, as AWS documents it:

* an explicit Deny in any policy wins; otherwise an Allow in an identity policy or in the resource
  policy (same account) allows; otherwise the request is implicitly denied;
* ``Action``/``NotAction``, ``Resource``/``NotResource``, ``Principal`` (``*``, ``AWS``, ``Service``),
  ``*`` and ``?`` wildcards, actions case-insensitive, resources case-sensitive;
* condition operators ``String(Not)Equals(IgnoreCase)``, ``String(Not)Like``, ``Arn(Not)Equals``,
  ``Arn(Not)Like``, ``Bool``, ``Null``, with ``...IfExists`` and the ``ForAnyValue:``/``ForAllValues:``
  set prefixes; several operators or keys in a block must all hold, several values of one key are
  ORed; an operator this module does not know makes the statement not apply (and is reported).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"

Context = Mapping[str, str | list[str]]


@dataclass
class Decision:
    """The outcome of one request: ``allowed``, ``explicitDeny`` or ``implicitDeny``, and why."""

    decision: str
    matched: list[str] = field(default_factory=list)  # Sids (or indexes) of the statements that decided

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(glob: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character."""
    return bool(_pattern(str(glob), ignore_case).match(value))


def arn_match(pattern: str, arn: str) -> bool:
    """ArnLike: the six ARN fields compared one by one, each with wildcards (a ``*`` never spans a colon
    except in the last field, the resource, which may contain colons itself)."""
    if pattern == "*":
        return True
    wanted, actual = str(pattern).split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(glob_match(w, a) for w, a in zip(wanted, actual, strict=True))


def action_matches(patterns: Any, action: str) -> bool:
    return any(glob_match(p, action, ignore_case=True) for p in as_list(patterns))


def resource_matches(patterns: Any, resource: str) -> bool:
    return any(p == "*" or glob_match(p, resource) for p in as_list(patterns))


# -- conditions ------------------------------------------------------------------------------------
def _compare(base: str, actual: str, expected: str) -> bool:
    if base in ("StringEquals", "StringNotEquals"):
        return actual == expected
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() == expected.lower()
    if base in ("StringLike", "StringNotLike"):
        return glob_match(expected, actual)
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return arn_match(expected, actual)
    if base == "Bool":
        return actual.lower() == expected.lower()
    raise UnknownOperator(base)


class UnknownOperator(Exception):
    """A condition operator this evaluator does not implement."""


def condition_holds(block: Mapping[str, Mapping[str, Any]], context: Context) -> bool:
    """True when every operator and key of a Condition block holds for ``context``."""
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, entries in block.items():
        qualifier, _, name = operator.rpartition(":")
        if_exists = name.endswith("IfExists")
        base = name.removesuffix("IfExists")
        negated = "Not" in base
        for key, expected_values in entries.items():
            present = lowered.get(key.lower())
            actual = [str(v) for v in as_list(present)]
            expected = [str(v) for v in as_list(expected_values)]
            if base == "Null":
                if (present is None) != (expected[0].lower() == "true"):
                    return False
                continue
            if not actual:
                # A missing key: ...IfExists and negated operators hold, ForAllValues holds vacuously.
                if if_exists or qualifier == "ForAllValues" or (negated and qualifier != "ForAnyValue"):
                    continue
                return False
            results = [_any(base, a, expected) != negated for a in actual]
            if qualifier == "ForAllValues":
                holds = all(results)
            elif qualifier == "ForAnyValue" or not negated:
                holds = any(results)
            else:  # a negated operator on a single-valued key: no value may match
                holds = all(results)
            if not holds:
                return False
    return True


def _any(base: str, actual: str, expected: Iterable[str]) -> bool:
    return any(_compare(base, actual, value) for value in expected)


# -- principals ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Principal:
    """Who makes a request: a role session (``arn``, ``role_arn``) or a service (``service``)."""

    arn: str = ""
    role_arn: str = ""
    service: str = ""

    @property
    def account(self) -> str:
        return self.arn.split(":")[4] if self.arn else ""


def principal_matches(element: Any, principal: Principal) -> bool:
    if element == "*":
        return True
    if not isinstance(element, Mapping):
        return False
    if principal.service and principal.service in as_list(element.get("Service")):
        return True
    return any(value == "*" or value in (principal.arn, principal.role_arn) for value in as_list(element.get("AWS")))


# -- statements and policies -----------------------------------------------------------------------
def statement_applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Context, principal: Principal | None = None
) -> bool:
    if "NotAction" in statement:
        if action_matches(statement["NotAction"], action):
            return False
    elif not action_matches(statement.get("Action"), action):
        return False
    if "NotResource" in statement:
        if resource_matches(statement["NotResource"], resource):
            return False
    elif "Resource" in statement and not resource_matches(statement["Resource"], resource):
        return False
    if principal is not None and ("Principal" in statement or "NotPrincipal" in statement):
        if "NotPrincipal" in statement:
            if principal_matches(statement["NotPrincipal"], principal):
                return False
        elif not principal_matches(statement["Principal"], principal):
            return False
    try:
        return condition_holds(statement.get("Condition") or {}, context)
    except UnknownOperator:
        return False


def evaluate(
    identity_policies: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context | None = None,
    resource_policy: Mapping[str, Any] | None = None,
    principal: Principal | None = None,
) -> Decision:
    """AWS's decision for one request in one account: identity policies of the caller plus, when the
    resource has one, its resource policy (whose statements must name the caller as Principal)."""
    context = context or {}
    allows: list[str] = []
    sources: list[tuple[Mapping[str, Any], Principal | None]] = [(p, None) for p in identity_policies]
    if resource_policy is not None:
        sources.append((resource_policy, principal or Principal()))
    for policy, who in sources:
        for index, statement in enumerate(as_list(policy.get("Statement"))):
            if not statement_applies(statement, action, resource, context, who):
                continue
            label = str(statement.get("Sid") or index)
            if statement.get("Effect") == "Deny":
                return Decision(EXPLICIT_DENY, [label])
            if statement.get("Effect") == "Allow":
                allows.append(label)
    return Decision(ALLOWED, allows) if allows else Decision(IMPLICIT_DENY)


def trust_admits(trust_policy: Mapping[str, Any], service: str, role_arn: str, context: Context) -> bool:
    """Whether a role's trust policy lets ``service`` assume it (sts:AssumeRole) with ``context``
    (``aws:SourceAccount``, ``aws:SourceArn`` as the service sends them)."""
    decision = evaluate([], "sts:AssumeRole", role_arn, context, trust_policy, Principal(service=service))
    return decision.allowed
