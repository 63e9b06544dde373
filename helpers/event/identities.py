"""Participants as real IAM identities on the sandbox: ``event start`` makes each participant an IAM user
carrying the policy the kit generates for their prefix, with an access key kept as a profile in the sandbox's
identities file; the participant's state file names that profile, so every notebook opened with their prefix
(and every kernel ``make hub`` starts for them) signs its requests as them, and the sandbox evaluates each one
as AWS would. ``event cleanup`` deletes those users, their keys and policies, and nothing else: everything it
touches lives under the IAM path ``/workshop/<event>/``.

On AWS the same users are made only when the instructor asks (``event start --identities``): their profiles (no
endpoint) go to the event's own file, ``aws_identities_file(event)``, and the participants' state files keep the
instructor's settings, as participants sign in to a real account by the account's own means.
"""

from __future__ import annotations

import configparser
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core import clients
from ..core.settings import WorkshopSettings
from ..core.state import _write_atomically
from ..permissions import learner_policy_documents


@dataclass(frozen=True)
class Identity:
    """One participant's IAM user on the sandbox, and how to sign as them."""

    prefix: str
    user_arn: str
    access_key_id: str
    secret_access_key: str
    profile: str
    config_file: str
    policies: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "policies": list(self.policies)}


def iam_path(event: str) -> str:
    """The IAM path of everything the event creates: cleanup lists by it, so it never touches anything else."""
    return f"/workshop/{event}/"


def create_identities(
    event: str, prefixes: list[str], settings: WorkshopSettings, account: str, partition: str
) -> dict[str, Identity]:
    """Each participant's IAM user (named after their prefix) with the kit's policy as customer managed
    policies (the whole policy is larger than one managed policy, and far larger than a user's 2,048
    characters of inline policy) and one access key; written as profiles to the sandbox's identities file.
    A participant who already has a user (the event started again) gets it afresh."""
    iam = clients.client("iam", as_account(settings))
    path = iam_path(event)
    config_file = profiles_file(event, settings)
    made: dict[str, Identity] = {}
    for prefix in prefixes:
        delete_user(iam, prefix, path)
        user = iam.create_user(UserName=prefix, Path=path, Tags=[{"Key": "workshop:event", "Value": event}])["User"]
        names = []
        documents = learner_policy_documents(prefix, settings.region, account, partition)
        for number, document in enumerate(documents, 1):
            name = f"{prefix}-{number}"
            delete_policy(iam, f"arn:{partition}:iam::{account}:policy{path}{name}")
            arn = iam.create_policy(PolicyName=name, Path=path, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
            iam.attach_user_policy(UserName=prefix, PolicyArn=arn)
            names.append(arn)
        key = iam.create_access_key(UserName=prefix)["AccessKey"]
        made[prefix] = Identity(
            prefix,
            str(user["Arn"]),
            str(key["AccessKeyId"]),
            str(key["SecretAccessKey"]),
            prefix,
            str(config_file),
            tuple(names),
        )
    _write_profiles(made, settings, remove=[], path=config_file)
    clients.reset()  # a participant's cached client would still sign with their previous key
    return made


def delete_identities(event: str, settings: WorkshopSettings) -> list[str]:
    """Delete the event's users (their keys, attached and inline policies) and its managed policies, all
    under ``iam_path(event)``; drop their profiles. Returns the users deleted."""
    iam = clients.client("iam", as_account(settings))
    path = iam_path(event)
    users = [u["UserName"] for page in iam.get_paginator("list_users").paginate(PathPrefix=path) for u in page["Users"]]
    for user in users:
        delete_user(iam, user, path)
    for page in iam.get_paginator("list_policies").paginate(Scope="Local", PathPrefix=path):
        for policy in page["Policies"]:
            delete_policy(iam, policy["Arn"])
    _write_profiles({}, settings, remove=users, path=profiles_file(event, settings))
    clients.reset()
    return users


def identity(event: str, prefix: str) -> Identity | None:
    """A participant's identity as the identities file and IAM know it (None when it was not made)."""
    config = _read_profiles()
    section = f"profile {prefix}"
    if not config.has_section(section) or config.get(section, "workshop_event", fallback="") != event:
        return None
    if config.has_option(section, "role_arn"):  # a Workshop Studio participant's role: studio_roles.py
        return None
    return Identity(
        prefix,
        config.get(section, "workshop_user_arn", fallback=""),
        config.get(section, "aws_access_key_id"),
        config.get(section, "aws_secret_access_key"),
        prefix,
        str(clients.sandbox_profiles_file()),
        tuple(config.get(section, "workshop_policies", fallback="").split()),
    )


def as_account(settings: WorkshopSettings) -> WorkshopSettings:
    """The instructor's own settings: the account's credentials, whatever profile a participant's has."""
    from dataclasses import replace

    return replace(settings, profile=None)


def delete_user(iam: Any, name: str, path: str) -> None:
    """Delete one of the event's users with its keys and policies; a user of that name elsewhere is left alone."""
    try:
        user = iam.get_user(UserName=name)["User"]
    except iam.exceptions.NoSuchEntityException:
        return
    if user.get("Path") != path:
        raise ValueError(f"IAM user {name!r} exists outside {path}: it is not this event's, so it is left alone")
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    for attached in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
    for inline in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=inline)
    iam.delete_user(UserName=name)


