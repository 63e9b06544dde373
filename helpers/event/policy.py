"""Per-participant IAM policies, and the files an AWS Workshop Studio event needs.

The policies come from ``helpers.permissions``: the kit's own list of the actions it calls, each on the
resources of one prefix only, so a participant can neither change nor read another's resources (the few
actions AWS cannot scope to a resource, such as ``ec2:DescribeVpcs``, are ``*`` there and in every
account). Files land in ``$WORKSHOP_HOME/events/NAME/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.regions import supported_regions
from ..core.state import _write_atomically
from ..permissions import learner_policy, learner_policy_documents
from ..permissions.studio import studio_policy_documents
from .names import event_folder


def write_participant_policies(
    event: str, prefixes: list[str], region: str, account: str, partition: str = "aws"
) -> dict[str, Path]:
    """One policy per participant (``policies/PREFIX.json``), plus the same split into documents that
    each fit one customer managed policy (``policies/PREFIX.managed-N.json``)."""
    folder = event_folder(event) / "policies"
    paths = {}
    for prefix in prefixes:
        path = folder / f"{prefix}.json"
        _write_json(path, learner_policy(prefix, region, account, partition))
        for old in folder.glob(f"{prefix}.managed-*.json"):
            old.unlink()
        for number, document in enumerate(learner_policy_documents(prefix, region, account, partition), 1):
            _write_json(folder / f"{prefix}.managed-{number}.json", document)
        paths[prefix] = path
    return paths


def workshop_studio_prefix(event: str) -> str:
    """The prefix every Workshop Studio participant uses (each in an account of their own)."""
    return f"{event}-01"


def write_workshop_studio(event: str, region: str, launch_type: str, partition: str = "aws") -> Path:
    """``workshop-studio/contentspec.yaml`` and its participant-role policy under ``static/``."""
    import yaml

    folder = event_folder(event) / "workshop-studio"
    prefix = workshop_studio_prefix(event)
    documents = studio_policy_documents(prefix, region, partition)
    policy_files = []
    for old in (folder / "static").glob("iam_policy*.json"):
        old.unlink()
    for number, document in enumerate(documents, 1):
        name = f"static/iam_policy{'' if len(documents) == 1 else f'-{number}'}.json"
        _write_json(folder / name, document)
        policy_files.append(name)
    service_linked_roles = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]
    if launch_type == "EC2":
        service_linked_roles.append("autoscaling.amazonaws.com")
    spec: dict[str, Any] = {
        "version": 2.0,
        "defaultLocaleCode": "en-US",
        "localeCodes": ["en-US"],
        "params": {"workshopPrefix": prefix},
        "awsAccountConfig": {
            "accountSources": ["WorkshopStudio"],
            "serviceLinkedRoles": service_linked_roles,
            "participantRole": {"iamPolicies": policy_files, "managedPolicies": []},
            "regionConfiguration": {
                "minAccessibleRegions": 1,
                "maxAccessibleRegions": 1,
                "accessibleRegions": {"required": [region]},
                "deployableRegions": {"required": [region]},
            },
        },
    }
    if region not in supported_regions():
        raise ValueError(f"{region} does not offer every service the workshop needs")
    header = (
        f"# AWS Workshop Studio content spec for event {event!r}, written by `python -m helpers event start`.\n"
        f"# Each participant gets an account of their own and uses the prefix {prefix!r} in notebook 00;\n"
        "# the participant role may call exactly the actions the kit calls, on that prefix's resources.\n"
    )
    path = folder / "contentspec.yaml"
    _write_atomically(path, header + yaml.safe_dump(spec, sort_keys=False))
    return path


def _write_json(path: Path, document: dict[str, Any]) -> None:
    _write_atomically(path, json.dumps(document, indent=2) + "\n")
