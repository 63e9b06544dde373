"""RunTask's tasks run (moto only records them): each task is started in the sandbox's runtime, a process in process
mode or a container in Docker mode, by the same ``service_tasks.start_task`` a service's task is started with.

A task goes PROVISIONING (RunTask's answer) -> RUNNING (its process or container started) -> STOPPED, as DescribeTasks
shows it: ``stoppedReason`` "Essential container in task exited" and ``stopCode`` EssentialContainerExited for a
container that exits by itself, with its exit code; StopTask's reason (default "Task stopped by user") and
UserInitiated for one StopTask stops (SIGTERM, then SIGKILL after the container's ``stopTimeout``); TaskFailedToStart
and ECS's reason (``CannotPullContainerError``...) for one that cannot start. Its output goes to the container's
``awslogs`` group, as a service task's does. A standalone task has no service to replace it or target group to join.

The tasks are the sandbox's records (``tasks.py``), which ListTasks and DescribeTasks answer; moto's ``run_task`` is not
called (``run_task`` says why). Only the task definition's first
essential container runs, as for a service's task.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import InvalidParameterException

from ...persistence import changes
from . import service_tasks
from .deployments import DeployingECSBackend
from .roles import check_task_start
from .runner import ImageNotRunnable, RunningTask
from .tasks import ESSENTIAL_EXITED, EXITED, FAILED_TO_START, USER

#: How often a standalone task's watcher looks whether its process or container has exited.
WATCH_SECONDS = 0.2
STOPPED_BY_USER = "Task stopped by user"


@dataclass
class TaskGroup:
    """What starting a task reads of who starts it (``service_tasks.start_task``, ``roles.check_task_start``): for a
    standalone task, its cluster, launch type and capacity, and no service (``arn`` empty)."""

    cluster_arn: str
    cluster_name: str
    launch_type: str
    capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)
    arn: str = ""


def essential_container(definition: Any, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The container a task runs (the first essential one), with RunTask's ``containerOverrides`` for it applied:
    ``command``, ``environment`` (added to or replacing the definition's by name), ``cpu``, ``memory``."""
    definitions = list(getattr(definition, "container_definitions", []) or [])
    chosen = next((c for c in definitions if c.get("essential", True)), definitions[0] if definitions else {})
    container = copy.deepcopy(chosen)
    for override in (overrides or {}).get("containerOverrides") or []:
        if override.get("name") != container.get("name"):
            continue
        if override.get("command"):
            container["command"] = list(override["command"])
        if override.get("environment"):
            merged = {e["name"]: e for e in container.get("environment") or [] if "name" in e}
            merged.update({e["name"]: e for e in override["environment"] if "name" in e})
            container["environment"] = list(merged.values())
        for key in ("cpu", "memory", "memoryReservation"):
            if override.get(key) is not None:
                container[key] = override[key]
    return container


