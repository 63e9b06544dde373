"""RunTask starts real tasks (issue 23): a standalone task runs the task definition's container in the sandbox's runtime
and DescribeTasks shows PROVISIONING -> RUNNING -> STOPPED with ECS's reasons: "Essential container in task exited" and
the exit code for a container that exits by itself; StopTask's reason, or "Task stopped by user", and UserInitiated for
one StopTask stops. Its output lands in the awslogs group, in ECS's stream ``PREFIX/CONTAINER/TASK_ID``.

Runs in both runtimes: unmarked in process mode (a process); ``test_docker_run_task.py`` runs the same checks with the
task as a container. AWS: "Amazon ECS task lifecycle" and "Stopped tasks error codes" (ECS developer guide).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from localaws import api
from tests.helpers_for_tests import assert_matches_output_shape, sandbox_client, unique
from tests.helpers_for_tests import wait_for as shared_wait_for

pytestmark = pytest.mark.skipif(
    os.environ.get("LOCALAWS_CONTAINERS") == "docker", reason="process mode; Docker mode is test_docker_run_task.py"
)

NODE = "public.ecr.aws/docker/library/node:22-alpine"
# Each prints "waiting" once its SIGTERM handler is installed: a test stops the task only after that line is in its log
# group (node takes a moment to start; a container's PID 1 without a handler ignores SIGTERM and is killed at 137).
WAITS_FOR_SIGTERM = "process.on('SIGTERM', () => process.exit(0)); console.log('waiting'); setInterval(() => {}, 1000)"
EXITS_WITH_3 = "console.log('hello from run-task'); setTimeout(() => process.exit(3), 300)"


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    return shared_wait_for(condition, timeout)


def waiting(group: str, task_arn: str) -> Callable[[], bool]:
    """A condition: the task's container has printed "waiting" (its SIGTERM handler is installed) to its log group."""

    def check() -> bool:
        stream = f"ecs/job/{task_arn.split('/')[-1]}"
        try:
            events = sandbox_client("logs").get_log_events(logGroupName=group, logStreamName=stream)["events"]
        except sandbox_client("logs").exceptions.ResourceNotFoundException:
            return False
        return "waiting" in [e["message"] for e in events]

    check.__doc__ = f"{task_arn} printed 'waiting' to {group}"
    return check


def standalone_cluster() -> tuple[str, str, str]:
    """A cluster, an awslogs group and a task definition whose container waits for SIGTERM: their names and ARN."""
    ecs, logs = sandbox_client("ecs"), sandbox_client("logs")
    name = unique("runtask")
    ecs.create_cluster(clusterName=name)
    logs.create_log_group(logGroupName=f"/ecs/{name}")
    definition = ecs.register_task_definition(
        family=name,
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "job",
                "image": NODE,
                "essential": True,
                "command": ["node", "-e", WAITS_FOR_SIGTERM],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{name}",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    return name, f"/ecs/{name}", definition


def described(cluster: str, arn: str) -> dict:
    return sandbox_client("ecs").describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]


def status_is(cluster: str, arn: str, status: str) -> Callable[[], dict | None]:
    def check() -> dict | None:
        """the task reaches the status"""
        found = described(cluster, arn)
        return found if found["lastStatus"] == status else None

    return check


