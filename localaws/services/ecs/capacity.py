"""ECS capacity as a new account has it: capacity providers, and clusters that use them, need the ECS
service-linked role (CreateCluster creates it, ready moments later); a deleted capacity provider stays
INACTIVE, its name taken, for a while; and an EC2 capacity provider offers capacity only while its Auto
Scaling group has instances in service.

Separate from the deployments (``deployments.py``), which only ask whether a service has capacity to
place a task, and from the services API (``models.py``). The backend class of ``models.py`` is built on
this one.
"""

from __future__ import annotations

import time
from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.ecs.exceptions import EcsClientException, InvalidParameterException
from moto.ecs.models import CapacityProvider, Cluster, EC2ContainerServiceBackend, Service

from ... import account
from ..iam import models as iam_models
from ..iam import propagation

ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


def _ecs_client_error(message: str) -> EcsClientException:
    return EcsClientException(message)


class CapacityECSBackend(EC2ContainerServiceBackend):
    """moto's ECS backend with a new account's capacity providers, service-linked role and EC2 capacity."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.retired_providers: dict[str, tuple[CapacityProvider, float]] = {}  # name -> (provider, deleted at)

    # -- the account's ECS service-linked role -----------------------------------------------------
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

    # -- clusters: one with capacity providers needs the service-linked role -----------------------
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

    # -- capacity providers: AWS lists them all when no names are given ----------------------------
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
        if self._provider(name_or_arn) is None:
            raise _ecs_client_error("The specified capacity provider does not exist. Specify a valid name or ARN.")
        provider = super().delete_capacity_provider(name_or_arn)
        provider.update_status = "DELETE_IN_PROGRESS"
        self.retired_providers[provider.name] = (provider, time.monotonic())
        return provider

    def update_capacity_provider(self, name_or_arn: str, asg_provider: dict[str, Any]) -> CapacityProvider:
        if self._provider(name_or_arn) is None:
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
        found, failures = super().describe_capacity_providers([n for n in names if not self._find(n, retired)])
        return [*found, *[p for n in names if (p := self._find(n, retired)) is not None]], failures

    def _provider(self, name_or_arn: str) -> CapacityProvider | None:
        """A capacity provider that is not deleted, by name or ARN (as moto's own lookup, which is private)."""
        return self._find(name_or_arn, self.capacity_providers)

    @staticmethod
    def _find(name_or_arn: str, providers: dict[str, CapacityProvider]) -> CapacityProvider | None:
        return next((p for p in providers.values() if name_or_arn in (p.name, p.capacity_provider_arn)), None)

    def _forget_retired_providers(self) -> None:
        keep = account.current().capacity_provider_retention_seconds
        now = time.monotonic()
        for name, (_, deleted_at) in list(self.retired_providers.items()):
            if now - deleted_at >= keep:
                del self.retired_providers[name]

    # -- EC2 capacity ------------------------------------------------------------------------------
    def _lacks_capacity(self, service: Service) -> bool:
        """True when the service's capacity providers are EC2 ones whose groups have no instance in service."""
        strategy = getattr(service, "capacity_provider_strategy", None) or []
        names = [str(item.get("capacityProvider")) for item in strategy]
        ec2_providers = [n for n in names if n not in FARGATE_PROVIDERS]
        if not ec2_providers:
            return False
        return not any(self._instances_in_service(name) for name in ec2_providers)

    def _instances_in_service(self, provider_name: str) -> int:
        return len(self._instance_ids(provider_name))

    def _instance_ids(self, provider_name: str) -> list[str]:
        """The EC2 instances InService in the provider's Auto Scaling group (the cluster's container instances)."""
        provider = self._provider(provider_name)
        if provider is None:
            return []
        group_arn = str(provider.auto_scaling_group_provider.get("autoScalingGroupArn", ""))
        groups = autoscaling_backends[self.account_id][self.region_name].autoscaling_groups
        group_name = group_arn.rsplit("autoScalingGroupName/", 1)[-1]
        group = groups.get(group_name) or next((g for g in groups.values() if g.arn == group_arn), None)
        if group is None:
            return []
        return [str(state.instance.id) for state in group.instance_states if state.lifecycle_state == "InService"]

    def _container_instance_id(self, service: Service) -> str | None:
        """An EC2 instance a task of the service runs on (EC2 capacity); None on Fargate."""
        strategy = getattr(service, "capacity_provider_strategy", None) or []
        names = [str(item.get("capacityProvider")) for item in strategy]
        for name in [n for n in names if n not in FARGATE_PROVIDERS]:
            ids = self._instance_ids(name)
            if ids:
                return ids[0]
        return None
