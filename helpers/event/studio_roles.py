"""The Workshop Studio variant: each participant signs in as a role of their own, in an account of their own.

On AWS Workshop Studio every participant gets an AWS account of their own and works as an assumed role carrying the
event's participant-role policy (``contentspec.yaml``). On the sandbox, ``event start --workshop-studio`` does the
same: participant NN gets an account (``participant_account``: 12 digits derived from the event and the prefix, so
the same event gets the same accounts again; recorded in the event's record) and in it an IAM role ``NAME-NN`` under
``/workshop/NAME/``, tagged with the event, trusting the instructor's account and carrying the Studio policy rendered
for the participant's prefix (``helpers.permissions.studio``) as customer managed policies.

The sandbox keeps every account apart as moto does (each service's state is per account; a request acts in the
account of the key that signed it: ``localaws/iam_enforcement/accounts.py``). Workshop Studio creates the role in the
participant's account itself, with the administrator access AWS Organizations gives a management account in the
accounts it creates (``OrganizationAccountAccessRole``); the sandbox has no Organizations, so the instructor acts as
the root user of the participant's account: the sandbox's own keys with its admin header naming the account
(``clients.ACCOUNT_OPTION``). The identities file gets such a profile per participant, ``NAME-NN-account``, with which
``event status`` and ``event cleanup`` read and delete the participant's resources in their account.

AWS refuses AssumeRole to an account's root user, so the event's sign-in user ``NAME-studio`` in the instructor's
account, which may only assume the participants' roles (their exact ARNs), stands for Workshop Studio's own
federation. The participant's profile is an assume-role profile (``role_arn`` in their account,
``source_profile = NAME-studio``), so every notebook opened with their prefix signs as a session of that role and acts
in their account: CodeCommit over git, ECR logins (the token is the account's), pipelines, builds and ECS tasks (each
acting in the account of the resource it runs for). Another participant's session sees none of it: their
ListRepositories lists their own account's, and a name of another account's repository is not found in theirs.
``event cleanup`` deletes the roles, their policies and the sign-in user, and nothing outside the event's IAM path.

On AWS (``event start --identities --workshop-studio``) no account can be made, so the roles are made in the
instructor's account, as before. In Docker mode each account has a real registry of its own behind its ECR, whose
login is that account's token (``localaws/services/ecr/registry.py``), so a participant's own account pushes and
pulls images there, in either mode, and another account's token is refused.
"""

from __future__ import annotations

import hashlib
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
    #: The account the role is in: the participant's own on the sandbox, else the instructor's.
    account: str = ""

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


def participant_account(event: str, prefix: str, taken: set[str]) -> str:
    """The participant's own account on the sandbox: 12 digits (no leading zero) from a hash of the event and the
    prefix, the next free number when ``taken`` already has it (the instructor's, another participant's)."""
    number = int(hashlib.sha256(f"workshop-studio/{event}/{prefix}".encode()).hexdigest(), 16) % (9 * 10**11)
    account = str(10**11 + number)
    while account in taken:
        account = str(10**11 + (int(account) - 10**11 + 1) % (9 * 10**11))
    return account


def participant_accounts(event: str, prefixes: list[str], instructor: str) -> dict[str, str]:
    """Each participant's account (``participant_account``), all distinct and none the instructor's."""
    taken, accounts = {instructor}, {}
    for prefix in prefixes:
        accounts[prefix] = participant_account(event, prefix, taken)
        taken.add(accounts[prefix])
    return accounts


def account_profile(prefix: str) -> str:
    """The profile the instructor acts in a participant's account with, as that account's root user."""
    return f"{prefix}-account"


