"""What notebooks 02 and 03 deploy through CloudFormation: the three stacks, and the stack-backed kinds
they create (the build projects, the pipelines and their EventBridge rules). Deploying lives in
``helpers.resources.deploy_stack``, which records each stack through ``STACKS``; after a deployment, notebook 02 and 03
record what the stack made through ``record_build_project`` and ``record_pipelines``. These kinds have
no ensure of their own: their stack is it.

Deleting a stack deletes what it created; the other kinds catch what a stack left behind (a stack
deleted by hand, a failed deletion).
"""

from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from ..core.aws_errors import is_not_found
from ..core.context import Workshop
from ..core.environments import ENVIRONMENTS
from .base import Entry, Found, Kind, recorded_names
from .log_groups import record_build_log_group

#: The stacks, by the purpose in their name: the pipelines' first, because they use the projects.
STACK_PURPOSES = ("pipelines", "build-container-image", "build-nodejs")


def find_stacks(workshop: Workshop) -> Iterable[Found]:
    """The three stacks by name that exist and are not DELETE_COMPLETE. CloudFormation's not-found (a
    ValidationError) is told apart from a denial, which is raised."""
    cfn = workshop.client("cloudformation")
    for purpose in STACK_PURPOSES:
        name = workshop.names.stack(purpose)
        try:
            stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as error:
            if is_not_found(error):
                continue
            raise
        if stack["StackStatus"] != "DELETE_COMPLETE":
            yield Found("CloudFormation stack", name, stack["StackId"], workshop.is_ours(stack.get("Tags")))


def delete_stack(workshop: Workshop, found: Found) -> None:
    """Start deleting the stack and everything it created; ``wait_until_stack_deleted`` waits for the end."""
    workshop.client("cloudformation").delete_stack(StackName=found.ident)


def wait_until_stack_deleted(workshop: Workshop, found: Found) -> None:
    """Until CloudFormation reports DELETE_COMPLETE, at most ``stack_timeout``. A stack stuck in DELETE_FAILED
    (a resource it could not delete) ends the wait with botocore's WaiterError: a red cleanup row."""
    cfn = workshop.client("cloudformation")
    timing = workshop.timing
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=found.ident,
        WaiterConfig={"Delay": timing.waiter_delay, "MaxAttempts": int(timing.stack_timeout / timing.waiter_delay)},
    )


def find_pipelines(workshop: Workshop) -> Iterable[Found]:
    """The three pipelines that exist, with their tags read to tell ours."""
    codepipeline = workshop.client("codepipeline")
    for env in ENVIRONMENTS:
        name = workshop.names.pipeline(env)
        try:
            arn = codepipeline.get_pipeline(name=name)["metadata"]["pipelineArn"]
        except codepipeline.exceptions.PipelineNotFoundException:
            continue
        tags = codepipeline.list_tags_for_resource(resourceArn=arn)["tags"]
        yield Found("CodePipeline pipeline", name, name, workshop.is_ours(tags))


def delete_pipeline(workshop: Workshop, found: Found) -> None:
    """Delete a pipeline its stack left behind (a stack deleted by hand, or a failed stack deletion)."""
    workshop.client("codepipeline").delete_pipeline(name=found.ident)


def find_rules(workshop: Workshop) -> Iterable[Found]:
    """EventBridge rules do not inherit the stack's tags, so the recorded names count as ours too."""
    events = workshop.client("events")
    recorded = recorded_names(workshop, "AWS::Events::Rule")
    for env in ENVIRONMENTS:
        name = workshop.names.pipeline(env)
        try:
            rule = events.describe_rule(Name=name)
        except events.exceptions.ResourceNotFoundException:
            continue
        tags = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
        yield Found("EventBridge rule", name, name, workshop.is_ours(tags) or name in recorded)


def delete_rule(workshop: Workshop, found: Found) -> None:
    """Remove the rule's targets, then delete it: EventBridge refuses to delete a rule that still has targets."""
    events = workshop.client("events")
    targets = [t["Id"] for t in events.list_targets_by_rule(Rule=found.ident)["Targets"]]
    if targets:
        events.remove_targets(Rule=found.ident, Ids=targets)
    events.delete_rule(Name=found.ident)


