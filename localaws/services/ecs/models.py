"""ECS backend state whose services really run: tasks are local processes, deployments replace them
only after the new ones pass their health check, and the circuit breaker rolls back failures.

Counts, deployments and events follow the shapes of DescribeServices, so the ``services_stable``
waiter and the CodePipeline ECS deploy action see what they would see on AWS.

As in a new account (see ``account.py``): capacity providers and clusters with capacity providers need
the ECS service-linked role; a deleted capacity provider stays INACTIVE, its name taken, for a while; a
deleted service drains before it is INACTIVE; and a service on an EC2 capacity provider places tasks
only while the provider's Auto Scaling group has instances in service.
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
from moto.ecs.exceptions import EcsClientException, ECSException, InvalidParameterException
from moto.ecs.models import CapacityProvider, Cluster, EC2ContainerServiceBackend, Service

from ... import account
from ...persistence import changes
from ..iam import models as iam_models
from ..iam import propagation
from .roles import check_task_start
from .runner import ImageLookup, ImageNotRunnable, TaskProcess, resolve_image

#: How long create/update_service wait for a deployment to settle before answering (AWS answers at
#: once; waiting briefly lets a waiter's first poll see a steady service).
SETTLE_SECONDS = 8.0
HEALTH_TIMEOUT_SECONDS = 20.0
#: Failed task launches before the circuit breaker trips (AWS: at least 3).
CIRCUIT_BREAKER_THRESHOLD = 3
#: How often a deployment waiting for EC2 capacity looks again.
CAPACITY_POLL_SECONDS = 1.0
ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
NO_CONTAINER_INSTANCES = (
    "was unable to place a task because no container instance met all of its requirements. "
    "Reason: No Container Instances were found in your cluster. "
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
)


class ServiceNotActiveException(ECSException):
    def __init__(self) -> None:
        super().__init__("ServiceNotActiveException", "Service was not ACTIVE.")


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


def _ecs_client_error(message: str) -> EcsClientException:
    return EcsClientException(message)


class ServingECSBackend(EC2ContainerServiceBackend):
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
        self.retired_providers: dict[str, tuple[CapacityProvider, float]] = {}  # name -> (provider, deleted at)
        self.draining: dict[str, tuple[Service, float]] = {}  # service arn -> (service, deleted at)

    def reset(self) -> None:
        self.stop_all_tasks()
        super().reset()

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

    # -- the account's ECS service-linked role ---------------------------------------------------
    def _service_linked_role_ready(self) -> bool:
        if account.current().ecs_service_linked_role_exists:
            return True
        iam = iam_models.backend(self.account_id, self.partition)
        role = iam.role_named(ECS_SERVICE_LINKED_ROLE)
        return role is not None and not propagation.role_not_yet_visible(self.account_id, role.arn, self.partition)

    def _create_service_linked_role(self) -> None:
        """What AWS does on CreateCluster in an account without the role: create it (ready moments later)."""
        if account.current().ecs_service_linked_role_exists:
            return
        iam = iam_models.backend(self.account_id, self.partition)
        if iam.role_named(ECS_SERVICE_LINKED_ROLE) is None:
            iam.create_service_linked_role("ecs.amazonaws.com", "Role to enable Amazon ECS to manage your cluster.", "")

    # -- clusters --------------------------------------------------------------------------------
    def create_cluster(
        self,
        cluster_name: str,
        tags: Any = None,
        cluster_settings: Any = None,
        configuration: dict[str, Any] | None = None,
        capacity_providers: list[str] | None = None,
        default_capacity_provider_strategy: list[dict[str, Any]] | None = None,
        service_connect_defaults: dict[str, str] | None = None,
    ) -> Cluster:
        ready = self._service_linked_role_ready()
        if not ready:
            self._create_service_linked_role()
            if capacity_providers:
                raise InvalidParameterException(
                    "Unable to assume the service linked role. Please verify that the ECS service linked role exists."
                )
        return super().create_cluster(
            cluster_name,
            tags,
            cluster_settings,
            configuration,
            capacity_providers,
            default_capacity_provider_strategy,
            service_connect_defaults,
        )

    # -- capacity providers: AWS lists them all when no names are given ------------------------
    def create_capacity_provider(
        self, name: str, asg_details: dict[str, Any], tags: list[dict[str, str]] | None
    ) -> CapacityProvider:
        if not self._service_linked_role_ready():
            raise _ecs_client_error(
                "ECS Service Linked Role does not exist. Please create a Service linked role for ECS"
            )
        self._forget_retired_providers()
        if name in self.capacity_providers or name in self.retired_providers:
            raise _ecs_client_error(
                "The specified capacity provider already exists. To change the configuration of an existing "
                "capacity provider, update the capacity provider."
            )
        return super().create_capacity_provider(name, asg_details, tags)

    def delete_capacity_provider(self, name_or_arn: str) -> CapacityProvider:
        if self._get_provider(name_or_arn) is None:
            raise _ecs_client_error("The specified capacity provider does not exist. Specify a valid name or ARN.")
        provider = super().delete_capacity_provider(name_or_arn)
        provider.update_status = "DELETE_IN_PROGRESS"
        self.retired_providers[provider.name] = (provider, time.monotonic())
        return provider

    def update_capacity_provider(self, name_or_arn: str, asg_provider: dict[str, Any]) -> CapacityProvider:
        if self._get_provider(name_or_arn) is None:
            raise _ecs_client_error("The specified capacity provider does not exist. Specify a valid name or ARN.")
        return super().update_capacity_provider(name_or_arn, asg_provider)

    def describe_capacity_providers(self, names: list[str] | None) -> Any:
        self._forget_retired_providers()
        retired = {}
        for provider, _ in self.retired_providers.values():
            provider.status, provider.update_status = "INACTIVE", "DELETE_COMPLETE"
            retired[provider.name] = provider
        if not names:
            return [*self.capacity_providers.values(), *retired.values()], []
        found, failures = super().describe_capacity_providers([n for n in names if not self._retired(n, retired)])
        return [*found, *[p for n in names if (p := self._retired(n, retired)) is not None]], failures

    @staticmethod
    def _retired(name_or_arn: str, retired: dict[str, CapacityProvider]) -> CapacityProvider | None:
        return next((p for p in retired.values() if name_or_arn in (p.name, p.capacity_provider_arn)), None)

    def _forget_retired_providers(self) -> None:
        keep = account.current().capacity_provider_retention_seconds
        now = time.monotonic()
        for name, (_, deleted_at) in list(self.retired_providers.items()):
            if now - deleted_at >= keep:
                del self.retired_providers[name]

    # -- services --------------------------------------------------------------------------------
    def create_service(
        self,
        cluster_str: str,
        service_name: str,
        desired_count: int,
        task_definition_str: str | None = None,
        *args: Any,
        deployment_configuration: dict[str, Any] | None = None,
        capacity_provider_strategy: list[dict[str, Any]] | None = None,
        health_check_grace_period_seconds: int | None = None,
        **kwargs: Any,
    ) -> Service:
        self._settle_draining()
        existing = self.services.get(f"{cluster_str.split('/')[-1]}:{service_name}")
        if existing is not None and existing.status == "ACTIVE":
            raise InvalidParameterException("Creation of service was not idempotent.")
        if existing is not None and existing.status == "DRAINING":
            raise InvalidParameterException("Unable to Start a service that is still Draining.")
        service = serving(
            super().create_service(cluster_str, service_name, desired_count, task_definition_str, *args, **kwargs)
        )
        service.deployment_configuration = deployment_configuration or {
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        }
        service.capacity_provider_strategy = capacity_provider_strategy or []
        if capacity_provider_strategy:
            service.launch_type = None
        service.health_check_grace_period_seconds = health_check_grace_period_seconds
        service.created_at = utcnow()
        service.events = []
        service.deployments = []
        self._start_deployment(service)
        return service

    def update_service(self, service_properties: dict[str, Any]) -> Service:
        cluster = service_properties.get("cluster", "default")
        name = str(service_properties.get("service")).split("/")[-1]
        self._settle_draining()
        before = self._get_service(cluster, name)
        if before.status != "ACTIVE":
            raise ServiceNotActiveException()
        old_definition, old_desired = before.task_definition, before.desired_count
        force = bool(service_properties.get("force_new_deployment"))
        task_definition = service_properties.get("task_definition")
        if task_definition:
            service_properties["task_definition"] = self.describe_task_definition(task_definition).arn
        running_before = before.running_count
        service = serving(super().update_service(service_properties))
        service.running_count, service.pending_count = running_before, 0  # moto fakes these: undo
        if force or service.task_definition != old_definition:
            self._start_deployment(service)
        elif service.desired_count != old_desired:
            self._start_deployment(service, scale_only=True)
        return service

    def delete_service(self, cluster_name: str, service_name: str, force: bool) -> Service:
        """The service drains (its tasks stop) for ``service_draining_seconds``, then is INACTIVE."""
        self._settle_draining()
        current = self._get_service(cluster_name, service_name)
        if current.status != "ACTIVE":
            return current  # already deleted: nothing more to do
        service = serving(super().delete_service(cluster_name, service_name, force))
        self._stop_service_tasks(service)
        service.running_count = 0
        for deployment in service.deployments:
            deployment["status"] = "INACTIVE"
        self._publish_targets(service, [])
        service.status = "DRAINING"
        self.draining[service.arn] = (service, time.monotonic())
        self._settle_draining()
        return service

    def describe_services(
        self, cluster_str: str, service_names_or_arns: list[str]
    ) -> tuple[list[Service], list[dict[str, str]]]:
        self._settle_draining()
        return super().describe_services(cluster_str, service_names_or_arns)

    def _settle_draining(self) -> None:
        """Services whose draining time has passed become INACTIVE (checked whenever one may be seen)."""
        keep = account.current().service_draining_seconds
        now = time.monotonic()
        for arn, (service, deleted_at) in list(self.draining.items()):
            if now - deleted_at >= keep:
                if service.status == "DRAINING":
                    service.status = "INACTIVE"
                del self.draining[arn]

    def stop_all_tasks(self) -> None:
        for tasks in list(self.task_processes.values()):
            for task in tasks:
                task.stop(timeout=2)
        self.task_processes.clear()

    def local_tasks(self, service: Service) -> list[TaskProcess]:
        return [t for d in service.deployments for t in self.task_processes.get(str(d["id"]), [])]

    # -- deployments -----------------------------------------------------------------------------
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
        thread.start()
        if not self._lacks_capacity(service):  # nothing would settle: answer at once, as AWS does
            thread.join(SETTLE_SECONDS)

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
        definition = self.describe_task_definition(deployment["taskDefinition"])
        tasks = self.task_processes.setdefault(deployment["id"], [])
        while len(tasks) > deployment["desiredCount"]:
            tasks.pop().stop()
        failures = 0
        breaker = service.deployment_configuration.get("deploymentCircuitBreaker", {})
        told = False
        while len(tasks) < deployment["desiredCount"]:
            if self._lacks_capacity(service):
                if deployment not in service.deployments or deployment["status"] != "PRIMARY":
                    return  # superseded while it waited
                if service.status != "ACTIVE":
                    return
                if not told:
                    self._event(service, f"(service {service.name}) {NO_CONTAINER_INSTANCES}")
                    told = True
                time.sleep(CAPACITY_POLL_SECONDS)
                continue
            task, reason = self._launch(service, definition)
            if task is not None:
                tasks.append(task)
                deployment["runningCount"] = len(tasks)
                deployment["pendingCount"] = deployment["desiredCount"] - len(tasks)
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
        tasks = self.task_processes.get(deployment["id"], [])
        self._publish_targets(service, [t.endpoint for t in tasks])
        for older in [d for d in service.deployments if d is not deployment]:
            for task in self.task_processes.pop(str(older["id"]), []):
                task.stop()
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
        previous = next(
            (d for d in service.deployments if d is not deployment and self.task_processes.get(str(d["id"]))), None
        )
        if breaker.get("rollback") and previous is not None:
            deployment["status"] = "INACTIVE"
            service.deployments.remove(deployment)
            previous.update(status="PRIMARY", updatedAt=utcnow())
            service.task_definition = str(previous["taskDefinition"])
            service.failed_deployments = [*getattr(service, "failed_deployments", []), deployment]
            self._event(
                service,
                f"(service {service.name}) rolling back to deployment {previous['id']} "
                f"(taskDefinition {previous['taskDefinition']}).",
            )
            self._event(service, f"(service {service.name}) has reached a steady state.")
        service.running_count = len(self.local_tasks(service))

    # -- EC2 capacity --------------------------------------------------------------------------------
    def _lacks_capacity(self, service: ServingService) -> bool:
        """True when the service's capacity providers are EC2 ones whose groups have no instance in service."""
        strategy = getattr(service, "capacity_provider_strategy", None) or []
        names = [str(item.get("capacityProvider")) for item in strategy]
        ec2_providers = [n for n in names if n not in FARGATE_PROVIDERS]
        if not ec2_providers:
            return False
        return not any(self._instances_in_service(name) for name in ec2_providers)

    def _instances_in_service(self, provider_name: str) -> int:
        from moto.autoscaling.models import autoscaling_backends

        provider = self._get_provider(provider_name)
        if provider is None:
            return 0
        group_arn = str(provider.auto_scaling_group_provider.get("autoScalingGroupArn", ""))
        groups = autoscaling_backends[self.account_id][self.region_name].autoscaling_groups
        group_name = group_arn.rsplit("autoScalingGroupName/", 1)[-1]
        group = groups.get(group_name) or next((g for g in groups.values() if g.arn == group_arn), None)
        if group is None:
            return 0
        return sum(1 for state in group.instance_states if state.lifecycle_state == "InService")

    # -- helpers ---------------------------------------------------------------------------------
    def _publish_targets(self, service: ServingService, endpoints: list[tuple[str, int]]) -> None:
        from moto.elbv2.models import elbv2_backends

        elbv2 = elbv2_backends[self.account_id][self.region_name]
        for balancer in service.load_balancers:
            target_group = balancer.get("targetGroupArn")
            if target_group and hasattr(elbv2, "set_local_targets"):
                elbv2.set_local_targets(target_group, service.arn, endpoints)

    def _health_check_path(self, service: ServingService) -> str:
        from moto.elbv2.models import elbv2_backends

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
        from moto.logs.models import logs_backends

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


def _serving_container(service: Service, definition: Any) -> dict[str, Any]:
    containers = definition.container_definitions
    wanted = {b.get("containerName") for b in service.load_balancers}
    for container in containers:
        if container.get("name") in wanted:
            return container
    return containers[0]
