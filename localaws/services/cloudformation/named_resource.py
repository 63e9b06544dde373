"""The shape every resource type the kit adds to CloudFormation shares: moto lacks ``AWS::CodeBuild::Project``
and ``AWS::CodePipeline::Pipeline``, and both are named by their ``Name`` property, answer ``Ref`` with it, are
replaced when it changes and updated in place otherwise (the CloudFormation resource reference's "Update
requires: Replacement" for ``Name``). A subclass says how its service creates, updates and deletes one.

moto keeps a resource type with its service (``moto/ecs/models.py``'s ``Cluster``) and finds it through
``CloudFormationModel.__subclasses__()``, direct subclasses only: so this is a mixin, and each type names both
(``class CodeBuildProject(NamedServiceResource, CloudFormationModel)``); defining it registers it, so each service
package imports its own ``cloudformation.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException


class NamedServiceResource:
    #: the ``Fn::GetAtt`` attributes the type documents
    attributes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, account_id: str, region_name: str) -> None:
        self.name = name
        self.account_id = account_id
        self.region_name = region_name

    # what each service does ------------------------------------------------------------------------------------
    @classmethod
    def create_in_service(cls, name: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        raise NotImplementedError

    def update_in_service(self, properties: dict[str, Any]) -> None:
        raise NotImplementedError

    @classmethod
    def delete_in_service(cls, name: str, account_id: str, region_name: str) -> None:
        raise NotImplementedError

    def attribute(self, name: str) -> str:
        raise NotImplementedError

    # CloudFormation's side, the same for every type ------------------------------------------------------------
    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.attributes

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name in self.attributes:
            return self.attribute(attribute_name)
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> NamedServiceResource:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        cls.create_in_service(name, properties, account_id, region_name)
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: NamedServiceResource,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> NamedServiceResource:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", original_resource.name)
        if name != original_resource.name:  # a new name replaces the resource, as on AWS
            cls.delete_in_service(original_resource.name, account_id, region_name)
            return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
        original_resource.update_in_service(properties)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        cls.delete_in_service(resource_name, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_in_service(self.name, account_id, region_name)
