"""An ECS service's tasks and deployments in the sandbox: tasks are local processes (``runner.py``), a
deployment replaces the old tasks only after the new ones pass their health check, the circuit breaker
fails (and may roll back) a deployment whose tasks keep failing to start, and each task is a target of
the service's target groups (``targets.py``): registered when it starts, healthy once its health check
passes, and deregistered before it stops, which it does only once its target has drained. After a
restart, services start their tasks again.

Counts, deployments and events follow the shapes of DescribeServices, so the ``services_stable``
waiter and the CodePipeline ECS deploy action see what they would see on AWS.

Separate from the services API (``models.py``), which creates, updates and deletes services and starts
a deployment when one is due: this module is what a deployment does until it settles. The backend
class of ``models.py`` is built on this one.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from moto.core.utils import utcnow
from moto.ecs.models import Service

from ...persistence import changes
from . import blue_green, service_deployments, service_tasks, targets
from .runner import ImageLookup, RunningTask
from .tasks import SCHEDULER, TaskListingECSBackend, scaling_activity

#: Failed task launches before a restart gives up on a service's tasks (the circuit breaker's smallest threshold).
CIRCUIT_BREAKER_THRESHOLD = 3
#: How often a deployment waiting for EC2 capacity looks again.
CAPACITY_POLL_SECONDS = 1.0
NO_CONTAINER_INSTANCES = (
    "was unable to place a task because no container instance met all of its requirements. "
    "Reason: No Container Instances were found in your cluster. "
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
)


class ServingService(Service):
    """moto's Service with the fields the sandbox's deployments keep (moto drops them)."""

    deployment_configuration: dict[str, Any]
    capacity_provider_strategy: list[dict[str, Any]]
    health_check_grace_period_seconds: int | None
    created_at: datetime
    failed_deployments: list[dict[str, Any]]


def serving(service: Service) -> ServingService:
    """The service as the sandbox keeps it: moto builds a plain Service, the sandbox adds its fields."""
    if isinstance(service, ServingService):
        return service
    object.__setattr__(service, "__class__", ServingService)
    promoted = cast(ServingService, service)
    promoted.deployment_configuration = {}
    promoted.capacity_provider_strategy = []
    promoted.health_check_grace_period_seconds = None
    promoted.created_at = utcnow()
    promoted.failed_deployments = []
    return promoted


class DeployingECSBackend(TaskListingECSBackend):
    """The backend's task processes and deployments: what runs, and what a deployment does until it settles."""

    #: Set by ``install()``.
    work_root: Path = Path("/tmp/workshop-sandbox-ecs")
    #: Set by the ECR extension once it can tell which images it holds.
    image_lookup: ImageLookup | None = None

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # deployment id -> its running task processes (moto's own ``tasks`` holds RunTask's tasks)
        self.task_processes: dict[str, list[RunningTask]] = {}
        self.service_locks: dict[str, threading.Lock] = {}
        self.rollouts: dict[str, threading.Thread] = {}
        self.task_watch: threading.Thread | None = None  # the scheduler's watch (service_tasks.watch)

    # -- persistence: task processes, locks and rollout threads stay with the process ---------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(task_processes={}, service_locks={}, rollouts={}, task_watch=None)
        return state

    def resume(self) -> list[threading.Thread]:
        """After a restart, start every ACTIVE service's tasks again and carry on the deployments that
        were in progress. Returns the threads doing it, one per service, so the caller may wait."""
        shutil.rmtree(self._work_dir(), ignore_errors=True)  # what the stopped tasks left behind
        self.forget_running_records("The sandbox restarted: its service started the task again.")
        service_tasks.watch(self)
        threads = []
        for service in list(self.services.values()):
            if service.status == "ACTIVE" and service.deployments:
                thread = threading.Thread(target=self._resume_service, args=(service,), daemon=True)
                thread.start()
                threads.append(thread)
        return threads

    def _resume_service(self, service: ServingService) -> None:
        lock = self.service_locks.setdefault(service.arn, threading.Lock())
        with lock:
            self._event(service, f"(service {service.name}) is starting its tasks again: the sandbox restarted.")
            serving: list[dict[str, Any]] = [d for d in service.deployments if d.get("rolloutState") == "COMPLETED"]
            for deployment in serving:
                self._restart_tasks(service, deployment)
            service.running_count, service.pending_count = len(self.local_tasks(service)), 0
            if serving and all(len(self.task_processes.get(d["id"], [])) >= d["desiredCount"] for d in serving):
                self._event(service, f"(service {service.name}) has reached a steady state.")
        for deployment in [d for d in service.deployments if d.get("rolloutState") == "IN_PROGRESS"]:
            deployment.update(runningCount=0, pendingCount=deployment["desiredCount"], updatedAt=utcnow())
            thread = threading.Thread(target=self._roll_out, args=(service, deployment, lock), daemon=True)
            self.rollouts[service.arn] = thread
            thread.start()
        changes.touched("ecs")

    def _restart_tasks(self, service: ServingService, deployment: dict[str, Any]) -> None:
        try:
            definition = self.describe_task_definition(deployment["taskDefinition"])
        except Exception as error:
            self._event(service, f"(service {service.name}) was unable to place a task: {error}")
            return
        tasks = self.task_processes.setdefault(deployment["id"], [])
        failures = 0
        while len(tasks) < deployment["desiredCount"] and failures < CIRCUIT_BREAKER_THRESHOLD:
            task, reason = self._launch(service, definition, deployment)
            if task is None:
                failures += 1
                self._event(service, f"(service {service.name}) was unable to place a task: {reason}")
                continue
            tasks.append(task)
        deployment.update(
            runningCount=len(tasks), pendingCount=max(0, deployment["desiredCount"] - len(tasks)), updatedAt=utcnow()
        )

    # -- task processes ----------------------------------------------------------------------------
    def stop_all_tasks(self) -> None:
        for tasks in list(self.task_processes.values()):
            for task in tasks:
                task.stop(timeout=2)
        self.task_processes.clear()

    def local_tasks(self, service: Service) -> list[RunningTask]:
        return [t for d in service.deployments for t in self.task_processes.get(str(d["id"]), [])]

    # -- deployments -------------------------------------------------------------------------------
    def _start_deployment(self, service: ServingService, scale_only: bool = False) -> None:
        lock = self.service_locks.setdefault(service.arn, threading.Lock())
        service_tasks.watch(self)
        now = utcnow()
        deployment: dict[str, Any] = {
            "id": f"ecs-svc/{uuid.uuid4().int % 10**19:019d}",
            "status": "PRIMARY",
            "taskDefinition": service.task_definition,
            "desiredCount": service.desired_count,
            "pendingCount": service.desired_count,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": now,
            "updatedAt": now,
            "launchType": service.launch_type,
            "capacityProviderStrategy": getattr(service, "capacity_provider_strategy", []),
            "networkConfiguration": service.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": "ECS deployment in progress.",
        }
        deployment = {k: v for k, v in deployment.items() if v is not None}
        if scale_only and service.deployments:
            deployment = service.deployments[0]
            deployment.update(desiredCount=service.desired_count, updatedAt=now)
        else:
            for older in service.deployments:
                if older["status"] == "PRIMARY":
                    older["status"] = "ACTIVE"
            service.deployments.insert(0, deployment)
            service_deployments.record(self, service, deployment)
        thread = threading.Thread(target=self._roll_out, args=(service, deployment, lock), daemon=True)
        self.rollouts[service.arn] = thread
        thread.start()  # AWS answers at once; the caller waits (services_stable) for the rollout

    def _roll_out(self, service: ServingService, deployment: dict[str, Any], lock: threading.Lock) -> None:
        with lock:
            if deployment not in service.deployments or service.status != "ACTIVE":
                return
            try:
                if blue_green.applies(service, deployment):
                    blue_green.run(self, service, deployment)
                else:
                    self._run_deployment(service, deployment)
            except Exception as error:  # never leave a deployment IN_PROGRESS forever
                self._fail(service, deployment, f"ECS deployment failed: {error}")
            finally:
                changes.touched("ecs")

    def _run_deployment(self, service: ServingService, deployment: dict[str, Any]) -> None:
        """Start the new tasks and stop the old ones within the service's deployment configuration: at most
        ``maximumPercent`` of the desired count run (or start) at once, and no old task stops while that
        would leave fewer than ``minimumHealthyPercent`` healthy (ECS rounds the first down, the second up)."""
        definition = self.describe_task_definition(deployment["taskDefinition"])
        tasks = self.task_processes.setdefault(deployment["id"], [])
        if len(tasks) > deployment["desiredCount"]:  # scaled in: the tasks beyond the count drain, then stop
            self._retire(service, [tasks.pop() for _ in range(len(tasks) - deployment["desiredCount"])])
        maximum, minimum = deployment_bounds(service.deployment_configuration, deployment["desiredCount"])
        failures, told = 0, False
        while len(tasks) < deployment["desiredCount"]:
            if deployment not in service.deployments or deployment["status"] != "PRIMARY":
                return  # superseded: the newer deployment stops these tasks as it rolls out
            if self._lacks_capacity(service):
                if service.status != "ACTIVE":
                    return
                if not told:
                    self._event(service, f"(service {service.name}) {NO_CONTAINER_INSTANCES}")
                told = True
                time.sleep(CAPACITY_POLL_SECONDS)
                continue
            if len(self.local_tasks(service)) + 1 > maximum:  # no room for one more: an old task goes first
                if not self._stop_an_old_task(service, deployment, minimum):
                    running, bounds = len(self.local_tasks(service)), f"maximumPercent allows {maximum}"
                    reason = f"{running} tasks run, {bounds} and minimumHealthyPercent keeps {minimum}."
                    self._fail(service, deployment, f"the deployment cannot start a task: {reason}")
                    return
                continue
            deployment["pendingCount"] = deployment["desiredCount"] - len(tasks)
            task, reason = self._launch(service, definition, deployment)
            if task is not None:
                tasks.append(task)
                deployment.update(
                    runningCount=len(tasks), pendingCount=deployment["desiredCount"] - len(tasks), updatedAt=utcnow()
                )
                self._count(service)
                continue
            failures += 1
            if self._launch_failed(service, deployment, failures, reason):
                return
        self._complete(service, deployment)

    def _launch_failed(self, service: ServingService, deployment: dict[str, Any], failures: int, reason: str) -> bool:
        """Count a task that failed to start; True when the deployment fails (the circuit breaker's threshold)."""
        deployment["failedTasks"] = failures
        self._event(service, f"(service {service.name}) was unable to place a task: {reason}")
        if failures < breaker_threshold(int(deployment["desiredCount"])):
            return False
        breaker = service.deployment_configuration.get("deploymentCircuitBreaker", {})
        self._fail(
            service,
            deployment,
            "ECS deployment circuit breaker: tasks failed to start."
            if breaker.get("enable")
            else f"tasks failed to start {failures} times; the sandbox stops retrying.",
        )
        return True

    def _stop_an_old_task(self, service: ServingService, deployment: dict[str, Any], minimum: int) -> bool:
        """Stop one task of an older deployment if the healthy tasks left are at least ``minimum``: its target
        drains first (the group's deregistration delay), then it stops."""
        running = len(self.local_tasks(service))
        for older in reversed([d for d in service.deployments if d is not deployment]):
            old_tasks = self.task_processes.get(str(older["id"]), [])
            if old_tasks and running - 1 >= minimum:
                task = old_tasks[-1]
                self._retire(service, [task])
                old_tasks.remove(task)
                older.update(runningCount=len(old_tasks), desiredCount=len(old_tasks), updatedAt=utcnow())
                self._count(service)
                return True
        return False

    def _retire(self, service: ServingService, tasks: list[RunningTask], drain: bool = True, reason: str = "") -> None:
        """Deregister the tasks from the service's target groups, wait while their targets drain (``drain``),
        then stop them. A task that never served (failed its health check) is not waited for."""
        if not tasks:
            return
        delay = targets.deregister(self, service, tasks)
        if drain and delay > 0:
            targets.drain(self, service, tasks, delay)
        for task in tasks:
            task.stop()
            self.record_stop(task, reason or scaling_activity(service), SCHEDULER)
        ids = ", ".join(f"(task {t.task_id})" for t in tasks)
        self._event(service, f"(service {service.name}) has stopped {len(tasks)} running tasks: {ids}.")

    def _count(self, service: ServingService) -> None:
        """Every running task of every deployment counts (both versions serve during a rolling update)."""
        service.running_count = len(self.local_tasks(service))
        service.pending_count = sum(int(str(d.get("pendingCount", 0))) for d in service.deployments)

    def _launch(
        self, service: ServingService, definition: Any, deployment: dict[str, Any]
    ) -> tuple[RunningTask | None, str]:
        return service_tasks.launch(self, service, deployment, definition, _serving_container(service, definition))

    def _complete(self, service: ServingService, deployment: dict[str, Any]) -> None:
        if deployment not in service.deployments or deployment["status"] != "PRIMARY":
            return  # superseded while its last task started
        tasks = self.task_processes.get(deployment["id"], [])
        older = service.deployments[service.deployments.index(deployment) + 1 :]
        self._retire(service, [t for d in older for t in self.task_processes.get(str(d["id"]), [])])
        for stale in older:
            self.task_processes.pop(str(stale["id"]), None)
            service.deployments.remove(stale)
        deployment.update(
            status="PRIMARY",
            rolloutState="COMPLETED",
            runningCount=len(tasks),
            pendingCount=0,
            rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
            updatedAt=utcnow(),
        )
        service.task_definition = deployment["taskDefinition"]
        service.running_count, service.pending_count = len(tasks), 0
        self._event(service, f"(service {service.name}) has reached a steady state.")

    def _fail(self, service: ServingService, deployment: dict[str, Any], reason: str) -> None:
        self._retire(service, self.task_processes.pop(deployment["id"], []), drain=False)
        deployment.update(
            rolloutState="FAILED", rolloutStateReason=reason, runningCount=0, pendingCount=0, updatedAt=utcnow()
        )
        self._event(service, f"(service {service.name}) {reason} (deployment {deployment['id']})")
        breaker = service.deployment_configuration.get("deploymentCircuitBreaker", {})
        previous = next((d for d in service.deployments if d is not deployment and d.get("status") == "ACTIVE"), None)
        if breaker.get("rollback") and previous is not None:
            deployment["status"] = "INACTIVE"
            service.deployments.remove(deployment)
            previous.update(status="PRIMARY", desiredCount=service.desired_count, updatedAt=utcnow())
            service.task_definition = str(previous["taskDefinition"])
            service.failed_deployments = [*getattr(service, "failed_deployments", []), deployment]
            self._event(
                service,
                f"(service {service.name}) rolling back to deployment {previous['id']} "
                f"(taskDefinition {previous['taskDefinition']}).",
            )
            self._restart_tasks(service, previous)  # what the rolling update stopped starts again
            self._count(service)
            self._event(service, f"(service {service.name}) has reached a steady state.")
        service.running_count = len(self.local_tasks(service))

    # -- helpers -----------------------------------------------------------------------------------
    def _event(self, service: ServingService, message: str) -> None:
        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": message})
        del service.events[100:]
        changes.touched("ecs")  # every step of a deployment is announced by an event

    def _stop_service_tasks(self, service: ServingService) -> None:
        """A deleted service's tasks stop at once; their targets are deregistered, and with nothing left in flight
        to a stopped task, their deregistration completes."""
        tasks = [t for d in service.deployments for t in self.task_processes.pop(str(d["id"]), [])]
        targets.deregister(self, service, tasks)
        for task in tasks:
            task.stop()
            self.record_stop(task, scaling_activity(service), SCHEDULER)
        targets.drain(self, service, tasks, 0.0)

    def _work_dir(self) -> Path:
        path = type(self).work_root / self.account_id / self.region_name
        path.mkdir(parents=True, exist_ok=True)
        return path


def breaker_threshold(desired: int) -> int:
    """Failed tasks before the deployment fails: half the desired count, at least 3 and at most 200 (AWS's
    ServiceDeploymentCircuitBreaker ``threshold``: "0.5 * desired task count", "a minimum threshold of 3 and a maximum
    threshold of 200"). The sandbox rounds a half up."""
    return min(200, max(3, (desired + 1) // 2))


def deployment_bounds(configuration: dict[str, Any], desired: int) -> tuple[int, int]:
    """How many tasks may run at most during a rolling update, and how many must stay healthy: the
    desired count times ``maximumPercent`` rounded down and times ``minimumHealthyPercent`` rounded up
    (ECS's defaults: 200 and 100)."""
    maximum_percent = int(configuration.get("maximumPercent", 200))
    minimum_percent = int(configuration.get("minimumHealthyPercent", 100))
    return desired * maximum_percent // 100, -(-desired * minimum_percent // 100)


def _serving_container(service: Service, definition: Any) -> dict[str, Any]:
    containers = definition.container_definitions
    wanted = {b.get("containerName") for b in service.load_balancers}
    for container in containers:
        if container.get("name") in wanted:
            return container
    return containers[0]
