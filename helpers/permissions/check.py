"""The preflight row "permissions": IAM's policy simulator asked which of the kit's actions the learner's
identity lacks, before notebook 01 fails halfway (on the sandbox, its own evaluator answers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core.checks import FAIL, OK, WARN, Check
from ..core.context import PREFIX_TAG
from .operations import EC2_ON_TAGGED, required_actions
from .scope import Scope

if TYPE_CHECKING:
    import boto3

    from ..core.context import Workshop
    from ..core.state import WorkshopState


def simulate(workshop: Workshop) -> list[str]:
    """The actions the learner's identity may not perform, per IAM's policy simulator
    (SimulatePrincipalPolicy on the caller's own user or role; on the sandbox, its own evaluator)."""
    iam = workshop.client("iam")
    caller = workshop.client("sts").get_caller_identity()
    principal = _principal_arn(iam, str(caller["Arn"]))
    scope = Scope(workshop.names, workshop.partition)
    return _simulate(iam, principal, scope, str(caller["Account"]))


def _account_entry(account: str) -> dict[str, Any]:
    """``aws:PrincipalAccount``, which a Workshop Studio policy names its account by (``permissions/studio.py``): IAM
    fills it in for a real request, but the simulator only knows the context keys it is given."""
    return {"ContextKeyName": "aws:PrincipalAccount", "ContextKeyValues": [account], "ContextKeyType": "string"}


def _simulate(iam: Any, principal: str, scope: Scope, account: str | None = None) -> list[str]:
    """Each action is asked about every resource the workshop uses it on (not one representative: a policy
    that allows the first role but not the ECS service-linked role must show red here, not in notebook 01);
    ``account`` is the caller's (by default the workshop's)."""
    account = account or scope.names.account
    missing: list[str] = []
    by_resources: dict[tuple[tuple[str, ...], bool], list[str]] = {}
    for action in required_actions():
        if action != "iam:PassRole":
            by_resources.setdefault((tuple(scope.resources(action)), action in EC2_ON_TAGGED), []).append(action)
    # PassRole is asked once per role, with the service the kit passes it to (the policy's condition).
    for role, service in _passed_roles(scope):
        answer = iam.simulate_principal_policy(
            PolicySourceArn=principal,
            ActionNames=["iam:PassRole"],
            ResourceArns=[role],
            ContextEntries=[
                {"ContextKeyName": "iam:PassedToService", "ContextKeyValues": [service], "ContextKeyType": "string"},
                _account_entry(account),
            ],
        )
        if any(r["EvalDecision"] != "allowed" for r in answer["EvaluationResults"]):
            missing.append("iam:PassRole")
    for (resources, tagged), actions in by_resources.items():
        for chunk in _chunks(actions, 100):  # the simulator's limit per call
            arguments: dict[str, Any] = {
                "PolicySourceArn": principal,
                "ActionNames": chunk,
                "ContextEntries": [_account_entry(account)],
            }
            if resources != ("*",):
                arguments["ResourceArns"] = [_example(r) for r in resources]
            if tagged:  # the participant's own EC2 resources carry their prefix's tag
                arguments["ContextEntries"].append(
                    {
                        "ContextKeyName": f"aws:ResourceTag/{PREFIX_TAG}",
                        "ContextKeyValues": [scope.names.prefix],
                        "ContextKeyType": "string",
                    }
                )
            paginator = iam.get_paginator("simulate_principal_policy")
            for page in paginator.paginate(**arguments):
                for result in page["EvaluationResults"]:
                    if result["EvalDecision"] != "allowed":
                        missing.append(result["EvalActionName"])
    return sorted(set(missing))


def _passed_roles(scope: Scope) -> list[tuple[str, str]]:
    n, prefix = scope.names, f"arn:{scope.partition}:iam::{scope.names.account}:role/"
    return [
        (prefix + n.codepipeline_role, "codepipeline.amazonaws.com"),
        (prefix + n.codebuild_role, "codebuild.amazonaws.com"),
        (prefix + n.events_role, "events.amazonaws.com"),
        (prefix + n.task_execution_role, "ecs-tasks.amazonaws.com"),
        (prefix + n.instance_role, "ec2.amazonaws.com"),
    ]


def _example(resource: str) -> str:
    """A concrete ARN for a scoped pattern: the simulator evaluates the policy against the ARN it is given,
    so ``.../stack/NAME/*`` is asked as ``.../stack/NAME/example`` (``?`` as ``0``)."""
    return resource.replace("*", "example").replace("?", "0")


def _principal_arn(iam: Any, caller: str) -> str:
    """The simulator takes a user or role ARN; an assumed-role session ARN names its role, whose path (an SSO
    role lives under ``/aws-reserved/sso.amazonaws.com/``) GetRole tells, when the caller may ask."""
    if ":assumed-role/" not in caller:
        return caller
    head, _, rest = caller.partition(":assumed-role/")
    name = rest.split("/")[0]
    guess = head.replace(":sts:", ":iam:") + ":role/" + name
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        return guess
    except iam.exceptions.ClientError as error:  # only a denial falls back to the ARN without a path
        if error.response.get("Error", {}).get("Code") not in ("AccessDenied", "AccessDeniedException"):
            raise
        return guess


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def permissions_check(state: WorkshopState, session: boto3.Session | None = None) -> Check:
    """The preflight row "permissions": OK when the learner may call every action the kit uses,
    FAIL naming the missing ones, WARN when the simulator itself may not be asked."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..core.context import Workshop

    workshop = Workshop(state, session)
    iam = workshop.client("iam")
    try:
        if str(workshop.client("sts").get_caller_identity()["Arn"]).endswith(":root"):
            return Check(
                "permissions", OK, "the account's root user may call every action (use an IAM role if you can)"
            )
        missing = simulate(workshop)
    except (iam.exceptions.NoSuchEntityException, iam.exceptions.InvalidInputException) as error:
        # e.g. a federated user: the simulator takes only users and roles
        return Check("permissions", WARN, f"the policy simulator cannot check this identity: {error}")
    except BotoCoreError as error:  # no credentials, expired session: the identity row says what to do
        return Check("permissions", WARN, f"not checked: {error}")
    except ClientError as error:  # AccessDenied is not modeled; anything else is re-raised
        if error.response.get("Error", {}).get("Code") in ("AccessDenied", "AccessDeniedException"):
            return Check(
                "permissions",
                WARN,
                "this identity may not call iam:SimulatePrincipalPolicy, so its permissions were not checked",
                "Ask the instructor whether your role allows the workshop's actions (see helpers/permissions/).",
            )
        raise
    total = len(required_actions())
    if not missing:
        return Check("permissions", OK, f"all {total} actions the kit calls are allowed")
    shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
    return Check(
        "permissions",
        FAIL,
        f"{len(missing)} of {total} actions are not allowed: {shown}",
        "Ask the instructor to attach the workshop's learner policy "
        "(helpers.permissions.learner_policy) to your role, then re-run this cell.",
    )
