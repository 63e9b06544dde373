"""The five IAM roles the architecture needs, each with a least-privilege inline policy rendered
from ``data/policies/`` and scoped to this workshop's resource names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from string import Template
from typing import Any

from ..context import Workshop
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
    return workshop.names.role(spec.key)


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


def trust_policy(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def required_roles(workshop: Workshop) -> list[RoleSpec]:
    return [spec for spec in ROLES if workshop.settings.launch_type in spec.launch_types]
