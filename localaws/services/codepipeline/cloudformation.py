"""``AWS::CodePipeline::Pipeline`` for CloudFormation, which moto lacks: create, update, delete, ``Ref`` (the
name) and ``GetAtt Version`` as AWS documents them, handed to the sandbox's CodePipeline backend.

moto keeps a resource type with its service (``moto/ecs/models.py``'s ``Cluster``) and finds it through
``CloudFormationModel.__subclasses__()``: defining the class registers it, so the package imports this module.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from ..cloudformation.properties import api_shape, api_tags
from .models import codepipeline_backend


class CodePipelinePipeline(CloudFormationModel):
    def __init__(self, name: str, account_id: str, region_name: str) -> None:
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodePipeline::Pipeline"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Version"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Version":
            record = codepipeline_backend(self.account_id, self.region_name).get_pipeline(self.name)
            return str(record.pipeline.get("version", 1))
        raise UnformattedGetAttTemplateException()

    @staticmethod
    def _declaration(name: str, properties: dict[str, Any]) -> dict[str, Any]:
        shaped = api_shape(
            {
                k: v
                for k, v in properties.items()
                if k not in ("Tags", "RestartExecutionOnUpdate", "Name", "DisableInboundStageTransitions")
            }
        )
        shaped["name"] = name
        return dict(shaped)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CodePipelinePipeline:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        codepipeline_backend(account_id, region_name).create_pipeline(
            cls._declaration(name, properties), api_tags(properties)
        )
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CodePipelinePipeline,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> CodePipelinePipeline:
        backend = codepipeline_backend(account_id, region_name)
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", original_resource.name)
        if name != original_resource.name:
            backend.delete_pipeline(original_resource.name)
            return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
        backend.update_pipeline(cls._declaration(name, properties))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> None:
        backend = codepipeline_backend(account_id, region_name)
        if resource_name in backend.pipelines:
            backend.delete_pipeline(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_from_cloudformation_json(self.name, {}, account_id, region_name)
