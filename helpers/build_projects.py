"""Notebook 02: the two CodeBuild projects, each from its own CloudFormation stack."""

from __future__ import annotations

from .core.context import Workshop
from .resources.deploy_stack import StackResult, deploy_stack
from .resources.stacks import record_build_project

PROJECTS = {"nodejs": "code-build-nodejs.yaml", "container-image": "code-build-container-image.yaml"}


def deploy_build_project(workshop: Workshop, kind: str) -> StackResult:
    """Deploy the stack of one build project (``kind`` is ``"nodejs"`` or ``"container-image"``) and
    record the project and its build log group in the state file, so cleanup deletes both."""
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
    record_build_project(workshop, kind, project, result.outputs.get("ProjectArn"))
    return result


def deploy_nodejs_project(workshop: Workshop) -> StackResult:
    """Deploy the CodeBuild project that runs the app's unit tests, from its CloudFormation stack.

    Every pipeline's Build stage runs this project first. It runs ``buildspec_nodejs.yml`` from the
    app's repository: ``npm test``, so a failing test stops the pipeline before any image is built.
    It then passes the source on, with the short commit id that will tag the image. The project is
    defined in ``data/templates/code-build-nodejs.yaml`` and uses the CodeBuild role of notebook 01.

    The stack is deployed through a change set, printing its events as they happen: a re-run with
    nothing changed says ``no changes`` and changes nothing. A project created seconds after its role
    is refused until IAM has propagated the role, so that failure is retried.

    Returns
    -------
    StackResult
        The stack's status and change (created, updated, no changes), with a row per resource and per
        output (the project's name and ARN). JupyterLab shows it as a table.
    """
    return deploy_build_project(workshop, "nodejs")


def deploy_container_image_project(workshop: Workshop) -> StackResult:
    """Deploy the CodeBuild project that builds the app's container image, from its CloudFormation stack.

    Every pipeline's Build stage runs this project after the unit tests. It runs
    ``buildspec_containerImage.yml``: log in to ECR, build the image, tag it with the short commit id,
    push it, and write ``imagedefinitions.json`` for the ECS deploy action. Docker builds need
    privileged mode, which the project turns on. Its ``CONTAINER_NAME`` and ``ECR_REPOSITORY_URI`` are
    placeholders that each pipeline overrides with its own environment's values (notebook 03). The
    project is defined in ``data/templates/code-build-container-image.yaml``.

    The stack is deployed through a change set, printing its events as they happen: a re-run with
    nothing changed says ``no changes`` and changes nothing.

    Returns
    -------
    StackResult
        The stack's status and change (created, updated, no changes), with a row per resource and per
        output (the project's name and ARN). JupyterLab shows it as a table.
    """
    return deploy_build_project(workshop, "container-image")
