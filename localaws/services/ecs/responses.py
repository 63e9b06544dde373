"""The ECS wire layer: moto's, plus the CreateService fields moto drops and a DescribeCapacityProviders
that lists every provider when no names are given (moto answers HTTP 500 there)."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse

from ...seams.moto import ResponseParams
from . import service_deployments
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

    # ECS's service deployments (moto has none): ``service_deployments.py``
    def list_service_deployments(self) -> ActionResult:
        backend = self.ecs_backend
        service = backend._service(self.param("cluster", "default"), self.param("service"))
        rows = service_deployments.listed(backend, service, self.param("status"))
        return ActionResult({"serviceDeployments": rows})

    def describe_service_deployments(self) -> ActionResult:
        found, failures = [], []
        for arn in self.param("serviceDeploymentArns") or []:
            try:
                found.append(service_deployments.public(service_deployments.find(self.ecs_backend, arn)))
            except service_deployments.ServiceDeploymentNotFoundException:
                failures.append({"arn": arn, "reason": "MISSING"})
        return ActionResult({"serviceDeployments": found, "failures": failures})

    def stop_service_deployment(self) -> ActionResult:
        arn = service_deployments.stop(self.ecs_backend, self.param("serviceDeploymentArn"), self.param("stopType"))
        return ActionResult({"serviceDeploymentArn": arn})

    def continue_service_deployment(self) -> ActionResult:
        arn = service_deployments.continue_(
            self.ecs_backend, self.param("serviceDeploymentArn"), self.param("hookId"), self.param("action")
        )
        return ActionResult({"serviceDeploymentArn": arn})
