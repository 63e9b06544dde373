"""``AWS::CodePipeline::Pipeline`` for CloudFormation, which moto lacks: ``Ref`` (the name) and ``GetAtt
Version`` as AWS documents them, handed to the sandbox's CodePipeline backend (the shared shape:
``NamedServiceResource``)."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ..cloudformation.named_resource import NamedServiceResource
from ..cloudformation.properties import api_shape, api_tags
from .models import codepipeline_backend

#: template properties that are not part of the pipeline's declaration in the API
_NOT_DECLARED = ("Tags", "RestartExecutionOnUpdate", "Name", "DisableInboundStageTransitions")


def _declaration(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    shaped = dict(api_shape({k: v for k, v in properties.items() if k not in _NOT_DECLARED}))
    shaped["name"] = name
    return shaped


class CodePipelinePipeline(NamedServiceResource, CloudFormationModel):
    attributes = ("Version",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodePipeline::Pipeline"

    @classmethod
    def create_in_service(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        codepipeline_backend(account_id, region_name).create_pipeline(
            _declaration(name, properties), api_tags(properties)
        )

    def update_in_service(self, properties: dict[str, Any]) -> None:
        codepipeline_backend(self.account_id, self.region_name).update_pipeline(_declaration(self.name, properties))

    @classmethod
    def delete_in_service(cls, name: str, account_id: str, region_name: str) -> None:
        backend = codepipeline_backend(account_id, region_name)
        if name in backend.pipelines:
            backend.delete_pipeline(name)

    def attribute(self, name: str) -> str:
        record = codepipeline_backend(self.account_id, self.region_name).get_pipeline(self.name)
        return str(record.pipeline.get("version", 1))
