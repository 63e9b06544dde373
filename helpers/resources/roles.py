"""The five IAM roles the architecture needs (a sixth, ECS's infrastructure role, is the advanced module's), each
with a least-privilege inline policy rendered from ``data/policies/`` and scoped to this workshop's resource names;
the EC2 instance profile; and ECS's service-linked role, which a new account does not have yet.

Cleanup deletes the roles and the profile, never the service-linked role: it belongs to the account
and to every ECS user in it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from string import Template
from typing import Any

from ..core.aws_errors import error_message
from ..core.context import Row, Workshop, row
from ..core.errors import ResourceConflictError
from ..core.paths import DATA_DIR
from .base import Entry, Found, Kind, at_once, wait_until

POLICY_DIR = DATA_DIR / "policies"
INLINE_POLICY_NAME = "workshop-least-privilege"
ECS_SERVICE = "ecs.amazonaws.com"
ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"


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
    RoleSpec(
        "ecs-infrastructure-role",
        ECS_SERVICE,
        "Lets ECS move Prod's traffic between its two target groups in blue/green, canary and linear deployments.",
        launch_types=(),  # not notebook 01's: the advanced module's blue/green step creates it (helpers.blue_green)
    ),
)
#: The ECS infrastructure role for load balancers (ECS blue/green, canary and linear deployments).
INFRASTRUCTURE_ROLE = ROLES[-1]


def role_name(workshop: Workshop, spec: RoleSpec) -> str:
    """``<prefix>-<key>``: participants sharing an account each have roles of their own."""
    return workshop.names.role(spec.key)


def _key(spec_key: str) -> str:
    return f"iam-role/{spec_key}"


def task_execution_role_arn(workshop: Workshop) -> str:
    """The ARN ``ensure`` recorded for ECS's task execution role (the services' task definitions name it)."""
    return str(workshop.state.resources[_key("ecs-task-execution-role")]["arn"])


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
    """Who may assume the role: ``service`` only, and for CodeBuild, CodePipeline and EventBridge only when
    they act for ``account`` (``aws:SourceAccount``). Without ``account`` there is no condition."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if account and service in SOURCE_ACCOUNT_SERVICES:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def required_roles(workshop: Workshop) -> list[RoleSpec]:
    """The roles this launch type uses: the instance role only for EC2. Cleanup looks for all five anyway."""
    return [spec for spec in ROLES if workshop.settings.launch_type in spec.launch_types]


def ensure(workshop: Workshop) -> list[Row]:
    """Create or update every role this launch type needs, the EC2 instance profile, and ECS's
    service-linked role (without it a new account cannot create clusters or capacity providers). The roles
    and the service-linked role are created at once; the instance profile after them, as it holds a role."""
    jobs = [
        (f"IAM role {role_name(workshop, spec)}", partial(ensure_role, workshop, spec))
        for spec in required_roles(workshop)
    ]
    jobs.append((f"IAM role {ECS_SERVICE_LINKED_ROLE}", partial(ensure_ecs_service_linked_role, workshop)))
    created = at_once(jobs)
    if workshop.settings.launch_type == "EC2":
        created.insert(-1, ensure_instance_profile(workshop))
    return created


def ensure_role(workshop: Workshop, spec: RoleSpec) -> Row:
    """Create the role, or check that the existing one is tagged as ours (ResourceConflictError if not) and
    reset its trust policy; either way its inline policy is put again, so an edited ``data/policies`` file
    takes effect on the next run."""
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
    return IAM_ROLES.record(workshop, _key(spec.key), name=name, arn=role["Arn"], action=action)


def ensure_instance_profile(workshop: Workshop) -> Row:
    """The EC2 instances' profile with the instance role in it (added when missing); an existing profile not
    tagged as ours raises ResourceConflictError. IAM takes seconds to make a new profile usable: the Auto
    Scaling group's creation retries until it is."""
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
    return INSTANCE_PROFILES.record(workshop, "iam-instance-profile", name=name, arn=profile["Arn"], action=action)


