"""The ECS wire layer: moto's, plus the CreateService fields moto drops and a DescribeCapacityProviders
that lists every provider when no names are given (moto answers HTTP 500 there)."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse

from ...seams.moto import ResponseParams
from .models import ServingECSBackend


class ServingECSResponse(ResponseParams, EC2ContainerServiceResponse):
    @property
    def ecs_backend(self) -> ServingECSBackend:
        return super().ecs_backend  # type: ignore[return-value]

    # Shadows moto's CreateService on purpose: moto drops deploymentConfiguration,
    # capacityProviderStrategy and healthCheckGracePeriodSeconds.
    def create_service(self) -> ActionResult:
        service = self.ecs_backend.create_service(
            self.param("cluster", "default"),
            self.param("serviceName"),
            self.int_param("desiredCount"),
            self.param("taskDefinition"),
            self.param("loadBalancers"),
            self.param("schedulingStrategy"),
            self.param("tags"),
            self.param("deploymentController"),
            self.param("launchType"),
            network_configuration=self.param("networkConfiguration"),
            service_registries=self.param("serviceRegistries"),
            platform_version=self.param("platformVersion"),
            propagate_tags=self.param("propagateTags") or "NONE",
            role_arn=self.param("role"),
            deployment_configuration=self.param("deploymentConfiguration"),
            capacity_provider_strategy=self.param("capacityProviderStrategy"),
            health_check_grace_period_seconds=self.param("healthCheckGracePeriodSeconds"),
        )
        return ActionResult({"service": service})

    def describe_capacity_providers(self) -> ActionResult:
        providers, failures = self.ecs_backend.describe_capacity_providers(self.param("capacityProviders"))
        return ActionResult({"capacityProviders": providers, "failures": failures})