def create_studio_roles(
    event: str,
    prefixes: list[str],
    settings: WorkshopSettings,
    account: str,
    partition: str,
    own_accounts: bool = False,
) -> dict[str, StudioRole]:
    """Each participant's role with the Studio policy; written as assume-role profiles. With ``own_accounts`` (the
    sandbox) each role is in the participant's own account, else in ``account``, the instructor's. A participant who
    already has a role (the event started again) gets it afresh."""
    path = iam_path(event)
    config_file = profiles_file(event, settings)
    accounts = participant_accounts(event, prefixes, account) if own_accounts else dict.fromkeys(prefixes, account)
    arns = {prefix: f"arn:{partition}:iam::{accounts[prefix]}:role{path}{prefix}" for prefix in prefixes}
    source = _sign_in_user(clients.client("iam", as_account(settings)), event, sorted(arns.values()))
    made: dict[str, StudioRole] = {}
    for prefix in prefixes:
        home = accounts[prefix]
        iam = _account_iam(settings, home) if own_accounts else clients.client("iam", as_account(settings))
        delete_role(iam, prefix, path)
        role = iam.create_role(
            RoleName=prefix,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(trust_policy(account, partition)),
            Description=f"Workshop Studio participant role of event {event} (the kit's event start)",
            MaxSessionDuration=SESSION_SECONDS,
            Tags=[{"Key": EVENT_TAG, "Value": event}],
        )["Role"]
        policies = []
        for number, document in enumerate(studio_policy_documents(prefix, settings.region, partition), 1):
            name = f"{prefix}-{number}"
            delete_policy(iam, f"arn:{partition}:iam::{home}:policy{path}{name}")
            arn = iam.create_policy(PolicyName=name, Path=path, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=prefix, PolicyArn=arn)
            policies.append(arn)
        made[prefix] = StudioRole(prefix, str(role["Arn"]), prefix, str(config_file), tuple(policies), home)
    _write_profiles(event, made, settings, source, own_accounts)
    clients.reset()  # a participant's cached client would still sign with a previous session
    return made


def _account_iam(settings: WorkshopSettings, account: str) -> Any:
    """IAM in a participant's account, as its root user (see the module's docstring); not cached: each its own."""
    from ..core import sandbox
    from ..core.sessions import new_session

    session = new_session(**clients.SANDBOX_CREDENTIALS, region_name=settings.region)
    return clients.name_account(session.client("iam", endpoint_url=sandbox.endpoint()), account)


def source_profile(event: str) -> str:
    """The event's sign-in user, and the profile the participants' role profiles assume from."""
    return f"{event}-studio"


def _sign_in_user(iam: Any, event: str, role_arns: list[str]) -> dict[str, str]:
    """The user the participants' sessions are assumed with (AWS refuses AssumeRole to the root user): it may only
    assume the event's roles, each in its participant's account. Its keys, for the source profile."""
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
                "Resource": role_arns,
            }
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="assume-participant-roles", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": str(key["AccessKeyId"]), "aws_secret_access_key": str(key["SecretAccessKey"])}


def find_studio_roles(event: str, settings: WorkshopSettings, iam: Any = None) -> list[str]:
    """The names of the event's roles in one account (the instructor's unless ``iam`` is another's): under its IAM
    path and tagged with it."""
    iam = iam or clients.client("iam", as_account(settings))
    found = []
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=iam_path(event)):
        for role in page["Roles"]:
            tags = iam.list_role_tags(RoleName=role["RoleName"])["Tags"]
            if {"Key": EVENT_TAG, "Value": event} in tags:
                found.append(str(role["RoleName"]))
    return found


def delete_studio_roles(event: str, settings: WorkshopSettings, accounts: dict[str, str] | None = None) -> list[str]:
    """Delete the event's roles (their attached and inline policies) and drop their profiles: in the instructor's
    account, whose managed policies go with ``identities.delete_identities``, and in each participant's own account
    (``accounts``, from the event's record), with the event's managed policies there. Returns the roles deleted."""
    path = iam_path(event)
    roles = []
    for iam in [clients.client("iam", as_account(settings))] + [
        _account_iam(settings, account) for account in sorted(set((accounts or {}).values()))
    ]:
        found = find_studio_roles(event, settings, iam)
        for name in found:
            delete_role(iam, name, path)
        roles += found
        if accounts:
            for page in iam.get_paginator("list_policies").paginate(Scope="Local", PathPrefix=path):
                for policy in page["Policies"]:
                    delete_policy(iam, policy["Arn"])
    save_profiles({}, remove=roles, path=profiles_file(event, settings))
    clients.reset()
    return sorted(roles)


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
    account = profile["role_arn"].split(":")[4]
    return StudioRole(prefix, profile["role_arn"], prefix, str(clients.sandbox_profiles_file()), policies, account)


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


def _write_profiles(
    event: str, roles: dict[str, StudioRole], settings: WorkshopSettings, keys: dict[str, str], own_accounts: bool
) -> None:
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
        if own_accounts:  # the instructor's way into the participant's account (see the module's docstring)
            sections[account_profile(prefix)] = {
                **clients.SANDBOX_CREDENTIALS,
                clients.ACCOUNT_OPTION: role.account,
                "region": region,
                **endpoint,
                "workshop_event": event,
            }
    save_profiles(sections, remove=[], path=profiles_file(event, settings))
