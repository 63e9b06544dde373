"""``AWS::CodeBuild::Project`` for CloudFormation, which moto lacks: create, update, delete, ``Ref`` (the name)
and ``GetAtt Arn`` as AWS documents them, handed to the sandbox's CodeBuild backend.

moto keeps a resource type with its service (``moto/ecs/models.py``'s ``Cluster``) and finds it through
``CloudFormationModel.__subclasses__()``: defining the class registers it, so the package imports this module.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from ..cloudformation.properties import api_shape, api_tags
from .models import codebuild_backend


class CodeBuildProject(CloudFormationModel):
    def __init__(self, name: str, arn: str) -> None:
        self.name = name
        self.arn = arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def _arguments(cls, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        shaped = api_shape(properties)
        return {
            "project_name": name,
            "description": shaped.get("description"),
            "project_source": shaped["source"],
            "artifacts": shaped["artifacts"],
            "environment": shaped["environment"],
            "service_role": shaped["serviceRole"],
            "tags": api_tags(properties, "key", "value"),
            "cache": shaped.get("cache"),
            "timeout": shaped.get("timeoutInMinutes"),
            "queued_timeout": shaped.get("queuedTimeoutInMinutes"),
            "source_version": shaped.get("sourceVersion"),
            "logs_config": shaped.get("logsConfig"),
            "vpc_config": shaped.get("vpcConfig"),
        }

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CodeBuildProject:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        metadata = codebuild_backend(account_id, region_name).create_project(**cls._arguments(name, properties))
        return cls(name, metadata["arn"])

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CodeBuildProject,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> CodeBuildProject:
        backend = codebuild_backend(account_id, region_name)
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", original_resource.name)
        if name != original_resource.name:  # a new name replaces the project, as on AWS
            backend.delete_project(original_resource.name)
            return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
        arguments = cls._arguments(name, properties)
        backend.update_project(
            name,
            {
                "description": arguments["description"],
                "source": arguments["project_source"],
                "artifacts": arguments["artifacts"],
                "environment": arguments["environment"],
                "serviceRole": arguments["service_role"],
                "timeoutInMinutes": arguments["timeout"],
                "tags": arguments["tags"],
            },
        )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> None:
        codebuild_backend(account_id, region_name).delete_project(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        codebuild_backend(account_id, region_name).delete_project(self.name)
