"""Docker mode (issue 23): RunTask's tasks are containers. The same checks as ``test_ecs_run_task.py`` (PROVISIONING ->
RUNNING -> STOPPED, the exit code and ECS's reasons, StopTask's reason, the awslogs output), with the task's container
seen in the engine while it runs (ECS's agent labels) and removed once it stopped.

Needs the engine and the base image (`make docker-engine`; `make test` runs it).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from localaws import api
from localaws.buildtools import engine, engine_tasks
from tests.helpers_for_tests import sandbox_client
from tests.sandbox.test_ecs_run_task import (
    EXITS_WITH_3,
    seconds_to_stop,
    standalone_cluster,
    status_is,
    stop_timeout_task,
    wait_for,
    waiting,
)

pytestmark = pytest.mark.docker  # Docker mode: `make test` runs these with a Docker-mode sandbox


def containers_of(task_arn: str) -> list[dict]:
    """The engine's containers, running or not, that carry the task's ECS label."""
    listed = subprocess.run(
        [
            engine.cli() or "docker",
            "ps",
            "-a",
            "--filter",
            f"label=com.amazonaws.ecs.task-arn={task_arn}",
            "--format",
            "{{json .}}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [json.loads(line) for line in listed.splitlines() if line.strip()]


@pytest.fixture(scope="module", autouse=True)
def docker_mode() -> None:
    if api.status().containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)


def test_a_task_is_a_container_that_exits_with_its_code_and_logs_to_cloudwatch():
    ecs = sandbox_client("ecs")
    cluster, group, definition = standalone_cluster()
    [task] = ecs.run_task(
        cluster=cluster,
        taskDefinition=definition,
        launchType="FARGATE",
        overrides={"containerOverrides": [{"name": "job", "command": ["node", "-e", EXITS_WITH_3]}]},
    )["tasks"]
    assert task["lastStatus"] == "PROVISIONING"

    stopped = wait_for(status_is(cluster, task["taskArn"], "STOPPED"))
    assert (stopped["stoppedReason"], stopped["stopCode"]) == (
        "Essential container in task exited",
        "EssentialContainerExited",
    )
    assert stopped["containers"][0]["exitCode"] == 3
    assert len(stopped["containers"][0]["runtimeId"]) == 64  # the engine's container id
    task_id = task["taskArn"].split("/")[-1]
    events = sandbox_client("logs").get_log_events(logGroupName=group, logStreamName=f"ecs/job/{task_id}")["events"]
    assert [e["message"] for e in events] == ["hello from run-task"]
    assert wait_for(lambda: not containers_of(task["taskArn"]) or None, timeout=20) is True


def test_stop_task_stops_the_container_with_the_reason_given():
    ecs = sandbox_client("ecs")
    cluster, group, definition = standalone_cluster()
    [task] = ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE")["tasks"]
    running = wait_for(status_is(cluster, task["taskArn"], "RUNNING"))
    wait_for(waiting(group, task["taskArn"]))  # its SIGTERM handler is installed
    [container] = containers_of(task["taskArn"])
    assert container["State"] == "running"
    assert container["ID"] == running["containers"][0]["runtimeId"][:12]
    labels = engine_tasks.inspect(running["containers"][0]["runtimeId"])["Config"]["Labels"]
    assert labels["com.amazonaws.ecs.cluster"] == running["clusterArn"]
    assert engine_tasks.LABEL_SERVICE not in labels  # a standalone task belongs to no service

    ecs.stop_task(cluster=cluster, task=task["taskArn"], reason="the test is done")
    stopped = wait_for(status_is(cluster, task["taskArn"], "STOPPED"))
    assert (stopped["stoppedReason"], stopped["stopCode"]) == ("the test is done", "UserInitiated")
    assert stopped["containers"][0]["exitCode"] == 0  # its SIGTERM handler exited cleanly
    assert wait_for(lambda: not containers_of(task["taskArn"]) or None, timeout=20) is True


@pytest.mark.parametrize(("stop_timeout", "at_least"), [(1, 0.8), (4, 3.8)])
def test_stop_task_kills_a_container_that_ignores_sigterm_after_its_stop_timeout(stop_timeout, at_least):
    cluster, group, arn = stop_timeout_task(stop_timeout)
    took, stopped = seconds_to_stop(cluster, arn)
    assert took >= at_least  # the container's stopTimeout before the SIGKILL (a lower bound: load cannot break it)
    assert stopped["containers"][0]["exitCode"] == 137
    task_id = arn.split("/")[-1]
    events = sandbox_client("logs").get_log_events(logGroupName=group, logStreamName=f"ecs/job/{task_id}")["events"]
    assert "ignoring SIGTERM" in [e["message"] for e in events]
