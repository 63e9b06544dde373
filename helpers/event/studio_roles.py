"""The Workshop Studio variant on the sandbox: each participant signs in as a role of their own.

On AWS Workshop Studio every participant gets an account of their own and works as an assumed role carrying the
event's participant-role policy (``contentspec.yaml``). The sandbox has one account (its git endpoint, ECR registry
and pipeline pages use the default one), so ``event start --workshop-studio`` gives each participant an IAM role
``NAME-NN`` under ``/workshop/NAME/`` in that account, tagged with the event, trusting the instructor's account and
carrying the Studio policy rendered for the participant's prefix (``helpers.permissions.studio``) as customer
managed policies. AWS refuses AssumeRole to an account's root user, so the event's sign-in user ``NAME-studio``,
which may only assume the event's roles, stands for Workshop Studio's own federation. The participant's profile in
the sandbox's identities file is an assume-role profile (``role_arn``, ``source_profile = NAME-studio``), so every
notebook opened with their prefix signs as a session of that role. ``event cleanup`` deletes the roles, the sign-in
user and their policies, and nothing outside the event's IAM path.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..core import clients
from ..core.settings import WorkshopSettings
from ..permissions.studio import studio_policy_documents
from .identities import (
    as_account,
    delete_policy,
    delete_user,
    endpoint_of,
    iam_path,
    profiles_file,
    read_profile,
    save_profiles,
)

#: A session lasts a workshop day (IAM allows up to 12 hours once the role's MaxSessionDuration says so); the AWS CLI
#: reads ``duration_seconds`` from an assume-role profile, as the kit's clients do.
SESSION_SECONDS = 43200
#: The tag every role the event makes carries (cleanup deletes only what is under the event's IAM path and tagged).
EVENT_TAG = "workshop:event"


@dataclass(frozen=True)
class StudioRole:
    """One participant's role on the sandbox, and the assume-role profile that signs as it."""

    prefix: str
    role_arn: str
    profile: str
    config_file: str
    policies: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "policies": list(self.policies)}


def trust_policy(account: str, partition: str) -> dict[str, Any]:
    """The participant role trusts the instructor's account, whose administrator assumes it for the participant."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def create_studio_roles(
    event: str, prefixes: list[str], settings: WorkshopSettings, account: str, partition: str
) -> dict[str, StudioRole]:
    """Each participant's role with the Studio policy; written as assume-role profiles. A participant who already
    has a role (the event started again) gets it afresh."""
    iam = clients.client("iam", as_account(settings))
    path = iam_path(event)
    config_file = profiles_file(event, settings)
    source = _sign_in_user(iam, event, account, partition)
    made: dict[str, StudioRole] = {}
    for prefix in prefixes:
        delete_role(iam, prefix, path)
        role = iam.create_role(
            RoleName=prefix,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(trust_policy(account, partition)),
            Description=f"Workshop Studio participant role of event {event} (the kit's event start)",
            MaxSessionDuration=SESSION_SECONDS,
            Tags=[{"Key": EVENT_TAG, "Value": event}],
        )["Role"]
        arns = []
        for number, document in enumerate(studio_policy_documents(prefix, settings.region, partition), 1):
            name = f"{prefix}-{number}"
            delete_policy(iam, f"arn:{partition}:iam::{account}:policy{path}{name}")
            arn = iam.create_policy(PolicyName=name, Path=path, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=prefix, PolicyArn=arn)
            arns.append(arn)
        made[prefix] = StudioRole(prefix, str(role["Arn"]), prefix, str(config_file), tuple(arns))
    _write_profiles(event, made, settings, source)
    clients.reset()  # a participant's cached client would still sign with a previous session
    return made


def source_profile(event: str) -> str:
    """The event's sign-in user, and the profile the participants' role profiles assume from."""
    return f"{event}-studio"


def _sign_in_user(iam: Any, event: str, account: str, partition: str) -> dict[str, str]:
    """The user the participants' sessions are assumed with (AWS refuses AssumeRole to the root user): it may only
    assume the event's roles. Its keys, for the source profile."""
    name, path = source_profile(event), iam_path(event)
    delete_user(iam, name, path)
    iam.create_user(UserName=name, Path=path, Tags=[{"Key": EVENT_TAG, "Value": event}])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeTheEventsParticipantRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:{partition}:iam::{account}:role{path}*",
            }
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="assume-participant-roles", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": str(key["AccessKeyId"]), "aws_secret_access_key": str(key["SecretAccessKey"])}


def find_studio_roles(event: str, settings: WorkshopSettings) -> list[str]:
    """The names of the event's roles: under its IAM path and tagged with it."""
    iam = clients.client("iam", as_account(settings))
    found = []
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=iam_path(event)):
        for role in page["Roles"]:
            tags = iam.list_role_tags(RoleName=role["RoleName"])["Tags"]
            if {"Key": EVENT_TAG, "Value": event} in tags:
                found.append(str(role["RoleName"]))
    return found


def delete_studio_roles(event: str, settings: WorkshopSettings) -> list[str]:
    """Delete the event's roles (their attached and inline policies) and drop their profiles; the event's managed
    policies go with ``identities.delete_identities``. Returns the roles deleted."""
    iam = clients.client("iam", as_account(settings))
    roles = find_studio_roles(event, settings)
    for name in roles:
        delete_role(iam, name, iam_path(event))
    save_profiles({}, remove=roles, path=profiles_file(event, settings))
    clients.reset()
    return roles


def delete_role(iam: Any, name: str, path: str) -> None:
    """Delete one participant role with what is attached to it; a role of that name elsewhere is left alone."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return
    if role.get("Path") != path:
        raise ValueError(f"IAM role {name!r} exists outside {path}: it is not this event's, so it is left alone")
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    for inline in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=inline)
    iam.delete_role(RoleName=name)


def studio_role(event: str, prefix: str) -> StudioRole | None:
    """A participant's role as the identities file knows it (None when the event made none for them)."""
    profile = read_profile(prefix)
    if profile.get("workshop_event") != event or "role_arn" not in profile:
        return None
    policies = tuple(profile.get("workshop_policies", "").split())
    return StudioRole(prefix, profile["role_arn"], prefix, str(clients.sandbox_profiles_file()), policies)


def session_credentials(role: StudioRole) -> dict[str, Any]:
    """``event credentials --json`` for a Studio participant: the role, and the keys of a session of it (what the
    participant's notebooks sign with), as the AWS CLI's assume-role profile would get them."""
    keys = clients.sandbox_credentials(role.profile)
    return {
        **role.to_dict(),
        "access_key_id": keys["aws_access_key_id"],
        "secret_access_key": keys["aws_secret_access_key"],
        "session_token": keys["aws_session_token"],
        "source_profile": read_profile(role.profile).get("source_profile", ""),
    }


def _write_profiles(event: str, roles: dict[str, StudioRole], settings: WorkshopSettings, keys: dict[str, str]) -> None:
    region, endpoint = settings.region, endpoint_of(settings)
    sections = {source_profile(event): {**keys, "region": region, **endpoint}}
    for prefix, role in roles.items():
        sections[prefix] = {
            "role_arn": role.role_arn,
            "source_profile": source_profile(event),
            "role_session_name": prefix,
            "duration_seconds": str(SESSION_SECONDS),
            "region": region,
            **endpoint,
            "workshop_event": event,
            "workshop_policies": " ".join(role.policies),
        }
    save_profiles(sections, remove=[], path=profiles_file(event, settings))
