"""IAM's policy evaluation logic for one account, small enough to read in one sitting.

Why our own: moto's evaluator (``moto.iam.access_control.IAMPolicy``) matches Action and Resource, but
turns a statement whose condition does not hold into a *denial* whatever its Effect, knows only the
few operators of trust policies, and compares case-sensitively with ``.`` as a regex wildcard.
principalmapper's ``local_policy_simulation`` is complete but unmaintained since 2021 and brings
pydot along. One evaluator serves every policy kind the sandbox enforces: identity policies, permission
boundaries, resource policies (S3 bucket, ECR repository, SNS topic) and trust policies. As the IAM User
Guide's "Policy evaluation logic" documents it, within one account:

1. an explicit Deny in any of them wins;
2. a resource policy whose Allow names the caller itself (the user, the role session, a service, or ``*``)
   allows, and no permissions boundary limits it; one that names the role, or the account, needs the caller's
   identity policies (and boundary) as well, as when it names nobody;
3. otherwise an Allow in an identity policy allows if the permissions boundary (when there is one) allows too;
4. otherwise the request is implicitly denied.

Statements: ``Action``/``NotAction``, ``Resource``/``NotResource``, ``Principal``/``NotPrincipal``, ``*`` and
``?`` wildcards, actions case-insensitive, resources case-sensitive; conditions and policy variables in
``conditions.py``. An operator AWS does not have (IAM would have refused the policy) never lets a request
through: an Allow with one does not apply, a Deny with one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .conditions import (
    Context,
    UnknownOperator,
    Unresolvable,
    arn_match,
    as_list,
    condition_holds,
    glob_match,
    substitute,
)

__all__ = [
    "ALLOWED",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Decision",
    "Principal",
    "arn_match",
    "as_list",
    "condition_holds",
    "evaluate",
    "glob_match",
    "trust_admits",
]

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
#: How a resource policy's Principal names the caller: the caller itself, its role, or its account.
ITSELF, ROLE, ACCOUNT = "itself", "role", "account"


@dataclass
class Decision:
    """The outcome of one request: ``allowed``, ``explicitDeny`` or ``implicitDeny``, and why."""

    decision: str
    matched: list[str] = field(default_factory=list)  # Sids (or indexes) of the statements that decided

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an IAM user (``arn``), a role session (``arn``, ``role_arn``), or a service."""

    arn: str = ""
    role_arn: str = ""
    service: str = ""
    bounded: bool = False  # has a permissions boundary

    @property
    def account(self) -> str:
        return self.arn.split(":")[4] if self.arn.count(":") >= 5 else ""


def action_matches(patterns: Any, action: str) -> bool:
    return any(glob_match(p, action, ignore_case=True) for p in as_list(patterns))


def resource_matches(patterns: Any, resource: str, context: Context, variables: bool) -> bool:
    for pattern in as_list(patterns):
        text = substitute(str(pattern), context) if variables and "${" in str(pattern) else str(pattern)
        if text == "*" or glob_match(text, resource):
            return True
    return False


def how_named(element: Any, principal: Principal) -> str | None:
    """How a Principal element names ``principal``: ITSELF, ROLE, ACCOUNT, or None when it does not."""
    if element == "*":
        return ITSELF
    if not isinstance(element, Mapping):
        return None
    if principal.service and principal.service in as_list(element.get("Service")):
        return ITSELF
    named = [str(v) for v in as_list(element.get("AWS"))]
    if "*" in named or (principal.arn and principal.arn in named):
        return ITSELF
    if principal.role_arn and principal.role_arn in named:
        return ROLE
    account = principal.account
    if account and (account in named or f"arn:{principal.arn.split(':')[1]}:iam::{account}:root" in named):
        return ACCOUNT
    return None


def statement_applies(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    context: Context,
    principal: Principal | None = None,
    variables: bool = True,
) -> str | None:
    """None when the statement does not apply; else how it names the caller (ITSELF for an identity
    policy's statement, which names nobody). ``variables``: the policy is 2012-10-17 (policy variables)."""
    if "NotAction" in statement:
        if action_matches(statement["NotAction"], action):
            return None
    elif not action_matches(statement.get("Action"), action):
        return None
    named: str | None = ITSELF
    try:
        if "NotResource" in statement:
            if resource_matches(statement["NotResource"], resource, context, variables):
                return None
        elif "Resource" in statement and not resource_matches(statement["Resource"], resource, context, variables):
            return None
        if principal is not None and "NotPrincipal" in statement:
            # A Deny with NotPrincipal always denies a principal that has a permissions boundary.
            spared = how_named(statement["NotPrincipal"], principal) and not (
                principal.bounded and statement.get("Effect") == "Deny"
            )
            named = None if spared else ITSELF
        elif principal is not None and "Principal" in statement:
            named = how_named(statement["Principal"], principal)
        if named is None:
            return None
        return named if condition_holds(statement.get("Condition") or {}, context, variables) else None
    except Unresolvable:
        return None
    except UnknownOperator:
        return named if statement.get("Effect") == "Deny" else None


@dataclass
class _Verdicts:
    deny: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    allow_itself: list[str] = field(default_factory=list)  # resource-policy allows naming the caller itself


def _read(
    policy: Mapping[str, Any], action: str, resource: str, context: Context, principal: Principal | None
) -> _Verdicts:
    verdicts = _Verdicts()
    variables = str(policy.get("Version", "2008-10-17")) == "2012-10-17"
    for index, statement in enumerate(as_list(policy.get("Statement"))):
        named = statement_applies(statement, action, resource, context, principal, variables)
        if named is None:
            continue
        label = str(statement.get("Sid") or index)
        if statement.get("Effect") == "Deny":
            verdicts.deny.append(label)
        elif statement.get("Effect") != "Allow" or named == ACCOUNT:
            continue  # an Allow to the account delegates to the caller's identity policies
        elif named == ITSELF and principal is not None:
            verdicts.allow_itself.append(label)
        else:
            verdicts.allow.append(label)
    return verdicts


def evaluate(
    identity_policies: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context | None = None,
    resource_policy: Mapping[str, Any] | None = None,
    principal: Principal | None = None,
    boundary: Mapping[str, Any] | None = None,
) -> Decision:
    """AWS's decision for one request in one account: the caller's identity policies, its permissions
    boundary when it has one, and the resource's policy when it has one (whose statements must name the
    caller as Principal; with no ``principal`` given, the Principal element is not checked)."""
    context = context or {}
    identity = _Verdicts()
    for policy in identity_policies:
        read = _read(policy, action, resource, context, None)
        identity.deny += read.deny
        identity.allow += read.allow
    limit = _read(boundary, action, resource, context, None) if boundary is not None else None
    on_resource = _read(resource_policy, action, resource, context, principal) if resource_policy else _Verdicts()
    denied = identity.deny + on_resource.deny + (limit.deny if limit else [])
    if denied:
        return Decision(EXPLICIT_DENY, denied[:1])
    if on_resource.allow_itself:
        return Decision(ALLOWED, on_resource.allow_itself)
    allows = identity.allow + on_resource.allow
    if allows and (limit is None or limit.allow):
        return Decision(ALLOWED, allows)
    return Decision(IMPLICIT_DENY)


def trust_admits(trust_policy: Mapping[str, Any], service: str, role_arn: str, context: Context) -> bool:
    """Whether a role's trust policy lets ``service`` assume it (sts:AssumeRole) with ``context``
    (``aws:SourceAccount``, ``aws:SourceArn`` as the service sends them)."""
    decision = evaluate([], "sts:AssumeRole", role_arn, context, trust_policy, Principal(service=service))
    return decision.allowed