class StandaloneTaskECSBackend(DeployingECSBackend):
    """RunTask and StopTask for tasks that belong to no service."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.standalone_tasks: dict[str, RunningTask] = {}  # task id -> its process or container, while it runs
        self.standalone_stops: dict[str, str] = {}  # task id -> StopTask's reason, for a task not started yet

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.update(standalone_tasks={}, standalone_stops={})
        return state

    def _standalone(self) -> dict[str, RunningTask]:
        return self.__dict__.setdefault("standalone_tasks", {})  # a backend saved before RunTask ran tasks has none

    def _standalone_stops(self) -> dict[str, str]:
        return self.__dict__.setdefault("standalone_stops", {})

    def run_task(
        self,
        cluster_str: str,
        task_definition_str: str,
        count: int,
        overrides: dict[str, Any] | None,
        started_by: str | None,
        tags: list[dict[str, str]] | None,
        launch_type: str | None,
        networking_configuration: dict[str, Any] | None = None,
        group: str | None = None,
        platform_version: str | None = None,
        capacity_provider_strategy: list[dict[str, Any]] | None = None,
    ) -> list[Any]:  # records (dicts), as DescribeTasks answers them, not moto's Tasks
        """RunTask's tasks, PROVISIONING, each starting in a thread of its own. moto's ``run_task`` is not called: it
        fails (HTTP 500) on a container definition without ``memory``, which a Fargate task definition with a task-level
        memory need not have, and on EC2 without registered container instances, which the sandbox does not need."""
        if launch_type and launch_type not in ("EC2", "FARGATE", "EXTERNAL"):
            raise InvalidParameterException("launch type should be one of [EC2,FARGATE,EXTERNAL]")
        if launch_type and capacity_provider_strategy:
            raise InvalidParameterException("Specify either Launch Type or Capacity Provider Strategy, but not both.")
        cluster = self._cluster(cluster_str)
        definition = self.describe_task_definition(task_definition_str)
        strategy = capacity_provider_strategy or list(
            getattr(cluster, "default_capacity_provider_strategy", None) or []
        )
        owner = TaskGroup(
            cluster_arn=cluster.arn,
            cluster_name=cluster.name,
            launch_type=launch_type or ("" if strategy else "FARGATE"),
            capacity_provider_strategy=[] if launch_type else strategy,
        )
        container = essential_container(definition, overrides)
        answers = []
        for _ in range(max(1, int(count or 1))):
            task_id = uuid.uuid4().hex
            record = self._provisioning(owner, task_id, definition, container, overrides, started_by, group)
            answers.append(copy.deepcopy(record))
            threading.Thread(
                target=self._run,
                args=(owner, definition, container, task_id),
                name=f"ecs-run-task-{task_id[:8]}",
                daemon=True,
            ).start()
        return answers

    def _provisioning(
        self,
        owner: TaskGroup,
        task_id: str,
        definition: Any,
        container: dict[str, Any],
        overrides: dict[str, Any] | None,
        started_by: str | None,
        group: str | None,
    ) -> dict[str, Any]:
        arn = self.task_arn(owner.cluster_name, task_id)
        record: dict[str, Any] = {
            "taskArn": arn,
            "clusterArn": owner.cluster_arn,
            "taskDefinitionArn": definition.arn,
            "group": group or f"family:{definition.family}",
            "startedBy": started_by or "",
            "launchType": owner.launch_type or "EC2",
            "cpu": str(getattr(definition, "cpu", None) or ""),
            "memory": str(getattr(definition, "memory", None) or ""),
            "lastStatus": "PROVISIONING",
            "desiredStatus": "RUNNING",
            "createdAt": utcnow(),
            "version": 1,
            "overrides": overrides or {"containerOverrides": []},
            "containers": [
                {
                    "containerArn": f"{arn.replace(':task/', ':container/')}/{container.get('name', 'app')}",
                    "taskArn": arn,
                    "name": container.get("name", "app"),
                    "image": container.get("image", ""),
                    "lastStatus": "PENDING",
                }
            ],
        }
        if owner.capacity_provider_strategy:
            record["capacityProviderName"] = owner.capacity_provider_strategy[0].get("capacityProvider")
        self._records()[task_id] = record
        changes.touched("ecs")
        return record

    def _run(self, group: TaskGroup, definition: Any, container: dict[str, Any], task_id: str) -> None:
        """Start the task, record it RUNNING, and record it STOPPED once its process or container has exited."""
        record = self._records()[task_id]
        try:
            check_task_start(self, group, definition, container, task_id)
            task = service_tasks.start_task(self, group, definition, container, task_id)
        except ImageNotRunnable as error:
            self._failed_to_start(record, str(error))
            return
        self._standalone()[task_id] = task
        now = utcnow()
        runtime = getattr(task, "container_id", "") or str(getattr(getattr(task, "process", None), "pid", ""))
        record.update(
            lastStatus="RUNNING", pullStartedAt=now, pullStoppedAt=now, startedAt=now, connectivity="CONNECTED"
        )
        record["version"] = int(record["version"]) + 1
        record["containers"][0].update(
            lastStatus="RUNNING",
            runtimeId=runtime,
            networkBindings=[{"bindIP": "127.0.0.1", "containerPort": task.port, "hostPort": task.port}],
        )
        changes.touched("ecs")
        stop = self._standalone_stops().pop(task_id, None)
        if stop is not None:  # StopTask came while the task was provisioning
            task.stop_request = (stop, USER)
            task.stop()
        while not task.exited():
            time.sleep(WATCH_SECONDS)
        reason, code = task.stop_request or (ESSENTIAL_EXITED, EXITED)
        task.stop()  # the process's folder or the container goes
        self.record_stop(task, reason, code)
        self._standalone().pop(task_id, None)

    def _failed_to_start(self, record: dict[str, Any], reason: str) -> None:
        now = utcnow()
        record.update(
            lastStatus="STOPPED",
            desiredStatus="STOPPED",
            stoppedReason=reason,
            stopCode=FAILED_TO_START,
            stoppedAt=now,
        )
        record["containers"][0].update(lastStatus="STOPPED", reason=reason)
        self._trim()

    def stop_task(self, cluster_str: str, task_str: str, reason: str) -> Any:
        """A standalone task stops (UserInitiated, StopTask's reason or "Task stopped by user"); a service's task as
        ``tasks.py`` stops it."""
        task_id = task_str.split("/")[-1]
        running = self._standalone().get(task_id)
        record = self._records().get(task_id)
        if record is None or str(record.get("group", "")).startswith("service:"):
            return super().stop_task(cluster_str, task_str, reason)
        if record["lastStatus"] != "STOPPED":
            record["desiredStatus"] = "STOPPED"
            if running is not None:
                running.stop_request = (reason or STOPPED_BY_USER, USER)
                threading.Thread(target=running.stop, daemon=True).start()  # _run records it once it has exited
            else:
                self._standalone_stops()[task_id] = reason or STOPPED_BY_USER
        return record

    def stop_all_tasks(self) -> None:
        super().stop_all_tasks()
        for task in list(self._standalone().values()):
            task.stop(timeout=2)
