"""SimulatePrincipalPolicy answered by the sandbox's evaluator, in the shape IAM returns."""

from __future__ import annotations

from typing import Any

from moto.iam.exceptions import InvalidInput, NoSuchEntity

from .callers import user_policies
from .evaluator import evaluate
from .sessions import _document


def simulate(
    backend: Any, source_arn: str, actions: list[str], resources: list[str], context: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """IAM's SimulatePrincipalPolicy for a user or a role: each action on each resource evaluated against its identity
    policies (inline, attached managed, and a user's groups'), as IAM's ``EvaluationResults``. Unlike IAM, it leaves
    out permissions boundaries and resource policies and never reports ``MissingContextValues``; a group's (or any
    other) ARN is InvalidInput, a user that does not exist NoSuchEntity."""
    kind, _, name = source_arn.split(":", 5)[-1].partition("/")
    name = name.rsplit("/", 1)[-1]
    policies: list[dict[str, Any]]
    if kind == "role":
        policies = _role_policies(backend.get_role(name))
    elif kind == "user":
        if name not in backend.users:
            raise NoSuchEntity(f"The user with name {name} cannot be found.")
        policies = user_policies(backend, backend.users[name])
    else:
        raise InvalidInput(f"Invalid ARN: {source_arn}: only users and roles can be simulated")
    results = []
    for action in actions:
        for resource in resources:
            outcome = evaluate(policies, action, resource, context)
            decision = outcome.decision
            matched = [{"SourcePolicyId": sid} for sid in outcome.matched]
            results.append(
                {
                    "EvalActionName": action,
                    "EvalResourceName": resource,
                    "EvalDecision": decision,
                    "MatchedStatements": matched,
                    "MissingContextValues": [],
                }
            )
    return results


def _role_policies(role: Any) -> list[dict[str, Any]]:
    documents = [_document(text) for text in role.policies.values()]
    documents += [_default_version(p) for p in role.managed_policies.values()]
    return documents


def _default_version(policy: Any) -> dict[str, Any]:
    return _document(next(v for v in policy.versions if v.is_default).document)
