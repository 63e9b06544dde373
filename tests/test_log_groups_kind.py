"""The CloudWatch log-group kind against the sandbox: ensure (idempotent, ownership-checked), find, exists
(including "not yet" for a build project's group CodeBuild has not made), delete, and its place in the
registry that notebook 01, cleanup and status read."""

from __future__ import annotations

import pytest

from helpers import cleanup, setup
from helpers.core.environments import ENVIRONMENTS
from helpers.core.errors import ResourceConflictError
from helpers.resources import log_groups, registry
from helpers.resources.base import NOT_YET
from helpers.resources.presence import presence, resource_presence
from tests.helpers_for_tests import sandbox_client, unique

KIND = log_groups.LOG_GROUPS


def _workshop(prefix: str):
    setup.configure(prefix=prefix)
    return setup.open_workshop(prefix)


def test_ensure_creates_tagged_groups_with_retention_records_them_and_is_idempotent():
    workshop = _workshop(unique("lg"))
    assert KIND.ensure is not None
    rows = KIND.ensure(workshop)
    names = [workshop.names.log_group(env) for env in ENVIRONMENTS]
    assert [(r["type"], r["name"], r["environment"], r["action"]) for r in rows] == [
        ("log group", name, env, "created") for name, env in zip(names, ENVIRONMENTS, strict=True)
    ]
    logs = sandbox_client("logs")
    for name in names:
        group = log_groups.log_groups_named(workshop, name)[0]
        assert group["retentionInDays"] == log_groups.LOG_RETENTION_DAYS
        tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
        assert workshop.is_ours(tags)
    entries = [workshop.state.resources[f"log-group/{env}"] for env in ENVIRONMENTS]
    assert {e["type"] for e in entries} == {"AWS::Logs::LogGroup"} and [e["name"] for e in entries] == names
    assert [r["arn"] for r in rows] == [e["arn"] for e in entries]  # the row is the record: written once
    assert [r["action"] for r in log_groups.ensure(workshop)] == ["exists"] * 3  # again: nothing new
    assert len(log_groups.log_groups_named(workshop, names[0])) == 1


def test_find_exists_and_delete_answer_for_every_recorded_group():
    workshop = _workshop(unique("lgx"))
    log_groups.ensure(workshop)
    found = list(KIND.find(workshop))
    assert [(f.kind, f.name, f.ours) for f in found] == [
        ("log group", workshop.names.log_group(env), True) for env in ENVIRONMENTS
    ]
    entry = workshop.state.resources["log-group/dev"]
    assert KIND.exists is not None and KIND.exists(workshop, entry) is True
    KIND.delete(workshop, found[0])
    assert KIND.exists(workshop, entry) is False
    assert presence(workshop, entry) is False  # status finds the kind through the registry
    assert [f.name for f in KIND.find(workshop)] == [workshop.names.log_group(env) for env in ("qa", "prod")]


def test_a_build_projects_group_is_not_yet_until_codebuild_makes_it_then_ours_by_its_recorded_name():
    workshop = _workshop(unique("lgb"))
    project = workshop.names.nodejs_project
    log_groups.record_build_log_group(workshop, "nodejs", project)
    entry = workshop.state.resources["build-log-group/nodejs"]
    assert entry["name"] == workshop.names.build_log_group(project)
    assert resource_presence(workshop) == {"build-log-group/nodejs": NOT_YET}  # absent, and not missing
    sandbox_client("logs").create_log_group(logGroupName=entry["name"])  # as CodeBuild does: no tags
    assert presence(workshop, entry) is True
    assert [(f.name, f.ours) for f in KIND.find(workshop)] == [(entry["name"], True)]
    report = cleanup.cleanup(workshop, progress=False)
    assert report.ok, report.rows
    assert ("log group", entry["name"], cleanup.DELETED) in {(r.kind, r.name, r.outcome) for r in report.rows}
    assert not log_groups.log_groups_named(workshop, entry["name"])


def test_a_foreign_group_with_a_kit_name_is_refused_and_spared():
    workshop = _workshop(unique("lgf"))
    name = workshop.names.log_group("dev")
    sandbox_client("logs").create_log_group(logGroupName=name, tags={"owner": "someone else"})
    with pytest.raises(ResourceConflictError):
        log_groups.ensure_log_group(workshop, "dev")
    assert "log-group/dev" not in workshop.state.resources
    assert [(f.name, f.ours) for f in KIND.find(workshop)] == [(name, False)]
    report = cleanup.cleanup(workshop, progress=False)
    assert ("log group", name, cleanup.NOT_OURS) in {(r.kind, r.name, r.outcome) for r in report.rows}
    assert log_groups.log_groups_named(workshop, name)  # left alone


def test_the_kind_is_in_the_registry_notebook_01s_services_step_and_last_in_cleanup():
    assert KIND in registry.KINDS
    assert registry.kind_of("AWS::Logs::LogGroup") is KIND
    assert registry.SERVICES_STEP[0] is KIND  # before the services whose task definitions name the groups
    assert cleanup.KINDS[-1] is KIND  # nothing depends on a log group
