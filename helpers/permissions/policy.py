"""The least-privilege identity policy for one participant: exactly the kit's actions on the resources of
their prefix, and the same split into documents that each fit one customer managed policy."""

from __future__ import annotations

import json
from typing import Any

from ..core.context import PREFIX_TAG
from ..core.naming import Names
from .operations import EC2_ON_TAGGED, required_actions
from .scope import Scope


def learner_policy(prefix: str, region: str, account: str, partition: str = "aws") -> dict[str, Any]:
    """A least-privilege identity policy for one participant: exactly the actions the kit calls, on the
    resources of ``prefix`` (actions that accept only ``*`` on ``*``). Event tooling attaches it to
    each participant's role; statements are grouped by service and resource set."""
    scope = Scope(Names(prefix, account=account, region=region), partition)
    grouped: dict[tuple[str, tuple[str, ...], bool], list[str]] = {}
    for action in required_actions():
        resources = tuple(scope.resources(action))
        grouped.setdefault((action.split(":")[0], resources, action in EC2_ON_TAGGED), []).append(action)
    statements = []
    for (service, resources, tagged), actions in sorted(grouped.items()):
        statement: dict[str, Any] = {
            "Sid": _sid(service, resources) + ("OnTheirTaggedResources" if tagged else ""),
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": list(resources) if len(resources) > 1 else resources[0],
        }
        if tagged:  # EC2 has no names to scope by: another participant's resources carry another tag
            statement["Condition"] = {"StringEquals": {f"aws:ResourceTag/{PREFIX_TAG}": prefix}}
        if actions == ["iam:PassRole"] or "iam:PassRole" in actions:
            statement["Action"] = [a for a in statement["Action"] if a != "iam:PassRole"]
        statements.append(statement)
    statements = [s for s in statements if s["Action"]]
    statements.append(_pass_role_statement(scope))
    statements.append(_pass_infrastructure_role_statement(scope))
    _unique_sids(statements)
    return {"Version": "2012-10-17", "Statement": statements}


#: IAM's limit for one customer managed policy, in characters without whitespace.
MANAGED_POLICY_LIMIT = 6144


def learner_policy_documents(prefix: str, region: str, account: str, partition: str = "aws") -> list[dict[str, Any]]:
    """``learner_policy`` split into documents that each fit one customer managed policy (6,144
    characters): the whole policy is larger than one managed policy may be."""
    documents: list[dict[str, Any]] = []
    for statement in learner_policy(prefix, region, account, partition)["Statement"]:
        if documents and _size({**documents[-1], "Statement": [*documents[-1]["Statement"], statement]}) <= (
            MANAGED_POLICY_LIMIT
        ):
            documents[-1]["Statement"].append(statement)
        else:
            documents.append({"Version": "2012-10-17", "Statement": [statement]})
    return documents


def _size(document: dict[str, Any]) -> int:
    return len("".join(json.dumps(document).split()))


def _pass_role_statement(scope: Scope) -> dict[str, Any]:
    """PassRole only for the kit's roles and only to the services that use them."""
    n, partition = scope.names, scope.partition
    roles = [n.codepipeline_role, n.codebuild_role, n.events_role, n.task_execution_role, n.instance_role]
    return {
        "Sid": "PassTheWorkshopRolesToTheirServices",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": [f"arn:{partition}:iam::{n.account}:role/{role}" for role in roles],
        "Condition": {
            "StringEquals": {
                "iam:PassedToService": [
                    "codebuild.amazonaws.com",
                    "codepipeline.amazonaws.com",
                    "events.amazonaws.com",
                    "ecs-tasks.amazonaws.com",
                    "ec2.amazonaws.com",
                ]
            }
        },
    }


def _pass_infrastructure_role_statement(scope: Scope) -> dict[str, Any]:
    """PassRole for ECS's infrastructure role (the advanced module's blue/green), to ECS only."""
    n = scope.names
    return {
        "Sid": "PassTheInfrastructureRoleToEcs",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": f"arn:{scope.partition}:iam::{n.account}:role/{n.infrastructure_role}",
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}},
    }


def _sid(service: str, resources: tuple[str, ...]) -> str:
    base = "".join(part.capitalize() for part in service.split("-"))
    return base + ("Unscoped" if resources == ("*",) else "")


def _unique_sids(statements: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for statement in statements:
        sid = statement["Sid"]
        seen[sid] = seen.get(sid, 0) + 1
        if seen[sid] > 1:
            statement["Sid"] = f"{sid}{seen[sid]}"
