"""The ECS wire layer: moto's, plus the CreateService fields moto drops and a DescribeCapacityProviders
that lists every provider when no names are given (moto answers HTTP 500 there)."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse

from .models import ServingECSBackend


class ServingECSResponse(EC2ContainerServiceResponse):
    @property
    def ecs_backend(self) -> ServingECSBackend:
        return super().ecs_backend  # type: ignore[return-value]

    # Shadows moto's CreateService on purpose: moto drops deploymentConfiguration,
    # capacityProviderStrategy and healthCheckGracePeriodSeconds.
    def create_service(self) -> ActionResult:
        service = self.ecs_backend.create_service(
            self._get_param("cluster", "default"),
            self._get_param("serviceName"),
            self._get_int_param("desiredCount"),
            self._get_param("taskDefinition"),
            self._get_param("loadBalancers"),
            self._get_param("schedulingStrategy"),
            self._get_param("tags"),
            self._get_param("deploymentController"),
            self._get_param("launchType"),
            network_configuration=self._get_param("networkConfiguration"),
            service_registries=self._get_param("serviceRegistries"),
            platform_version=self._get_param("platformVersion"),
            propagate_tags=self._get_param("propagateTags") or "NONE",
            role_arn=self._get_param("role"),
            deployment_configuration=self._get_param("deploymentConfiguration"),
            capacity_provider_strategy=self._get_param("capacityProviderStrategy"),
            health_check_grace_period_seconds=self._get_param("healthCheckGracePeriodSeconds"),
        )
        return ActionResult({"service": service})

    def describe_capacity_providers(self) -> ActionResult:
        providers, failures = self.ecs_backend.describe_capacity_providers(self._get_param("capacityProviders"))
        return ActionResult({"capacityProviders": providers, "failures": failures})
