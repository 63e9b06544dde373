"""The learner's own AWS permissions: every action the kit calls with the learner's identity, the
least-privilege policy that allows exactly those for one prefix, and a preflight check that asks IAM's
policy simulator which of them the learner's identity lacks.

Event accounts often give participants a restricted role; the check names the missing actions up
front, before notebook 01 fails halfway. ``KIT_OPERATIONS`` is kept honest by a test that scans
``helpers/`` for the boto3 calls the kit makes (``tests/test_permissions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .naming import ENVIRONMENTS, Names

if TYPE_CHECKING:
    import boto3

    from .context import Workshop
    from .state import WorkshopState

#: Every boto3 operation the helpers call, by boto3 service name (snake_case, as in the code).
#: Waiters and paginators are listed by the operation they call.
KIT_OPERATIONS: dict[str, tuple[str, ...]] = {
    "autoscaling": (
        "create_auto_scaling_group",
        "delete_auto_scaling_group",
        "describe_auto_scaling_groups",
        "update_auto_scaling_group",
    ),
    "cloudformation": (
        "create_change_set",
        "delete_change_set",
        "delete_stack",
        "describe_change_set",
        "describe_stack_events",
        "describe_stack_resources",
        "describe_stacks",
        "execute_change_set",
        "get_template",
        "validate_template",
    ),
    "codebuild": ("batch_get_projects", "delete_project"),
    "codecommit": (
        "create_branch",
        "create_commit",
        "create_repository",
        "delete_repository",
        "get_branch",
        "get_commit",
        "get_differences",
        "get_file",
        "get_repository",
        "list_branches",
        "list_tags_for_resource",
        "merge_branches_by_fast_forward",
        "put_file",
    ),
    "codepipeline": (
        "delete_pipeline",
        "get_pipeline",
        "get_pipeline_state",
        "list_pipeline_executions",
        "list_tags_for_resource",
        "put_approval_result",
    ),
    "ec2": (
        "associate_route_table",
        "attach_internet_gateway",
        "authorize_security_group_ingress",
        "create_internet_gateway",
        "create_launch_template",
        "create_route",
        "create_route_table",
        "create_security_group",
        "create_subnet",
        "create_vpc",
        "delete_internet_gateway",
        "delete_launch_template",
        "delete_route_table",
        "delete_security_group",
        "delete_subnet",
        "delete_vpc",
        "describe_availability_zones",
        "describe_instance_type_offerings",
        "describe_instances",
        "describe_internet_gateways",
        "describe_launch_templates",
        "describe_route_tables",
        "describe_security_groups",
        "describe_subnets",
        "describe_vpcs",
        "detach_internet_gateway",
        "disassociate_route_table",
        "modify_subnet_attribute",
        "modify_vpc_attribute",
        "revoke_security_group_ingress",
        "terminate_instances",
    ),
    "ecr": (
        "create_repository",
        "delete_repository",
        "describe_repositories",
        "list_tags_for_resource",
        "put_image_scanning_configuration",
        "put_lifecycle_policy",
    ),
    "ecs": (
        "create_capacity_provider",
        "create_cluster",
        "create_service",
        "delete_capacity_provider",
        "delete_cluster",
        "delete_service",
        "delete_task_definitions",
        "deregister_task_definition",
        "describe_capacity_providers",
        "describe_clusters",
        "describe_services",
        "describe_task_definition",
        "list_task_definitions",
        "put_cluster_capacity_providers",
        "register_task_definition",
        "update_service",
    ),
    "elbv2": (
        "create_listener",
        "create_load_balancer",
        "create_target_group",
        "delete_load_balancer",
        "delete_target_group",
        "describe_listeners",
        "describe_load_balancers",
        "describe_tags",
        "describe_target_groups",
        "modify_target_group_attributes",
    ),
    "events": ("delete_rule", "describe_rule", "list_tags_for_resource", "list_targets_by_rule", "remove_targets"),
    "iam": (
        "add_role_to_instance_profile",
        "create_instance_profile",
        "create_role",
        "delete_instance_profile",
        "delete_role",
        "delete_role_policy",
        "detach_role_policy",
        "get_instance_profile",
        "get_role",
        "list_attached_role_policies",
        "list_instance_profile_tags",
        "list_instance_profiles_for_role",
        "list_role_policies",
        "list_role_tags",
        "put_role_policy",
        "remove_role_from_instance_profile",
        "simulate_principal_policy",
        "update_assume_role_policy",
    ),
    "logs": (
        "create_log_group",
        "delete_log_group",
        "describe_log_groups",
        "list_tags_for_resource",
        "put_retention_policy",
    ),
    "s3": (
        "create_bucket",
        "delete_bucket",
        "delete_objects",
        "get_bucket_tagging",
        "head_bucket",
        "list_object_versions",
        "put_bucket_encryption",
        "put_bucket_policy",
        "put_bucket_tagging",
        "put_bucket_versioning",
        "put_public_access_block",
    ),
    "sns": (
        "create_topic",
        "delete_topic",
        "get_topic_attributes",
        "list_subscriptions_by_topic",
        "list_tags_for_resource",
        "subscribe",
    ),
    "ssm": ("get_parameter",),
    "sts": ("get_caller_identity",),
}

#: Operations whose IAM action is not ``<prefix>:<OperationName>`` (S3's are named after the resource).
_ACTION_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "s3.head_bucket": ("s3:ListBucket",),
    "s3.delete_objects": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "s3.list_object_versions": ("s3:ListBucketVersions",),
    "s3.put_bucket_encryption": ("s3:PutEncryptionConfiguration",),
    "s3.put_public_access_block": ("s3:PutBucketPublicAccessBlock",),
    "s3.get_bucket_tagging": ("s3:GetBucketTagging",),
    "s3.put_bucket_tagging": ("s3:PutBucketTagging",),
    # GetCallerIdentity needs no permission: AWS answers it even under an explicit Deny.
    "sts.get_caller_identity": (),
}

#: Actions the learner needs that no helper calls by name, and why.
INDIRECT_ACTIONS: dict[str, str] = {
    "iam:PassRole": "the kit hands its roles to CodeBuild, CodePipeline, EventBridge, ECS and EC2",
    "iam:TagRole": "CreateRole with Tags",
    "iam:TagInstanceProfile": "CreateInstanceProfile with Tags",
    "ecr:TagResource": "CreateRepository with tags",
    "logs:TagResource": "CreateLogGroup with tags",
    "sns:TagResource": "CreateTopic with Tags",
    "codecommit:TagResource": "CreateRepository with tags",
    "ecs:TagResource": "CreateCluster/CreateService/RegisterTaskDefinition with tags",
    "elasticloadbalancing:AddTags": "CreateLoadBalancer/CreateTargetGroup with Tags",
    "ec2:CreateTags": "EC2 create calls with TagSpecifications",
    "autoscaling:CreateOrUpdateTags": "CreateAutoScalingGroup with Tags",
    "ec2:RunInstances": "CreateAutoScalingGroup with a launch template checks the caller may launch it",
    "codecommit:GitPush": "notebook 04 pushes with git (git-remote-codecommit)",
    "codecommit:GitPull": "notebook 04 clones with git (git-remote-codecommit)",
    "codebuild:CreateProject": "CloudFormation creates the build projects with the caller's permissions",
    "codebuild:UpdateProject": "CloudFormation updates the build projects",
    "codepipeline:CreatePipeline": "CloudFormation creates the pipelines",
    "codepipeline:UpdatePipeline": "CloudFormation updates the pipelines",
    "codepipeline:TagResource": "CloudFormation tags the pipelines",
    "events:PutRule": "CloudFormation creates the EventBridge rules",
    "events:PutTargets": "CloudFormation sets the rules' pipeline targets",
    "events:TagResource": "CloudFormation tags the rules",
}

#: Actions that accept only ``*`` as their resource (AWS's service authorization reference).
UNSCOPED_ACTIONS: frozenset[str] = frozenset(
    {
        "autoscaling:DescribeAutoScalingGroups",
        "cloudformation:ValidateTemplate",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstances",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ecr:GetAuthorizationToken",
        "ecs:CreateCapacityProvider",
        "ecs:DescribeCapacityProviders",
        "ecs:DescribeTaskDefinition",
        "ecs:ListTaskDefinitions",
        "ecs:DeregisterTaskDefinition",
        "ecs:DeleteTaskDefinitions",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups",
        "logs:DescribeLogGroups",
    }
)

#: EC2 networking is created before its IDs are known: these are scoped to the region and account.
_EC2_REGIONAL = "ec2"


@dataclass(frozen=True)
class _Scope:
    """Where an action may act, for one workshop: its resources' ARNs."""

    names: Names
    partition: str

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.names.region if region else ''}:"
            f"{self.names.account if account else ''}:{resource}"
        )

    def representative(self, action: str) -> str:
        """The one resource the preflight asks the simulator about for ``action``."""
        found = self.resources(action)
        if action.startswith("ecs:"):
            kind = (
                "service/"
                if "Service" in action
                else "task-definition/"
                if "TaskDefinition" in action
                else "capacity-provider/"
                if "CapacityProvider" in action
                else "cluster/"
            )
            return next(r for r in found if f":{kind}" in r)
        return found[0]

    def resources(self, action: str) -> list[str]:
        prefix, _, name = action.partition(":")
        n = self.names
        envs = ENVIRONMENTS
        if action in UNSCOPED_ACTIONS:
            return ["*"]
        if prefix == "iam":
            if name == "SimulatePrincipalPolicy":  # the participant's own user or role, not known up front
                return [
                    f"arn:{self.partition}:iam::{n.account}:role/*",
                    f"arn:{self.partition}:iam::{n.account}:user/*",
                ]
            roles = [n.codepipeline_role, n.codebuild_role, n.events_role, n.task_execution_role, n.instance_role]
            found = [f"arn:{self.partition}:iam::{n.account}:role/{role}" for role in roles]
            if "InstanceProfile" in name or name == "RemoveRoleFromInstanceProfile":
                found.append(f"arn:{self.partition}:iam::{n.account}:instance-profile/{n.instance_profile}")
            return found
        if prefix == "s3":
            bucket = f"arn:{self.partition}:s3:::{n.artifact_bucket}"
            return [bucket + "/*"] if "Object" in name and "Versions" not in name else [bucket]
        if prefix == "codecommit":
            return [self.arn("codecommit", n.repository)]
        if prefix == "ecr":
            return [self.arn("ecr", f"repository/{n.ecr_repository(e)}") for e in envs]
        if prefix == "sns":
            return [self.arn("sns", n.approval_topic)]
        if prefix == "ssm":
            return [self.arn("ssm", "parameter/aws/service/ecs/*", account=False)]
        if prefix == "logs":
            groups = [n.log_group(e) for e in envs]
            return (
                [self.arn("logs", f"log-group:{g}") for g in groups]
                + [self.arn("logs", f"log-group:{g}:*") for g in groups]
                + [
                    self.arn("logs", f"log-group:/aws/codebuild/{p}")
                    for p in (n.nodejs_project, n.container_image_project)
                ]
            )
        if prefix == "codebuild":
            return [self.arn("codebuild", f"project/{p}") for p in (n.nodejs_project, n.container_image_project)]
        if prefix == "codepipeline":
            return [self.arn("codepipeline", n.pipeline(e)) for e in envs]
        if prefix == "events":
            return [self.arn("events", f"rule/{n.pipeline(e)}") for e in envs]
        if prefix == "cloudformation":
            stacks = [n.stack(p) for p in ("build-nodejs", "build-container-image", "pipelines")]
            return [self.arn("cloudformation", f"stack/{s}/*") for s in stacks]
        if prefix == "autoscaling":
            return [
                self.arn("autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{n.auto_scaling_group(e)}")
                for e in envs
            ]
        if prefix == "elasticloadbalancing":
            return [
                self.arn("elasticloadbalancing", f"loadbalancer/app/{n.load_balancer}/*"),
                self.arn("elasticloadbalancing", f"listener/app/{n.load_balancer}/*"),
                *(self.arn("elasticloadbalancing", f"targetgroup/{n.target_group(e)}/*") for e in envs),
            ]
        if prefix == "ecs":
            found = [self.arn("ecs", f"cluster/{n.cluster(e)}") for e in envs]
            found += [self.arn("ecs", f"service/{n.cluster(e)}/{n.service(e)}") for e in envs]
            found += [self.arn("ecs", f"task-definition/{n.task_family(e)}:*") for e in envs]
            found += [self.arn("ecs", f"capacity-provider/{n.capacity_provider(e)}") for e in envs]
            return found
        if prefix == _EC2_REGIONAL:
            return [self.arn("ec2", "*"), self.arn("ec2", "image/*", account=False)]
        raise ValueError(f"no resource scope for {action}: add one to helpers/permissions.py")


