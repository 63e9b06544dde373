"""A service's tasks as the ECS API shows them: ListTasks, DescribeTasks and StopTask see every task a service runs or
ran (moto's own ``tasks`` hold only RunTask's), with ECS's fields for a service task (``group`` ``service:NAME``,
``startedBy`` the deployment's id) and, once it stopped, ECS's ``stoppedReason``, ``stopCode`` and the container's
``exitCode`` (a killed container: 128 + the signal, 137 for SIGKILL).

The records are plain dicts in the backend's ``task_records`` (saved with it); a running task's record points at the
``RunningTask`` (process or container) only through its id. As ECS keeps a stopped task visible for at least an hour,
the sandbox keeps the last ``KEEP_STOPPED`` stopped tasks per region.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import ClusterNotFoundException
from moto.ecs.models import Service

from ...persistence import changes
from .capacity import CapacityECSBackend
from .images import image_digest
from .runner import RunningTask

KEEP_STOPPED = 100
ESSENTIAL_EXITED = "Essential container in task exited"
#: ECS's stop codes (DescribeTasks' ``stopCode``).
EXITED, SCHEDULER, USER = "EssentialContainerExited", "ServiceSchedulerInitiated", "UserInitiated"
FAILED_TO_START = "TaskFailedToStart"


def scaling_activity(service: Service) -> str:
    """The ``stoppedReason`` of a task a deployment (or a deleted service) stopped, as ECS words it."""
    deployment = service.deployments[0]["id"] if service.deployments else service.name
    return f"Scaling activity initiated by (deployment {deployment})"


class TaskListingECSBackend(CapacityECSBackend):
    """ListTasks, DescribeTasks and StopTask with the services' tasks besides RunTask's."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.task_records: dict[str, dict[str, Any]] = {}  # task id -> its DescribeTasks record

    def _cluster(self, cluster_str: str) -> Any:
        """A cluster by name or ARN, with moto's not-found error (as moto's own lookup, which is private)."""
        cluster = self.clusters.get(cluster_str.split("/")[-1])
        if cluster is None:
            raise ClusterNotFoundException
        return cluster

    def _records(self) -> dict[str, dict[str, Any]]:
        return self.__dict__.setdefault("task_records", {})  # a backend saved before records existed has none

    # -- records -------------------------------------------------------------------------------------
    def task_arn(self, cluster_name: str, task_id: str) -> str:
        return f"arn:aws:ecs:{self.region_name}:{self.account_id}:task/{cluster_name}/{task_id}"

    def record_task(
        self,
        service: Service,
        deployment: dict[str, Any],
        definition: Any,
        task: RunningTask,
        container: dict[str, Any],
    ) -> None:
        """A service task is RUNNING (it passed its health check, or it runs without one)."""
        now = utcnow()
        runtime = getattr(task, "container_id", "") or str(getattr(getattr(task, "process", None), "pid", ""))
        arn = self.task_arn(service.cluster_name, task.task_id)
        self._records()[task.task_id] = {
            **_service_task(service, deployment, definition, arn),
            "cpu": str(getattr(definition, "cpu", None) or ""),
            "memory": str(getattr(definition, "memory", None) or ""),
            "lastStatus": "RUNNING",
            "desiredStatus": "RUNNING",
            "healthStatus": "UNKNOWN",
            "connectivity": "CONNECTED",
            "createdAt": now,
            "startedAt": now,
            "version": 1,
            "containers": [
                {
                    "containerArn": f"{arn.replace(':task/', ':container/')}/{task.container_name}",
                    "taskArn": arn,
                    "name": task.container_name,
                    "image": container.get("image", ""),
                    "imageDigest": image_digest(str(container.get("image", ""))),
                    "runtimeId": runtime,
                    "lastStatus": "RUNNING",
                    "networkBindings": [{"bindIP": "127.0.0.1", "containerPort": task.port, "hostPort": task.port}],
                }
            ],
        }
        changes.touched("ecs")

    def record_failed_start(
        self,
        service: Service,
        deployment: dict[str, Any],
        definition: Any,
        container: dict[str, Any],
        task_id: str,
        reason: str,
    ) -> None:
        """A task that could not start (``CannotPullContainerError``, ``CannotStartContainerError``): STOPPED at once,
        ``TaskFailedToStart``, as ECS shows it."""
        now, arn = utcnow(), self.task_arn(service.cluster_name, task_id)
        self._records()[task_id] = {
            **_service_task(service, deployment, definition, arn),
            "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED",
            "stoppedReason": reason,
            "stopCode": FAILED_TO_START,
            "createdAt": now,
            "stoppedAt": now,
            "containers": [
                {
                    "taskArn": arn,
                    "name": container.get("name", "app"),
                    "image": container.get("image", ""),
                    "lastStatus": "STOPPED",
                    "reason": reason,
                }
            ],
        }
        self._trim()

    def record_stop(self, task: RunningTask, reason: str, code: str) -> None:
        """The task has stopped: ECS's ``stoppedReason`` and ``stopCode``, the container's exit code."""
        record = self._records().get(task.task_id)
        if record is None or record["lastStatus"] == "STOPPED":
            return
        now = utcnow()
        record.update(
            lastStatus="STOPPED",
            desiredStatus="STOPPED",
            stoppedReason=reason,
            stopCode=code,
            stoppingAt=now,
            stoppedAt=now,
            executionStoppedAt=now,
            connectivity="DISCONNECTED",
            version=int(record.get("version", 1)) + 1,
        )
        exit_code = task.exit_code()
        for container in record["containers"]:
            container.update(lastStatus="STOPPED", networkBindings=[])
            if exit_code is not None:
                container["exitCode"] = exit_code
        self._trim()

    def _trim(self) -> None:
        stopped = [k for k, r in self._records().items() if r["lastStatus"] == "STOPPED"]
        for old in stopped[:-KEEP_STOPPED]:
            del self._records()[old]
        changes.touched("ecs")

    def forget_running_records(self, reason: str) -> None:
        """After a restart no task of the previous run is running any more: they are STOPPED with ``reason``."""
        now = utcnow()
        for record in self._records().values():
            if record["lastStatus"] != "STOPPED":
                record.update(lastStatus="STOPPED", desiredStatus="STOPPED", stoppedReason=reason, stopCode=SCHEDULER)
                record.update(stoppedAt=now, connectivity="DISCONNECTED")

    def _matching(self, cluster: Any, wanted: list[str]) -> list[dict[str, Any]]:
        found = []
        for task_id, record in self._records().items():
            if record["clusterArn"] != cluster.arn:
                continue
            if any(w in (task_id, record["taskArn"]) or w.endswith(f"/{task_id}") for w in wanted):
                found.append(record)
        return found

    # -- the API ---------------------------------------------------------------------------------------
    def describe_tasks(self, cluster_str: str, tasks: list[str]) -> list[Any]:
        found: list[Any] = list(super().describe_tasks(cluster_str, tasks))
        return found + self._matching(self._cluster(cluster_str), tasks)

    def list_tasks(
        self,
        cluster_str: str | None = None,
        container_instance: str | None = None,
        family: str | None = None,
        started_by: str | None = None,
        service_name: str | None = None,
        desiredStatus: str | None = None,
    ) -> list[Any]:
        """moto's tasks, then the services' (ListTasks lists RUNNING tasks unless ``desiredStatus`` says STOPPED)."""
        found: list[Any] = list(
            super().list_tasks(cluster_str, container_instance, family, started_by, service_name, desiredStatus)
        )
        if service_name:  # moto cannot filter its RunTask tasks by service: none of them belongs to one
            found = []
        cluster = self._cluster(cluster_str or "default")
        families = set(self.list_task_definitions(family)) if family else None
        for record in self._records().values():
            if record["clusterArn"] != cluster.arn or record["desiredStatus"] != (desiredStatus or "RUNNING"):
                continue
            if service_name and record["group"] != f"service:{service_name.split('/')[-1]}":
                continue
            if started_by and record["startedBy"] != started_by:
                continue
            if families is not None and record["taskDefinitionArn"] not in families:
                continue
            found.append(_Listed(record["taskArn"]))
        return found

    def stop_task(self, cluster_str: str, task_str: str, reason: str) -> Any:
        """A service's task stops (``UserInitiated``, with the caller's reason) and its service starts another."""
        running = self._running_task(task_str.split("/")[-1])
        if running is None:
            matching = self._matching(self._cluster(cluster_str), [task_str])
            return matching[0] if matching else super().stop_task(cluster_str, task_str, reason)
        running.stop_request = (reason or "Task stopped by user", USER)
        threading.Thread(target=running.stop, daemon=True).start()  # the service's watch records and replaces it
        record = self._records()[running.task_id]
        record["desiredStatus"] = "STOPPED"
        return record

    def _running_task(self, task_id: str) -> RunningTask | None:
        for tasks in getattr(self, "task_processes", {}).values():
            for task in tasks:
                if task.task_id == task_id:
                    return task
        return None


class _Listed:
    """What ListTasks reads of a task: its ARN."""

    def __init__(self, task_arn: str) -> None:
        self.task_arn = task_arn


def _service_task(service: Service, deployment: dict[str, Any], definition: Any, arn: str) -> dict[str, Any]:
    """What every record of a service's task says of where it belongs (its service, deployment and definition)."""
    return {
        "taskArn": arn,
        "clusterArn": service.cluster_arn,
        "taskDefinitionArn": definition.arn,
        "group": f"service:{service.name}",
        "startedBy": deployment["id"],
        "launchType": deployment.get("launchType") or "FARGATE",
    }
