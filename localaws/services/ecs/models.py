"""ECS backend state whose services really run: the services API (CreateService, UpdateService,
DeleteService, DescribeServices) on a backend built in layers, one idea each: ``capacity.py`` (capacity
providers, the ECS service-linked role, EC2 capacity), ``deployments.py`` (tasks as local processes and
deployments that replace them only after the new ones pass their health check), and this module.

As in a new account (see ``account.py``): a deleted service drains before it is INACTIVE, and a service
of the same name cannot be created while it drains.
"""

from __future__ import annotations

import time
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import (
    ClusterNotFoundException,
    ECSException,
    InvalidParameterException,
    ServiceNotFoundException,
)
from moto.ecs.models import Service

from ... import account
from . import container_runner
from .blue_green import validate as validate_strategy

# ServingService must stay importable from this module: snapshots saved before deployments.py existed
# name the class of every saved service localaws.services.ecs.models.ServingService.
from .deployments import ServingService, serving
from .run_tasks import StandaloneTaskECSBackend


class ServiceNotActiveException(ECSException):
    def __init__(self) -> None:
        super().__init__("ServiceNotActiveException", "Service was not ACTIVE.")


class ServingECSBackend(StandaloneTaskECSBackend):
    """The sandbox's ECS backend (``install()`` makes moto build this class): services whose tasks run."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.draining: dict[str, tuple[ServingService, float]] = {}  # service arn -> (service, deleted at)

    def reset(self) -> None:
        self.stop_all_tasks()
        super().reset()

    # -- services ----------------------------------------------------------------------------------
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
        load_balancers = kwargs.get("load_balancers", args[0] if args else None)
        validate_strategy(self, deployment_configuration, load_balancers)
        self._check_providers_associated(cluster_str, capacity_provider_strategy or [])
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

    def _check_providers_associated(self, cluster_str: str, strategy: list[dict[str, Any]]) -> None:
        """ECS refuses a capacity provider strategy that names a provider the cluster does not have (a typo, or a
        provider of another run), with its own message, instead of creating a service that never gets capacity."""
        cluster = self.clusters.get(cluster_str.split("/")[-1])
        associated = set(getattr(cluster, "capacity_providers", None) or [])
        if cluster is not None and any(item.get("capacityProvider") not in associated for item in strategy):
            raise InvalidParameterException(
                "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
                "with the cluster. Associate the capacity provider with the cluster or specify a valid capacity "
                "provider and try again."
            )

    def update_service(self, service_properties: dict[str, Any]) -> Service:
        cluster = service_properties.get("cluster", "default")
        name = str(service_properties.get("service")).split("/")[-1]
        self._settle_draining()
        before = self._service(cluster, name)
        if before.status != "ACTIVE":
            raise ServiceNotActiveException()
        old_definition, old_desired = before.task_definition, before.desired_count
        if service_properties.get("deployment_configuration") or service_properties.get("load_balancers"):
            validate_strategy(
                self,
                service_properties.get("deployment_configuration") or serving(before).deployment_configuration,
                service_properties.get("load_balancers") or before.load_balancers,
            )
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
        """The service drains (its tasks stop; in Docker mode its containers are removed) for
        ``service_draining_seconds``, then is INACTIVE."""
        self._settle_draining()
        current = self._service(cluster_name, service_name)
        if current.status != "ACTIVE":
            return current  # already deleted: nothing more to do
        service = serving(super().delete_service(cluster_name, service_name, force))
        self._stop_service_tasks(service)
        container_runner.remove_service_containers(str(service.arn))
        service.running_count = 0
        for deployment in service.deployments:
            deployment["status"] = "INACTIVE"
        service.status = "DRAINING"
        self.draining[service.arn] = (service, time.monotonic())
        self._settle_draining()
        return service

    def _service(self, cluster_str: str, service_str: str) -> Service:
        """A cluster's service by name or ARN, with moto's not-found errors (as moto's own lookup, which is private)."""
        cluster = self.clusters.get(cluster_str.split("/")[-1])
        if not cluster:
            raise ClusterNotFoundException
        for service in self.services.values():
            if service.cluster_name == cluster.name and service_str in (service.name, service.arn):
                return service
        raise ServiceNotFoundException

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
