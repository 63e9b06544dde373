"""IAM: the workshop's roles (specified in ``role_policies``), the EC2 instance profile, and ECS's
service-linked role, which a new account does not have yet.

Creating, finding and deleting them lives here; cleanup deletes the roles and the profile but never
the service-linked role, which belongs to the account and every ECS user in it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from ..aws_errors import error_message
from ..context import Workshop
from ..errors import ResourceConflictError
from .base import Found, Kind, Row, row, wait_until
from .role_policies import INLINE_POLICY_NAME, ROLES, RoleSpec, render_policy, required_roles, role_name, trust_policy

ECS_SERVICE = "ecs.amazonaws.com"
ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"
_T = TypeVar("_T")


def ensure_roles(workshop: Workshop) -> list[Row]:
    """Create or update every role this launch type needs, the EC2 instance profile, and ECS's
    service-linked role (without it a new account cannot create clusters or capacity providers)."""
    created = [ensure_role(workshop, spec) for spec in required_roles(workshop)]
    if workshop.settings.launch_type == "EC2":
        created.append(ensure_instance_profile(workshop))
    created.append(ensure_ecs_service_linked_role(workshop))
    return created


def ensure_role(workshop: Workshop, spec: RoleSpec) -> Row:
    iam = workshop.client("iam")
    name = role_name(workshop, spec)
    trust = trust_policy(spec.trusted_service)
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
    return row("IAM role", name, role["Arn"], action)


def ensure_instance_profile(workshop: Workshop) -> Row:
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
    return row("IAM instance profile", name, profile["Arn"], action)


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


def retry_while_iam_propagates(
    workshop: Workshop, what: str, call: Callable[[], _T], refused: Callable[[Exception], bool]
) -> _T:
    """``call()``, retried while ``refused(error)`` says a new role or instance profile is not yet
    usable by the service (IAM changes take seconds to reach other services), with a line of
    progress per attempt; after ``iam_propagation_timeout`` the refusal is raised as it is."""
    timing = workshop.timing
    deadline = time.monotonic() + timing.iam_propagation_timeout
    attempt = 1
    while True:
        try:
            return call()
        except Exception as error:
            if not refused(error) or time.monotonic() > deadline:
                raise
            print(
                f"{what}: AWS does not accept the new IAM role yet (IAM takes a few seconds to propagate); "
                f"retrying in {timing.retry_delay:.0f} s (attempt {attempt})",
                flush=True,
            )
            attempt += 1
            time.sleep(timing.retry_delay)


# -- cleanup ------------------------------------------------------------------------------------------
def find_roles(workshop: Workshop) -> Iterable[Found]:
    iam = workshop.client("iam")
    for spec in ROLES:  # both launch types: a changed setting must not strand the instance role
        name = role_name(workshop, spec)
        try:
            tags = iam.list_role_tags(RoleName=name)["Tags"]
        except iam.exceptions.NoSuchEntityException:
            continue
        yield Found("IAM role", name, name, workshop.is_ours(tags))


def delete_role(workshop: Workshop, found: Found) -> None:
    iam = workshop.client("iam")
    for profile in iam.list_instance_profiles_for_role(RoleName=found.ident)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=found.ident)
    for policy in iam.list_role_policies(RoleName=found.ident)["PolicyNames"]:
        iam.delete_role_policy(RoleName=found.ident, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=found.ident)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=found.ident, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=found.ident)


def find_instance_profiles(workshop: Workshop) -> Iterable[Found]:
    iam = workshop.client("iam")
    name = workshop.names.instance_profile
    try:
        iam.get_instance_profile(InstanceProfileName=name)
    except iam.exceptions.NoSuchEntityException:
        return
    tags = iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
    yield Found("IAM instance profile", name, name, workshop.is_ours(tags))


def delete_instance_profile(workshop: Workshop, found: Found) -> None:
    iam = workshop.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=found.ident)["InstanceProfile"]
    for role in profile.get("Roles", []):
        iam.remove_role_from_instance_profile(InstanceProfileName=found.ident, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=found.ident)


IAM_ROLES = Kind("IAM roles", find_roles, delete_role)
INSTANCE_PROFILES = Kind("IAM instance profiles", find_instance_profiles, delete_instance_profile)
