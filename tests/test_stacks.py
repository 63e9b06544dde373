"""Stacks go through change sets: created, then "no changes" when nothing changed, then updated when a
parameter changes; a stack that is not this workshop's is refused."""

from __future__ import annotations

import pytest

from helpers import setup
from helpers.core.errors import ResourceConflictError
from helpers.resources import deploy_stack as stacks
from tests.helpers_for_tests import codebuild_service_role, sandbox_client, unique


def test_create_no_change_then_update():
    prefix = unique("stk")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    # CodeBuild refuses a project whose service role does not exist (or is too new), as on AWS.
    codebuild_service_role(f"{prefix}-role")
    codebuild_service_role(f"{prefix}-other-role")
    parameters = {
        "CodeBuildProjectName": f"{prefix}-build-nodejs",
        "CodeBuildServiceRoleName": f"{prefix}-role",
        "WorkshopPrefix": prefix,
    }
    name = workshop.names.stack("build-nodejs")
    first = stacks.deploy_stack(workshop, name, "code-build-nodejs.yaml", parameters, key="stack/test")
    assert (first.status, first.change) == ("CREATE_COMPLETE", "created")
    assert first.outputs["ProjectName"] == f"{prefix}-build-nodejs"
    again = stacks.deploy_stack(workshop, name, "code-build-nodejs.yaml", parameters, key="stack/test")
    assert again.change == "no changes"
    changed = stacks.deploy_stack(
        workshop,
        name,
        "code-build-nodejs.yaml",
        {**parameters, "CodeBuildServiceRoleName": f"{prefix}-other-role"},
        key="stack/test",
    )
    assert changed.change == "updated" and changed.status == "UPDATE_COMPLETE"
    project = sandbox_client("codebuild").batch_get_projects(names=[f"{prefix}-build-nodejs"])["projects"][0]
    assert project["serviceRole"].endswith(f":role/{prefix}-other-role")
    assert "stack/test" in workshop.state.resources


def test_a_stack_that_is_not_the_workshops_is_refused():
    prefix = unique("stkx")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    name = workshop.names.stack("build-nodejs")
    sandbox_client("cloudformation").create_stack(
        StackName=name, TemplateBody='{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}'
    )
    with pytest.raises(ResourceConflictError):
        stacks.deploy_stack(
            workshop,
            name,
            "code-build-nodejs.yaml",
            {"CodeBuildProjectName": f"{prefix}-p", "CodeBuildServiceRoleName": "r", "WorkshopPrefix": prefix},
            key="stack/test",
        )