def find_build_projects(workshop: Workshop) -> Iterable[Found]:
    """The two build projects that exist: BatchGetProjects leaves missing names out instead of raising."""
    codebuild = workshop.client("codebuild")
    names = [workshop.names.nodejs_project, workshop.names.container_image_project]
    for project in codebuild.batch_get_projects(names=names)["projects"]:
        yield Found("CodeBuild project", project["name"], project["name"], workshop.is_ours(project.get("tags")))


def delete_build_project(workshop: Workshop, found: Found) -> None:
    """Delete a project its stack left behind; its build log group is the log groups' kind, deleted last."""
    workshop.client("codebuild").delete_project(name=found.ident)


# -- recording what a stack made ----------------------------------------------------------------------
def record_build_project(workshop: Workshop, project_kind: str, project: str, arn: str | None) -> None:
    """After notebook 02 deployed a build project's stack (``project_kind`` is ``"nodejs"`` or
    ``"container-image"``): the project, and the log group CodeBuild creates at its first build."""
    BUILD_PROJECTS.record(workshop, f"codebuild-project/{project_kind}", name=project, arn=arn)
    record_build_log_group(workshop, project_kind, project)


def record_pipelines(workshop: Workshop) -> None:
    """After notebook 03 deployed the pipeline stack: each environment's pipeline and branch rule."""
    region, account, partition = workshop.settings.region, workshop.account, workshop.partition
    for env in ENVIRONMENTS:
        name = workshop.names.pipeline(env)
        arn = f"arn:{partition}:codepipeline:{region}:{account}:{name}"
        PIPELINES.record(workshop, f"pipeline/{env}", name=name, environment=env, arn=arn)
        arn = f"arn:{partition}:events:{region}:{account}:rule/{name}"
        RULES.record(workshop, f"events-rule/{env}", name=name, environment=env, arn=arn)


# -- presence -----------------------------------------------------------------------------------------
def stack_exists(workshop: Workshop, entry: Entry) -> bool:
    """By name: a deleted stack is "does not exist" by name (by id it would still answer, as deleted)."""
    cfn = workshop.client("cloudformation")
    try:
        stacks = cfn.describe_stacks(StackName=entry["name"])["Stacks"]
    except ClientError as error:  # CloudFormation's not-found is a ValidationError: is_not_found tells them apart
        if is_not_found(error):
            return False
        raise
    return any(s["StackStatus"] != "DELETE_COMPLETE" for s in stacks)


def pipeline_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; only PipelineNotFound means gone."""
    codepipeline = workshop.client("codepipeline")
    try:
        codepipeline.get_pipeline(name=entry["name"])
    except codepipeline.exceptions.PipelineNotFoundException:
        return False
    return True


def rule_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; only ResourceNotFound means gone."""
    events = workshop.client("events")
    try:
        events.describe_rule(Name=entry["name"])
    except events.exceptions.ResourceNotFoundException:
        return False
    return True


def build_project_exists(workshop: Workshop, entry: Entry) -> bool:
    """Whether BatchGetProjects finds the recorded name. AWS answers with both ``projects`` and
    ``projectsNotFound``, moto with ``projects`` only: the found list is the one both have."""
    return bool(workshop.client("codebuild").batch_get_projects(names=[entry["name"]])["projects"])


STACKS = Kind(
    "CloudFormation stacks",
    find_stacks,
    delete_stack,
    wait_until_stack_deleted,
    cfn_type="AWS::CloudFormation::Stack",
    noun="CloudFormation stack",
    exists=stack_exists,
)
PIPELINES = Kind(
    "CodePipeline pipelines",
    find_pipelines,
    delete_pipeline,
    cfn_type="AWS::CodePipeline::Pipeline",
    noun="CodePipeline pipeline",
    exists=pipeline_exists,
)
RULES = Kind(
    "EventBridge rules",
    find_rules,
    delete_rule,
    cfn_type="AWS::Events::Rule",
    noun="EventBridge rule",
    exists=rule_exists,
)
BUILD_PROJECTS = Kind(
    "CodeBuild projects",
    find_build_projects,
    delete_build_project,
    cfn_type="AWS::CodeBuild::Project",
    noun="CodeBuild project",
    exists=build_project_exists,
)