def ensure_ecs_service_linked_role(workshop: Workshop) -> Row:
    """ECS's service-linked role, created when the account has none. ECS makes it itself only on some
    paths (a first cluster, in the console), so an account that never used ECS refuses
    CreateCapacityProvider, and a first CreateCluster with capacity providers, until it exists."""
    iam = workshop.client("iam")
    try:
        role = iam.get_role(RoleName=ECS_SERVICE_LINKED_ROLE)["Role"]
        return row("IAM service-linked role", ECS_SERVICE_LINKED_ROLE, role["Arn"], "exists (the account's)")
    except iam.exceptions.NoSuchEntityException:
        pass
    try:
        iam.create_service_linked_role(AWSServiceName=ECS_SERVICE)
        action = "created (the account's; cleanup keeps it)"
    except iam.exceptions.InvalidInputException as error:
        # Another participant created it a moment ago: AWS says the name "has been taken".
        if "has been taken" not in error_message(error):
            raise
        action = "exists (the account's)"
    except iam.exceptions.EntityAlreadyExistsException:
        action = "exists (the account's)"

    def visible() -> bool:
        try:
            iam.get_role(RoleName=ECS_SERVICE_LINKED_ROLE)
            return True
        except iam.exceptions.NoSuchEntityException:
            return False

    wait_until(
        visible,
        workshop.timing.iam_propagation_timeout,
        workshop.timing.retry_delay,
        f"IAM role {ECS_SERVICE_LINKED_ROLE} was created but is not visible yet",
    )
    arn = iam.get_role(RoleName=ECS_SERVICE_LINKED_ROLE)["Role"]["Arn"]
    return row("IAM service-linked role", ECS_SERVICE_LINKED_ROLE, arn, action)


# -- cleanup ------------------------------------------------------------------------------------------
def find_roles(workshop: Workshop) -> Iterable[Found]:
    """Each of the five roles that exists, with its tags read to tell ours."""
    iam = workshop.client("iam")
    for spec in ROLES:  # both launch types: a changed setting must not strand the instance role
        name = role_name(workshop, spec)
        try:
            tags = iam.list_role_tags(RoleName=name)["Tags"]
        except iam.exceptions.NoSuchEntityException:
            continue
        yield Found("IAM role", name, name, workshop.is_ours(tags))


def delete_role(workshop: Workshop, found: Found) -> None:
    """Take the role out of its instance profiles, delete its inline policies and detach its managed ones,
    then delete it: IAM refuses to delete a role while any of those remain."""
    iam = workshop.client("iam")
    for profile in iam.list_instance_profiles_for_role(RoleName=found.ident)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=found.ident)
    for policy in iam.list_role_policies(RoleName=found.ident)["PolicyNames"]:
        iam.delete_role_policy(RoleName=found.ident, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=found.ident)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=found.ident, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=found.ident)


def find_instance_profiles(workshop: Workshop) -> Iterable[Found]:
    """The EC2 instance profile when it exists (a FARGATE workshop makes none)."""
    iam = workshop.client("iam")
    name = workshop.names.instance_profile
    try:
        iam.get_instance_profile(InstanceProfileName=name)
    except iam.exceptions.NoSuchEntityException:
        return
    tags = iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
    yield Found("IAM instance profile", name, name, workshop.is_ours(tags))


def delete_instance_profile(workshop: Workshop, found: Found) -> None:
    """Take its roles out, then delete the profile: IAM refuses to delete a profile that still holds a role."""
    iam = workshop.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=found.ident)["InstanceProfile"]
    for role in profile.get("Roles", []):
        iam.remove_role_from_instance_profile(InstanceProfileName=found.ident, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=found.ident)


def role_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; only NoSuchEntity means gone."""
    iam = workshop.client("iam")
    try:
        iam.get_role(RoleName=entry["name"])
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


def instance_profile_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; only NoSuchEntity means gone."""
    iam = workshop.client("iam")
    try:
        iam.get_instance_profile(InstanceProfileName=entry["name"])
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


IAM_ROLES = Kind(
    "IAM roles",
    find_roles,
    delete_role,
    cfn_type="AWS::IAM::Role",
    noun="IAM role",
    ensure=ensure,
    exists=role_exists,
)
INSTANCE_PROFILES = Kind(
    "IAM instance profiles",
    find_instance_profiles,
    delete_instance_profile,
    cfn_type="AWS::IAM::InstanceProfile",
    noun="IAM instance profile",
    exists=instance_profile_exists,
)