def test_a_task_that_exits_is_stopped_with_its_exit_code_and_its_output_is_in_cloudwatch():
    ecs = sandbox_client("ecs")
    cluster, group, definition = standalone_cluster()
    answer = ecs.run_task(
        cluster=cluster,
        taskDefinition=definition,
        launchType="FARGATE",
        startedBy="a-test",
        overrides={"containerOverrides": [{"name": "job", "command": ["node", "-e", EXITS_WITH_3]}]},
    )
    [task] = answer["tasks"]
    assert answer["failures"] == []
    assert_matches_output_shape(ecs, "RunTask", answer)
    assert (task["lastStatus"], task["desiredStatus"]) == ("PROVISIONING", "RUNNING")
    assert (task["group"], task["startedBy"]) == (f"family:{cluster}", "a-test")

    stopped = wait_for(status_is(cluster, task["taskArn"], "STOPPED"))
    assert (stopped["stoppedReason"], stopped["stopCode"]) == (
        "Essential container in task exited",
        "EssentialContainerExited",
    )
    assert stopped["containers"][0]["exitCode"] == 3
    assert stopped["desiredStatus"] == "STOPPED"
    assert_matches_output_shape(ecs, "DescribeTasks", ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]]))
    assert "startedAt" in stopped  # it ran
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []
    assert ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"] == [task["taskArn"]]

    task_id = task["taskArn"].split("/")[-1]
    events = sandbox_client("logs").get_log_events(logGroupName=group, logStreamName=f"ecs/job/{task_id}")["events"]
    assert [e["message"] for e in events] == ["hello from run-task"]


def test_stop_task_stops_a_running_task_with_the_reason_given_or_ecss_default():
    ecs = sandbox_client("ecs")
    cluster, group, definition = standalone_cluster()
    first, second = ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE", count=2)["tasks"]

    running = wait_for(status_is(cluster, first["taskArn"], "RUNNING"))
    assert running["containers"][0]["lastStatus"] == "RUNNING"
    [row] = [r for r in api.task_summaries() if r["taskId"] == first["taskArn"].split("/")[-1]]
    assert (row["service"], row["group"], row["running"]) == (None, f"family:{cluster}", True)
    assert str(row["pid"]) == running["containers"][0]["runtimeId"]  # a process of this machine
    wait_for(status_is(cluster, second["taskArn"], "RUNNING"))
    assert sorted(ecs.list_tasks(cluster=cluster, family=cluster)["taskArns"]) == sorted(
        [first["taskArn"], second["taskArn"]]
    )
    wait_for(waiting(group, first["taskArn"]))  # its SIGTERM handler is installed
    time.sleep(1)  # still running: a task that waits is not stopped by the sandbox
    assert described(cluster, first["taskArn"])["lastStatus"] == "RUNNING"

    ecs.stop_task(cluster=cluster, task=first["taskArn"], reason="the test is done")
    ecs.stop_task(cluster=cluster, task=second["taskArn"])
    one = wait_for(status_is(cluster, first["taskArn"], "STOPPED"))
    two = wait_for(status_is(cluster, second["taskArn"], "STOPPED"))
    assert (one["stoppedReason"], one["stopCode"]) == ("the test is done", "UserInitiated")
    assert (two["stoppedReason"], two["stopCode"]) == ("Task stopped by user", "UserInitiated")
    assert one["containers"][0]["exitCode"] == 0  # its SIGTERM handler exited cleanly
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []


def test_a_task_whose_image_cannot_run_fails_to_start():
    ecs = sandbox_client("ecs")
    cluster = unique("runtask")
    ecs.create_cluster(clusterName=cluster)
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/no-such-repository:v1"
    definition = ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "job", "image": image, "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]
    [task] = ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE")["tasks"]
    stopped = wait_for(status_is(cluster, task["taskArn"], "STOPPED"))
    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["stoppedReason"].startswith("CannotPullContainerError")


IGNORES_SIGTERM = (
    "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('waiting'); setInterval(() => {}, 1000)"
)


def stop_timeout_task(stop_timeout: int | None) -> tuple[str, str, str]:
    """A running task whose container ignores SIGTERM, its definition's ``stopTimeout`` as given: cluster, log group,
    task ARN."""
    ecs = sandbox_client("ecs")
    cluster, group, definition = standalone_cluster()
    container = ecs.describe_task_definition(taskDefinition=definition)["taskDefinition"]["containerDefinitions"][0]
    container["command"] = ["node", "-e", IGNORES_SIGTERM]
    if stop_timeout is not None:
        container["stopTimeout"] = stop_timeout
    arn = ecs.register_task_definition(family=cluster, containerDefinitions=[container], cpu="256", memory="512")[
        "taskDefinition"
    ]["taskDefinitionArn"]
    [task] = ecs.run_task(cluster=cluster, taskDefinition=arn, launchType="FARGATE")["tasks"]
    wait_for(status_is(cluster, task["taskArn"], "RUNNING"))
    wait_for(waiting(group, task["taskArn"]))
    return cluster, group, task["taskArn"]


