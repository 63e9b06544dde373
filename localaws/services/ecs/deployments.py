"""An ECS service's tasks and deployments in the sandbox: tasks are local processes (``runner.py``), a
deployment replaces the old tasks only after the new ones pass their health check, the circuit breaker
fails (and may roll back) a deployment whose tasks keep failing to start, and the running tasks are
the targets of the service's load balancers. After a restart, services start their tasks again.

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
from moto.elbv2.models import elbv2_backends
from moto.logs.models import logs_backends

from ...persistence import changes
from .capacity import CapacityECSBackend
from .roles import check_task_start
from .runner import ImageLookup, ImageNotRunnable, TaskProcess, resolve_image

HEALTH_TIMEOUT_SECONDS = 20.0
#: Failed task launches before the circuit breaker trips (AWS: at least 3).
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


class DeployingECSBackend(CapacityECSBackend):
    """The backend's task processes and deployments: what runs, and what a deployment does until it settles."""

    #: Set by ``install()``.
    work_root: Path = Path("/tmp/workshop-sandbox-ecs")
    #: Set by the ECR extension once it can tell which images it holds.
    image_lookup: ImageLookup | None = None

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        # deployment id -> its running task processes (moto's own ``tasks`` holds RunTask's tasks)
        self.task_processes: dict[str, list[TaskProcess]] = {}
        self.service_locks: dict[str, threading.Lock] = {}
        self.rollouts: dict[str, threading.Thread] = {}

    # -- persistence: task processes, locks and rollout threads stay with the process ---------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(task_processes={}, service_locks={}, rollouts={})
        return state

    def resume(self) -> list[threading.Thread]:
        """After a restart, start every ACTIVE service's tasks again and carry on the deployments that
        were in progress. Returns the threads doing it, one per service, so the caller may wait."""
        shutil.rmtree(self._work_dir(), ignore_errors=True)  # what the stopped tasks left behind
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
            self._publish_targets(service, [t.endpoint for d in serving for t in self.task_processes.get(d["id"], [])])
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
            task, reason = self._launch(service, definition)
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

    def local_tasks(self, service: Service) -> list[TaskProcess]:
        return [t for d in service.deployments for t in self.task_processes.get(str(d["id"]), [])]

    # -- deployments -------------------------------------------------------------------------------
    def _start_deployment(self, service: ServingService, scale_only: bool = False) -> None:
        lock = self.service_locks.setdefault(service.arn, threading.Lock())
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
        thread = threading.Thread(target=self._roll_out, args=(service, deployment, lock), daemon=True)
        self.rollouts[service.arn] = thread
        thread.start()  # AWS answers at once; the caller waits (services_stable) for the rollout

    def _roll_out(self, service: ServingService, deployment: dict[str, Any], lock: threading.Lock) -> None:
        with lock:
            if deployment not in service.deployments or service.status != "ACTIVE":
                return
            try:
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
        while len(tasks) > deployment["desiredCount"]:
            tasks.pop().stop()
        maximum, minimum = deployment_bounds(service.deployment_configuration, deployment["desiredCount"])
        failures = 0
        breaker = service.deployment_configuration.get("deploymentCircuitBreaker", {})
        told = False
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
                    self._fail(
                        service,
                        deployment,
                        f"the deployment cannot start a task: {len(self.local_tasks(service))} tasks run, "
                        f"maximumPercent allows {maximum} and minimumHealthyPercent keeps {minimum}.",
                    )
                    return
                continue
            deployment["pendingCount"] = deployment["desiredCount"] - len(tasks)
            task, reason = self._launch(service, definition)
            if task is not None:
                tasks.append(task)
                deployment.update(
                    runningCount=len(tasks), pendingCount=deployment["desiredCount"] - len(tasks), updatedAt=utcnow()
                )
                self._serve_all(service)
                continue
            failures += 1
            deployment["failedTasks"] = failures
            self._event(service, f"(service {service.name}) was unable to place a task: {reason}")
            if failures >= CIRCUIT_BREAKER_THRESHOLD:
                self._fail(
                    service,
                    deployment,
                    "ECS deployment circuit breaker: tasks failed to start."
                    if breaker.get("enable")
                    else f"tasks failed to start {failures} times; the sandbox stops retrying.",
                )
                return
        self._complete(service, deployment)

    def _stop_an_old_task(self, service: ServingService, deployment: dict[str, Any], minimum: int) -> bool:
        """Stop one task of an older deployment if the healthy tasks left are at least ``minimum``."""
        running = len(self.local_tasks(service))
        for older in reversed([d for d in service.deployments if d is not deployment]):
            old_tasks = self.task_processes.get(str(older["id"]), [])
            if old_tasks and running - 1 >= minimum:
                task = old_tasks.pop()
                self._serve_all(service, leaving=[task])
                task.stop()
                self._event(service, f"(service {service.name}) has stopped 1 running tasks: (task {task.task_id}).")
                older.update(runningCount=len(old_tasks), desiredCount=len(old_tasks), updatedAt=utcnow())
                self._serve_all(service)
                return True
        return False

    def _serve_all(self, service: ServingService, leaving: list[TaskProcess] | None = None) -> None:
        """Every running task of every deployment is a target (both versions serve during a rolling update);
        ``leaving`` tasks are deregistered first, so they drain before they stop."""
        tasks = [t for t in self.local_tasks(service) if not leaving or t not in leaving]
        self._publish_targets(service, [t.endpoint for t in tasks])
        service.running_count = len(tasks)
        service.pending_count = sum(int(str(d.get("pendingCount", 0))) for d in service.deployments)

    def _launch(self, service: ServingService, definition: Any) -> tuple[TaskProcess | None, str]:
        container = _serving_container(service, definition)
        task_id = uuid.uuid4().hex
        try:
            check_task_start(self, service, definition, container, task_id)
            source = resolve_image(container["image"], type(self).image_lookup)
            task = TaskProcess(
                task_id, container, source, self._work_dir(), log_sink=self._log_sink(container, service)
            )
        except ImageNotRunnable as error:
            return None, str(error)
        path = self._health_check_path(service)
        if task.wait_healthy(path, HEALTH_TIMEOUT_SECONDS):
            self._event(service, f"(service {service.name}) has started 1 tasks: (task {task_id}).")
            return task, ""
        output = " | ".join(task.output[-3:])
        task.stop()
        return None, f"task {task_id} failed its health check on {path}" + (f": {output}" if output else "")

    def _complete(self, service: ServingService, deployment: dict[str, Any]) -> None:
        if deployment not in service.deployments or deployment["status"] != "PRIMARY":
            return  # superseded while its last task started
        tasks = self.task_processes.get(deployment["id"], [])
        self._publish_targets(service, [t.endpoint for t in tasks])
        for older in service.deployments[service.deployments.index(deployment) + 1 :]:
            stopped = self.task_processes.pop(str(older["id"]), [])
            for task in stopped:
                task.stop()
            if stopped:
                ids = ", ".join(f"(task {t.task_id})" for t in stopped)
                self._event(service, f"(service {service.name}) has stopped {len(stopped)} running tasks: {ids}.")
            service.deployments.remove(older)
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
        for task in self.task_processes.pop(deployment["id"], []):
            task.stop()
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
            self._serve_all(service)
            self._event(service, f"(service {service.name}) has reached a steady state.")
        service.running_count = len(self.local_tasks(service))

    # -- helpers -----------------------------------------------------------------------------------
    def _publish_targets(self, service: ServingService, endpoints: list[tuple[str, int]]) -> None:
        elbv2 = elbv2_backends[self.account_id][self.region_name]
        for balancer in service.load_balancers:
            target_group = balancer.get("targetGroupArn")
            if target_group and hasattr(elbv2, "set_local_targets"):
                elbv2.set_local_targets(target_group, service.arn, endpoints)

    def _health_check_path(self, service: ServingService) -> str:
        elbv2 = elbv2_backends[self.account_id][self.region_name]
        for balancer in service.load_balancers:
            group = elbv2.target_groups.get(balancer.get("targetGroupArn", ""))
            if group is not None and group.health_check_path:
                return str(group.health_check_path)
        return "/"

    def _log_sink(self, container: dict[str, Any], service: Service) -> Any:
        options = (container.get("logConfiguration") or {}).get("options", {})
        group = options.get("awslogs-group")
        if not group:
            return None
        logs = logs_backends[self.account_id][self.region_name]
        prefix = options.get("awslogs-stream-prefix", "ecs")

        def sink(task_id: str, line: str) -> None:
            stream = f"{prefix}/{container.get('name')}/{task_id}"
            if group not in logs.groups:
                return
            if stream not in logs.groups[group].streams:
                logs.create_log_stream(group, stream)
            logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])
            changes.touched("logs")

        return sink

    def _event(self, service: ServingService, message: str) -> None:
        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": message})
        del service.events[100:]
        changes.touched("ecs")  # every step of a deployment is announced by an event

    def _stop_service_tasks(self, service: ServingService) -> None:
        for deployment in service.deployments:
            for task in self.task_processes.pop(str(deployment["id"]), []):
                task.stop()

    def _work_dir(self) -> Path:
        path = type(self).work_root / self.account_id / self.region_name
        path.mkdir(parents=True, exist_ok=True)
        return path


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
