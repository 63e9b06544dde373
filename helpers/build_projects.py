"""Notebook 02: the two CodeBuild projects, each from its own CloudFormation stack."""

from __future__ import annotations

from .context import Workshop
from .stacks import StackResult, deploy_stack

PROJECTS = {"nodejs": "code-build-nodejs.yaml", "container-image": "code-build-container-image.yaml"}


def deploy_build_project(workshop: Workshop, kind: str) -> StackResult:
    names = workshop.names
    project = names.nodejs_project if kind == "nodejs" else names.container_image_project
    result = deploy_stack(
        workshop,
        names.stack(f"build-{kind}"),
        PROJECTS[kind],
        {
            "CodeBuildProjectName": project,
            "CodeBuildServiceRoleName": names.codebuild_role,
            "WorkshopPrefix": workshop.prefix,
        },
        key=f"stack/build-{kind}",
    )
    region, account = workshop.settings.region, workshop.account
    workshop.record(
        f"codebuild-project/{kind}", type="AWS::CodeBuild::Project", name=project, arn=result.outputs.get("ProjectArn")
    )
    # CodeBuild creates this log group at the first build; the kit records it so cleanup removes it.
    log_group = names.build_log_group(project)
    workshop.record(
        f"build-log-group/{kind}",
        type="AWS::Logs::LogGroup",
        name=log_group,
        arn=f"arn:{workshop.partition}:logs:{region}:{account}:log-group:{log_group}",
    )
    return result


def deploy_nodejs_project(workshop: Workshop) -> StackResult:
    return deploy_build_project(workshop, "nodejs")


def deploy_container_image_project(workshop: Workshop) -> StackResult:
    return deploy_build_project(workshop, "container-image")
