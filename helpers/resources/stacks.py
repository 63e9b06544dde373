"""What notebooks 02 and 03 deploy through CloudFormation: the three stacks, and what they create
(the pipelines, their EventBridge rules, the build projects) plus the log groups CodeBuild makes at
each project's first build. Deploying lives in ``helpers.stacks``; finding and deleting lives here.

Deleting a stack deletes what it created; the other kinds catch what a stack left behind (a stack
deleted by hand, a failed deletion) and what CloudFormation never owned (the build log groups).
"""

from __future__ import annotations

from collections.abc import Iterable

from botocore.exceptions import ClientError

from ..aws_errors import is_not_found
from ..context import Workshop
from ..naming import ENVIRONMENTS
from .base import Found, Kind, recorded_names
from .services import delete_log_group, log_groups_named

#: The stacks, by the purpose in their name: the pipelines' first, because they use the projects.
STACK_PURPOSES = ("pipelines", "build-container-image", "build-nodejs")


def find_stacks(workshop: Workshop) -> Iterable[Found]:
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
    workshop.client("cloudformation").delete_stack(StackName=found.ident)


def wait_until_stack_deleted(workshop: Workshop, found: Found) -> None:
    cfn = workshop.client("cloudformation")
    timing = workshop.timing
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=found.ident,
        WaiterConfig={"Delay": timing.waiter_delay, "MaxAttempts": int(timing.stack_timeout / timing.waiter_delay)},
    )


def find_pipelines(workshop: Workshop) -> Iterable[Found]:
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
    events = workshop.client("events")
    targets = [t["Id"] for t in events.list_targets_by_rule(Rule=found.ident)["Targets"]]
    if targets:
        events.remove_targets(Rule=found.ident, Ids=targets)
    events.delete_rule(Name=found.ident)


def find_build_projects(workshop: Workshop) -> Iterable[Found]:
    codebuild = workshop.client("codebuild")
    names = [workshop.names.nodejs_project, workshop.names.container_image_project]
    for project in codebuild.batch_get_projects(names=names)["projects"]:
        yield Found("CodeBuild project", project["name"], project["name"], workshop.is_ours(project.get("tags")))


def delete_build_project(workshop: Workshop, found: Found) -> None:
    workshop.client("codebuild").delete_project(name=found.ident)


def find_build_log_groups(workshop: Workshop) -> Iterable[Found]:
    """CodeBuild creates these without the kit's tags, so the recorded names count as ours too."""
    logs = workshop.client("logs")
    recorded = recorded_names(workshop, "AWS::Logs::LogGroup")
    for name in workshop.names.build_log_groups:
        for group in log_groups_named(workshop, name):
            tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
            yield Found("log group", name, name, workshop.is_ours(tags) or name in recorded)


STACKS = Kind("CloudFormation stacks", find_stacks, delete_stack, wait_until_stack_deleted)
PIPELINES = Kind("CodePipeline pipelines", find_pipelines, delete_pipeline)
RULES = Kind("EventBridge rules", find_rules, delete_rule)
BUILD_PROJECTS = Kind("CodeBuild projects", find_build_projects, delete_build_project)
BUILD_LOG_GROUPS = Kind("build log groups", find_build_log_groups, delete_log_group)
