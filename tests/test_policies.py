"""The IAM policy templates are least-privilege: no wildcard actions, and every resource is one of the
workshop's unless the action has no resource-level permissions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.paths import DATA_DIR
from helpers.resources.roles import ROLES

#: Actions AWS does not scope to resources: "*" is the only resource they accept.
UNSCOPED_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "ecs:DescribeTaskDefinition",
    "ecs:RegisterTaskDefinition",
    "ecs:DescribeTasks",
    "ecs:ListTasks",
    "ecs:DiscoverPollEndpoint",
}
TEMPLATES = sorted((DATA_DIR / "policies").glob("*.json"))


def test_every_role_has_a_template_and_every_template_a_role():
    assert {p.stem for p in TEMPLATES} == {r.key for r in ROLES}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_least_privilege(path: Path):
    document = json.loads(path.read_text())
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not [a for a in actions if "*" in a], f"{path.name}: wildcard action"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if resources == ["*"]:
            assert set(actions) <= UNSCOPED_ACTIONS, f"{path.name}: {actions} on every resource"
        else:
            for resource in resources:
                assert (
                    "${Prefix}" in resource
                    or "${ArtifactBucket}" in resource
                    or "${Repository}" in resource
                    or "Project}" in resource
                    or "${TaskExecutionRole}" in resource
                    or "${ApprovalTopic}" in resource
                ), f"{path.name}: {resource} is not scoped to the workshop"