def operation_actions(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions one boto3 operation needs (``ecs``, ``create_service`` -> ``ecs:CreateService``)."""
    key = f"{service}.{operation}"
    if key in _ACTION_EXCEPTIONS:
        return _ACTION_EXCEPTIONS[key]
    prefix, operations = _service_names(service)
    return (f"{prefix}:{operations[operation]}",)


@cache
def _service_names(service: str) -> tuple[str, dict[str, str]]:
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return model.signing_name, {xform_name(name): name for name in model.operation_names}


def required_actions() -> list[str]:
    """Every IAM action the learner's identity needs for the whole workshop, sorted."""
    actions = set(INDIRECT_ACTIONS)
    for service, operations in KIT_OPERATIONS.items():
        for operation in operations:
            actions.update(operation_actions(service, operation))
    return sorted(actions)


def learner_policy(prefix: str, region: str, account: str, partition: str = "aws") -> dict[str, Any]:
    """A least-privilege identity policy for one participant: exactly the actions the kit calls, on the
    resources of ``prefix`` (actions that accept only ``*`` on ``*``). Event tooling attaches it to
    each participant's role; statements are grouped by service and resource set."""
    scope = _Scope(Names(prefix, account=account, region=region), partition)
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for action in required_actions():
        resources = tuple(scope.resources(action))
        grouped.setdefault((action.split(":")[0], resources), []).append(action)
    statements = []
    for (service, resources), actions in sorted(grouped.items()):
        statement: dict[str, Any] = {
            "Sid": _sid(service, resources),
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": list(resources) if len(resources) > 1 else resources[0],
        }
        if actions == ["iam:PassRole"] or "iam:PassRole" in actions:
            statement["Action"] = [a for a in statement["Action"] if a != "iam:PassRole"]
        statements.append(statement)
    statements = [s for s in statements if s["Action"]]
    statements.append(_pass_role_statement(scope))
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
    import json

    return len("".join(json.dumps(document).split()))


def _pass_role_statement(scope: _Scope) -> dict[str, Any]:
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


# -- the preflight check -----------------------------------------------------------------------------
def simulate(workshop: Workshop) -> list[str]:
    """The actions the learner's identity may not perform, per IAM's policy simulator
    (SimulatePrincipalPolicy on the caller's user or role; on the sandbox, its own evaluator)."""
    principal = _principal_arn(str(workshop.client("sts").get_caller_identity()["Arn"]))
    scope = _Scope(workshop.names, workshop.partition)
    return _simulate(workshop.client("iam"), principal, scope)


def _simulate(iam: Any, principal: str, scope: _Scope) -> list[str]:
    missing: list[str] = []
    by_resource: dict[str, list[str]] = {}
    for action in required_actions():
        by_resource.setdefault(scope.representative(action), []).append(action)
    for resource, actions in by_resource.items():
        for chunk in _chunks(actions, 100):  # the simulator's limit per call
            arguments: dict[str, Any] = {"PolicySourceArn": principal, "ActionNames": chunk}
            if resource != "*":
                arguments["ResourceArns"] = [resource]
            paginator = iam.get_paginator("simulate_principal_policy")
            for page in paginator.paginate(**arguments):
                for result in page["EvaluationResults"]:
                    if result["EvalDecision"] != "allowed":
                        missing.append(result["EvalActionName"])
    return sorted(set(missing))


def _principal_arn(caller: str) -> str:
    """The simulator takes a user or role ARN; an assumed-role session ARN names its role."""
    if ":assumed-role/" in caller:
        head, _, rest = caller.partition(":assumed-role/")
        return head.replace(":sts:", ":iam:") + ":role/" + rest.split("/")[0]
    return caller


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def permissions_check(state: WorkshopState, session: boto3.Session | None = None) -> Any:
    """The preflight row "permissions": OK when the learner may call every action the kit uses,
    FAIL naming the missing ones, WARN when the simulator itself may not be asked."""
    from botocore.exceptions import ClientError

    from .context import Workshop
    from .preflight import FAIL, OK, WARN, Check

    workshop = Workshop(state, session)
    iam = workshop.client("iam")
    try:
        missing = simulate(workshop)
    except iam.exceptions.NoSuchEntityException as error:
        return Check("permissions", WARN, f"the policy simulator does not know this identity: {error}")
    except ClientError as error:  # AccessDenied is not modeled; anything else is re-raised
        if error.response.get("Error", {}).get("Code") in ("AccessDenied", "AccessDeniedException"):
            return Check(
                "permissions",
                WARN,
                "this identity may not call iam:SimulatePrincipalPolicy, so its permissions were not checked",
                "Ask the instructor whether your role allows the workshop's actions (see helpers/permissions.py).",
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
