"""CloudWatch log groups: one per environment for the services' containers, and one per build project.

The kit creates the services' groups itself (tagged, kept ``LOG_RETENTION_DAYS`` days) in notebook 01's
services step, before the services whose task definitions name them. CodeBuild creates a project's
group at the project's first build, without the kit's tags; the kit records it when it deploys the
project (``record_build_log_group``), so cleanup knows it as the workshop's and ``status`` shows it as
"not yet" (not missing) until that build. Cleanup deletes both, last: nothing depends on a log group.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.context import Row, Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import ResourceConflictError
from .base import NOT_YET, Entry, Found, Kind, Presence, recorded_names

LOG_RETENTION_DAYS = 7
_TYPE = "AWS::Logs::LogGroup"


def log_groups_named(workshop: Workshop, name: str) -> list[Any]:
    """The log group called exactly ``name`` (a list of at most one). The prefix also matches
    other participants' groups, so every page is read."""
    paginator = workshop.client("logs").get_paginator("describe_log_groups")
    return [
        group
        for page in paginator.paginate(logGroupNamePrefix=name)
        for group in page["logGroups"]
        if group.get("logGroupName") == name
    ]


def _arn(workshop: Workshop, name: str) -> str:
    """A log group's ARN, known before it exists (CloudWatch Logs derives it from the name)."""
    return f"arn:{workshop.partition}:logs:{workshop.settings.region}:{workshop.account}:log-group:{name}"


def ensure(workshop: Workshop) -> list[Row]:
    """The services' log group of each environment."""
    return [ensure_log_group(workshop, env) for env in ENVIRONMENTS]


def ensure_log_group(workshop: Workshop, env: str) -> Row:
    """``env``'s log group (created, or checked to be ours), with its retention applied again."""
    logs = workshop.client("logs")
    name = workshop.names.log_group(env)
    found = log_groups_named(workshop, name)
    if found:
        arn = found[0]["arn"].removesuffix(":*")
        if not workshop.is_ours(logs.list_tags_for_resource(resourceArn=arn)["tags"]):
            raise ResourceConflictError("log group", name, workshop.prefix)
        action = "exists"
    else:
        logs.create_log_group(logGroupName=name, tags=workshop.tags(env))
        arn, action = _arn(workshop, name), "created"
    logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
    return LOG_GROUPS.record(workshop, f"log-group/{env}", name=name, arn=arn, action=action, environment=env)


def record_build_log_group(workshop: Workshop, project_kind: str, project: str) -> None:
    """Record the log group CodeBuild will create at ``project``'s first build (``project_kind`` is
    ``"nodejs"`` or ``"container-image"``), so cleanup deletes it although it carries no tags."""
    name = workshop.names.build_log_group(project)
    LOG_GROUPS.record(
        workshop,
        f"build-log-group/{project_kind}",
        name=name,
        arn=_arn(workshop, name),
        created_later_by="CodeBuild, at the project's first build",
    )


def find_log_groups(workshop: Workshop) -> Iterable[Found]:
    """The services' groups (ours by tag), then the build groups (by tag, or by the name the state file
    recorded: CodeBuild creates them untagged)."""
    logs = workshop.client("logs")
    recorded = recorded_names(workshop, _TYPE)
    build_groups = set(workshop.names.build_log_groups)
    for name in [*(workshop.names.log_group(env) for env in ENVIRONMENTS), *workshop.names.build_log_groups]:
        for group in log_groups_named(workshop, name):
            tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
            ours = workshop.is_ours(tags) or (name in build_groups and name in recorded)
            yield Found("log group", name, name, ours)


def delete_log_group(workshop: Workshop, found: Found) -> None:
    """Delete the group with its log streams: the containers' and the builds' logs go with it."""
    workshop.client("logs").delete_log_group(logGroupName=found.ident)


def log_group_exists(workshop: Workshop, entry: Entry) -> Presence:
    """True or False; ``NOT_YET`` for a recorded group a service creates later by itself."""
    if log_groups_named(workshop, entry["name"]):
        return True
    return NOT_YET if entry.get("created_later_by") else False


LOG_GROUPS = Kind(
    "log groups and build log groups",
    find_log_groups,
    delete_log_group,
    cfn_type=_TYPE,
    noun="log group",
    ensure=ensure,
    exists=log_group_exists,
)
