"""Starting one task of a service, in either runtime, and the service scheduler's watch over the tasks that run.

``launch`` starts a task as a process (process mode, ``runner.py``) or a container (Docker mode,
``container_runner.py``), registers it with the service's target groups and waits for its health check.

``watch`` is ECS's service scheduler noticing a stopped task (it also runs the load balancer's periodic health
checks, ``health_checks.py``, which stop a task whose target became unhealthy): every ``WATCH_SECONDS`` it looks at
each service's running tasks; one whose container exited (a crash, ``docker kill``, a killed process) or that StopTask
stopped is deregistered from its target groups, recorded STOPPED with ECS's reason (``Essential container in task
exited``, ``EssentialContainerExited`` and the container's exit code), announced in the service's events, and replaced
by a new task, in both runtimes. A service whose deployment is in progress is looked at once the deployment ends.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from moto.ecs.models import Service

from ...buildtools import engine
from . import health_checks, targets
from .awslogs import awslogs_sink
from .container_runner import TaskContainer
from .container_runner import labels as container_labels
from .roles import check_task_start
from .runner import ImageNotRunnable, RunningTask, TaskProcess, resolve_image
from .tasks import ESSENTIAL_EXITED, EXITED, SCHEDULER

HEALTH_TIMEOUT_SECONDS = 20.0
WATCH_SECONDS = 0.5


def start_task(backend: Any, service: Any, definition: Any, container: dict[str, Any], task_id: str) -> RunningTask:
    """The task's process or container, by the runtime the sandbox runs in; ImageNotRunnable when it cannot start.
    ``service`` is the task's service, or for a RunTask task its ``run_tasks.TaskGroup`` (its cluster, no service)."""
    sink = awslogs_sink(backend.account_id, backend.region_name, container)
    if engine.current() == engine.DOCKER:
        arn = backend.task_arn(service.cluster_name, task_id)
        data_dir = type(backend).work_root.parent
        labels = container_labels(data_dir, arn, service, definition, container.get("name", "app"))
        return TaskContainer(task_id, container, definition, labels, log_sink=sink)
    source = resolve_image(container["image"], type(backend).image_lookup)
    return TaskProcess(task_id, container, source, backend._work_dir(), log_sink=sink)


def launch(
    backend: Any, service: Service, deployment: dict[str, Any], definition: Any, container: dict[str, Any]
) -> tuple[RunningTask | None, str]:
    """Start one task and wait for its health check: the task once healthy, else None and why."""
    task_id = uuid.uuid4().hex
    try:
        check_task_start(backend, service, definition, container, task_id)
        task = start_task(backend, service, definition, container, task_id)
    except ImageNotRunnable as error:
        backend.record_failed_start(service, deployment, definition, container, task_id, str(error))
        return None, str(error)
    targets.register(backend, service, task)  # initial (Elb.RegistrationInProgress) until its health check passes
    path = targets.health_check_path(backend, service)
    healthy = task.wait_healthy(path, HEALTH_TIMEOUT_SECONDS)
    targets.report(backend, service, task, healthy)
    if healthy:
        backend.record_task(service, deployment, definition, task, container)
        backend._event(service, f"(service {service.name}) has started 1 tasks: (task {task_id}).")
        return task, ""
    output = " | ".join(task.output[-3:])
    targets.deregister(backend, service, [task])
    backend.record_task(service, deployment, definition, task, container)
    exited = task.exited()
    task.stop()
    groups = targets.groups(service)
    reason = (ESSENTIAL_EXITED, EXITED) if exited or not groups else (_elb_failure(groups[0]), SCHEDULER)
    backend.record_stop(task, *reason)
    return None, f"task {task_id} failed its health check on {path}" + (f": {output}" if output else "")


def _elb_failure(group_arn: str) -> str:
    return f"Task failed ELB health checks in (target-group {group_arn})"


# -- the scheduler's watch ----------------------------------------------------------------------------------------
def watch(backend: Any) -> None:
    """Start the backend's watch over its services' tasks, once per backend (and per process)."""
    if getattr(backend, "task_watch", None) is not None:
        return
    backend.task_watch = threading.Thread(target=_watch_loop, args=(backend,), name="ecs-task-watch", daemon=True)
    backend.task_watch.start()


def _watch_loop(backend: Any) -> None:
    counters: dict[tuple[str, str], health_checks.Counter] = {}  # the load balancer's checks: results per task, group
    while True:
        time.sleep(WATCH_SECONDS)
        for service in list(backend.services.values()):
            if service.status == "ACTIVE":
                try:
                    replace_stopped(backend, service)
                    _check_health(backend, service, counters)
                except Exception as error:  # the watch must go on
                    backend._event(service, f"(service {service.name}) could not replace a stopped task: {error}")


def _check_health(backend: Any, service: Service, counters: dict[tuple[str, str], health_checks.Counter]) -> None:
    """The periodic health checks, while no deployment holds the service (a deployment checks its own tasks)."""
    lock = backend.service_locks.setdefault(service.arn, threading.Lock())
    if lock.acquire(blocking=False):
        try:
            health_checks.replace_unhealthy(backend, service, counters)
        finally:
            lock.release()


def _stopped(backend: Any, service: Service) -> list[tuple[dict[str, Any], RunningTask]]:
    found = []
    for deployment in service.deployments:
        for task in backend.task_processes.get(str(deployment["id"]), []):
            if task.exited() and (not task.stopping or task.stop_request):
                found.append((deployment, task))
    return found


def replace_stopped(backend: Any, service: Service) -> bool:
    """Record, deregister and replace the service's tasks that stopped on their own (or by StopTask); whether any had.
    Skipped while a deployment holds the service (it replaces what it needs)."""
    if not _stopped(backend, service):
        return False
    lock = backend.service_locks.setdefault(service.arn, threading.Lock())
    if not lock.acquire(blocking=False):
        return False
    try:
        stopped = _stopped(backend, service)
        for deployment, task in stopped:
            reason, code = task.stop_request or (ESSENTIAL_EXITED, EXITED)
            backend.task_processes[str(deployment["id"])].remove(task)
            targets.deregister(backend, service, [task])
            targets.drain(backend, service, [task], 0.0)
            task.stop()
            backend.record_stop(task, reason, code)
            deployment.update(runningCount=len(backend.task_processes[str(deployment["id"])]))
            detail = f"exit code {task.exit_code()}" if code == EXITED else reason
            backend._event(
                service, f"(service {service.name}) has stopped 1 running tasks: (task {task.task_id}) ({detail})."
            )
        backend._count(service)
    finally:
        lock.release()
    if stopped and service.deployments:
        backend._start_deployment(service, scale_only=True)  # the scheduler starts as many as are missing
    return bool(stopped)