def delete_policy(iam: Any, arn: str) -> None:
    """Delete a customer managed policy (gone already is fine)."""
    try:
        iam.delete_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        pass


def aws_identities_file(event: str) -> Path:
    """On AWS, where ``event start --identities`` writes the participants' profiles: an AWS config file of the
    event's own (mode 600), never the instructor's ``~/.aws/config``."""
    from .names import event_folder

    return event_folder(event) / "identities" / "config"


def profiles_file(event: str, settings: WorkshopSettings) -> Path:
    """The participants' profiles: the sandbox's identities file, or on AWS the event's own file."""
    return clients.sandbox_profiles_file() if settings.backend == "sandbox" else aws_identities_file(event)


def endpoint_of(settings: WorkshopSettings) -> dict[str, str]:
    """A profile's ``endpoint_url``: the sandbox's; none on AWS."""
    from ..core import sandbox

    return {"endpoint_url": sandbox.endpoint()} if settings.backend == "sandbox" else {}


def _read_profiles(path: Path | None = None) -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(path or clients.sandbox_profiles_file())
    return config


def _write_profiles(identities: dict[str, Identity], settings: WorkshopSettings, remove: list[str], path: Path) -> None:
    """The participants' users as profiles of the identities file ``path``."""
    sections = {
        prefix: {
            "aws_access_key_id": made.access_key_id,
            "aws_secret_access_key": made.secret_access_key,
            "region": settings.region,
            **endpoint_of(settings),
            "workshop_event": made.user_arn.split("/")[-2],
            "workshop_user_arn": made.user_arn,
            "workshop_policies": " ".join(made.policies),
        }
        for prefix, made in identities.items()
    }
    save_profiles(sections, remove, path)


def save_profiles(sections: dict[str, dict[str, str]], remove: list[str], path: Path | None = None) -> None:
    """Write ``[profile NAME]`` sections (each replaced whole) into an identities file (by default the sandbox's), an
    AWS config file (``AWS_CONFIG_FILE=... aws --profile NAME``), mode 600; drop the profiles named in ``remove``."""
    path = path or clients.sandbox_profiles_file()
    if not sections and not path.exists():
        return
    config = _read_profiles(path)
    for name in [*remove, *sections]:
        config.remove_section(f"profile {name}")
    for name, values in sections.items():
        config.add_section(f"profile {name}")
        for key, value in values.items():
            config.set(f"profile {name}", key, value)
    text = io.StringIO()
    config.write(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, text.getvalue())
    os.chmod(path, 0o600)


def read_profile(name: str) -> dict[str, str]:
    """One profile of the sandbox's identities file ({} when there is none)."""
    config = _read_profiles()
    section = f"profile {name}"
    return dict(config.items(section)) if config.has_section(section) else {}
