"""``AWS::CodeBuild::Project`` for CloudFormation, which moto lacks: ``Ref`` (the name) and ``GetAtt Arn`` as
AWS documents them, handed to the sandbox's CodeBuild backend (the shared shape: ``NamedServiceResource``)."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ..cloudformation.named_resource import NamedServiceResource
from ..cloudformation.properties import api_shape, api_tags
from .models import codebuild_backend


class CodeBuildProject(NamedServiceResource, CloudFormationModel):
    attributes = ("Arn",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    @classmethod
    def create_in_service(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        shaped = api_shape(properties)
        codebuild_backend(account_id, region_name).create_project(
            project_name=name,
            description=shaped.get("description"),
            project_source=shaped["source"],
            artifacts=shaped["artifacts"],
            environment=shaped["environment"],
            service_role=shaped["serviceRole"],
            tags=api_tags(properties, "key", "value"),
            cache=shaped.get("cache"),
            timeout=shaped.get("timeoutInMinutes"),
            queued_timeout=shaped.get("queuedTimeoutInMinutes"),
            source_version=shaped.get("sourceVersion"),
            logs_config=shaped.get("logsConfig"),
            vpc_config=shaped.get("vpcConfig"),
        )

    def update_in_service(self, properties: dict[str, Any]) -> None:
        shaped = api_shape(properties)
        codebuild_backend(self.account_id, self.region_name).update_project(
            self.name,
            {
                "description": shaped.get("description"),
                "source": shaped["source"],
                "artifacts": shaped["artifacts"],
                "environment": shaped["environment"],
                "serviceRole": shaped["serviceRole"],
                "timeoutInMinutes": shaped.get("timeoutInMinutes"),
                "tags": api_tags(properties, "key", "value"),
            },
        )

    @classmethod
    def delete_in_service(cls, name: str, account_id: str, region_name: str) -> None:
        codebuild_backend(account_id, region_name).delete_project(name)

    def attribute(self, name: str) -> str:
        return codebuild_backend(self.account_id, self.region_name).project_arn(self.name)
