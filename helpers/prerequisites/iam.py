"""The five IAM roles the architecture needs, each with a least-privilege inline policy rendered
from ``data/policies/`` and scoped to this workshop's resource names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from string import Template
from typing import Any

from ..context import Workshop
from ..errors import ResourceConflictError
from ..paths import DATA_DIR

POLICY_DIR = DATA_DIR / "policies"
INLINE_POLICY_NAME = "workshop-least-privilege"


@dataclass(frozen=True)
class RoleSpec:
    key: str  # state key and data/policies/<key>.json
    trusted_service: str
    description: str
    launch_types: tuple[str, ...] = ("FARGATE", "EC2")


ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        "codepipeline-service-role",
        "codepipeline.amazonaws.com",
        "Lets the three pipelines read the source, run the builds, deploy to ECS and ask for approval.",
    ),
    RoleSpec(
        "codebuild-service-role",
        "codebuild.amazonaws.com",
        "Lets the two build projects write logs, use pipeline artifacts and push images.",
    ),
    RoleSpec(
        "events-start-pipeline-role",
        "events.amazonaws.com",
        "Lets EventBridge start the pipeline of the branch that changed.",
    ),
    RoleSpec(
        "ecs-task-execution-role",
        "ecs-tasks.amazonaws.com",
        "Lets ECS pull the app's image and send its logs to CloudWatch Logs.",
    ),
    RoleSpec(
        "ecs-instance-role",
        "ec2.amazonaws.com",
        "Lets the EC2 container instances join the workshop's clusters.",
        launch_types=("EC2",),
    ),
)


def role_name(workshop: Workshop, spec: RoleSpec) -> str:
    names = workshop.names
    return {
        "codepipeline-service-role": names.codepipeline_role,
        "codebuild-service-role": names.codebuild_role,
        "events-start-pipeline-role": names.events_role,
        "ecs-task-execution-role": names.task_execution_role,
        "ecs-instance-role": names.instance_role,
    }[spec.key]


def render_policy(workshop: Workshop, key: str) -> dict[str, Any]:
    """The policy document for ``key`` with the workshop's names filled in."""
    names = workshop.names
    values = {
        "Partition": workshop.partition,
        "Region": workshop.settings.region,
        "AccountId": workshop.account,
        "Prefix": workshop.prefix,
        "ArtifactBucket": names.artifact_bucket,
        "Repository": names.repository,
        "NodejsProject": names.nodejs_project,
        "ContainerImageProject": names.container_image_project,
        "TaskExecutionRole": names.task_execution_role,
        "ApprovalTopic": names.approval_topic,
    }
    text = Template((POLICY_DIR / f"{key}.json").read_text()).substitute(values)
    return dict(json.loads(text))


#: Services that act for this account only when they say so: their roles' trust policies require
#: aws:SourceAccount (AWS's confused-deputy guidance). ECS tasks and EC2 instances send no source.
SOURCE_ACCOUNT_SERVICES = ("codebuild.amazonaws.com", "codepipeline.amazonaws.com", "events.amazonaws.com")


def trust_policy(service: str, account: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if account and service in SOURCE_ACCOUNT_SERVICES:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def required_roles(workshop: Workshop) -> list[RoleSpec]:
    return [spec for spec in ROLES if workshop.settings.launch_type in spec.launch_types]


def ensure_roles(workshop: Workshop) -> list[dict[str, str]]:
    """Create or update every role this launch type needs (and the EC2 instance profile)."""
    created = [ensure_role(workshop, spec) for spec in required_roles(workshop)]
    if workshop.settings.launch_type == "EC2":
        created.append(ensure_instance_profile(workshop))
    return created


def ensure_role(workshop: Workshop, spec: RoleSpec) -> dict[str, str]:
    iam = workshop.client("iam")
    name = role_name(workshop, spec)
    trust = trust_policy(spec.trusted_service, workshop.account)
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description=spec.description,
            Tags=workshop.tag_list(),
            MaxSessionDuration=3600,
        )["Role"]
        action = "created"
    else:
        if not workshop.is_ours(iam.list_role_tags(RoleName=name)["Tags"]):
            raise ResourceConflictError("IAM role", name, workshop.prefix)
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        action = "updated"
    iam.put_role_policy(
        RoleName=name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(render_policy(workshop, spec.key))
    )
    workshop.record(f"iam-role/{spec.key}", type="AWS::IAM::Role", name=name, arn=role["Arn"])
    return {"type": "IAM role", "name": name, "arn": role["Arn"], "action": action}


def ensure_instance_profile(workshop: Workshop) -> dict[str, str]:
    iam = workshop.client("iam")
    name = workshop.names.instance_profile
    try:
        profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        tags = iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
        if not workshop.is_ours(tags):
            raise ResourceConflictError("IAM instance profile", name, workshop.prefix)
        action = "exists"
    except iam.exceptions.NoSuchEntityException:
        profile = iam.create_instance_profile(InstanceProfileName=name, Tags=workshop.tag_list())["InstanceProfile"]
        action = "created"
    if workshop.names.instance_role not in [r["RoleName"] for r in profile.get("Roles", [])]:
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=workshop.names.instance_role)
    workshop.record("iam-instance-profile", type="AWS::IAM::InstanceProfile", name=name, arn=profile["Arn"])
    return {"type": "IAM instance profile", "name": name, "arn": profile["Arn"], "action": action}