def seconds_to_stop(cluster: str, arn: str) -> tuple[float, dict]:
    started = time.monotonic()
    sandbox_client("ecs").stop_task(cluster=cluster, task=arn)
    stopped = wait_for(status_is(cluster, arn, "STOPPED"))
    return time.monotonic() - started, stopped


@pytest.mark.parametrize(("stop_timeout", "at_least"), [(1, 0.8), (4, 3.8), (None, 1.8)])
def test_stop_task_sends_sigterm_then_sigkill_after_the_containers_stop_timeout(stop_timeout, at_least):
    cluster, group, arn = stop_timeout_task(stop_timeout)
    took, stopped = seconds_to_stop(cluster, arn)
    # It waited the container's stopTimeout (unset: the sandbox's documented 2 s, runner.STOP_TIMEOUT) before the
    # SIGKILL: a lower bound, which a loaded machine cannot break; how much longer it took is the machine's business.
    assert took >= at_least
    assert stopped["containers"][0]["exitCode"] == 137  # it ignored SIGTERM: SIGKILL
    task_id = arn.split("/")[-1]
    events = sandbox_client("logs").get_log_events(logGroupName=group, logStreamName=f"ecs/job/{task_id}")["events"]
    assert "ignoring SIGTERM" in [e["message"] for e in events]  # SIGTERM came first


def test_an_image_a_running_task_uses_is_still_expired_and_can_no_longer_start_a_task(tmp_path):
    """ECR does not know about ECS (on AWS either): the running task keeps running, a new one cannot pull the image."""
    ecr, ecs = sandbox_client("ecr"), sandbox_client("ecs")
    repository = unique("runtask-images")
    ecr.create_repository(repositoryName=repository)
    store = Path(os.environ["LOCALAWS_HOME"]) / "data" / "images"
    config = "sha256:" + hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    folder = store / config.removeprefix("sha256:")
    (folder / "rootfs" / "app").mkdir(parents=True)
    (folder / "rootfs" / "app" / "job.js").write_text(WAITS_FOR_SIGTERM)
    document = {"base": NODE, "cmd": ["node", "job.js"], "workdir": "/app"}
    (folder / "config.json").write_text(json.dumps(document))
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": config},
        "layers": [],
    }
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag="v1")
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:v1"
    cluster = unique("runtask")
    ecs.create_cluster(clusterName=cluster)
    definition = ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "job", "image": uri, "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]
    [task] = ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE")["tasks"]
    wait_for(status_is(cluster, task["taskArn"], "RUNNING"))

    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
                "action": {"type": "expire"},
            }
        ]
    }
    ecr.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=json.dumps(policy))
    newer = dict(manifest, config=dict(manifest["config"], digest="sha256:" + "0" * 64))
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(newer), imageTag="v2")

    assert [i["imageTags"] for i in ecr.describe_images(repositoryName=repository)["imageDetails"]] == [["v2"]]
    assert not folder.exists()
    time.sleep(1)
    assert described(cluster, task["taskArn"])["lastStatus"] == "RUNNING"  # the running task is not touched
    [again] = ecs.run_task(cluster=cluster, taskDefinition=definition, launchType="FARGATE")["tasks"]
    failed = wait_for(status_is(cluster, again["taskArn"], "STOPPED"))
    assert (failed["stopCode"], failed["stoppedReason"]) == (
        "TaskFailedToStart",
        f"CannotPullContainerError: {uri}: not found",
    )
    ecs.stop_task(cluster=cluster, task=task["taskArn"])
    wait_for(status_is(cluster, task["taskArn"], "STOPPED"))
