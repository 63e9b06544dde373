"""CloudFormation resource types moto lacks and the kit's templates use:
``AWS::CodeBuild::Project`` and ``AWS::CodePipeline::Pipeline``, with create, update, delete,
``Ref`` (the name) and ``GetAtt`` as AWS documents them.

They are direct subclasses of moto's CloudFormationModel (moto finds resource types through
``__subclasses__()``) and hand the work to the sandbox's CodeBuild and CodePipeline backends.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import CloudFormationBackend
from moto.core.common_models import CloudFormationModel

#: CloudFormation property names whose API names are not simply the first letter lowered.
_API_NAMES = {"BuildSpec": "buildspec", "GitCloneDepth": "gitCloneDepth"}
_KEEP_AS_IS = {"Configuration"}  # action configuration keys are the provider's own names


def api_shape(value: Any) -> Any:
    """PascalCase CloudFormation properties to the camelCase API shape, recursively."""
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        name = _API_NAMES.get(key, key[:1].lower() + key[1:])
        if key in _KEEP_AS_IS and isinstance(item, dict):
            result[name] = {k: _configuration_value(v) for k, v in item.items()}
        else:
            result[name] = api_shape(item)
    return result


def _configuration_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tags(properties: dict[str, Any], key: str = "key", value: str = "value") -> list[dict[str, str]]:
    return [{key: t["Key"], value: t["Value"]} for t in properties.get("Tags", [])]


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
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

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
            "tags": _tags(properties, "key", "value"),
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
        account_id: str,  # type: ignore[override]
        region_name: str,
        **kwargs: Any,
    ) -> CodeBuildProject:
        from moto.codebuild.models import codebuild_backends

        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        metadata = codebuild_backends[account_id][region_name].create_project(**cls._arguments(name, properties))
        return cls(name, metadata["arn"])

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CodeBuildProject,
        new_resource_name: str,  # type: ignore[override]
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> CodeBuildProject:
        from moto.codebuild.models import codebuild_backends

        backend = codebuild_backends[account_id][region_name]
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
        account_id: str,  # type: ignore[override]
        region_name: str,
    ) -> None:
        from moto.codebuild.models import codebuild_backends

        codebuild_backends[account_id][region_name].delete_project(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.codebuild.models import codebuild_backends

        codebuild_backends[account_id][region_name].delete_project(self.name)


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
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
        from moto.codepipeline.models import codepipeline_backends

        if attribute_name == "Version":
            pipeline, _ = codepipeline_backends[self.account_id][self.region_name].get_pipeline(self.name)
            return str(pipeline.get("version", 1))
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
        account_id: str,  # type: ignore[override]
        region_name: str,
        **kwargs: Any,
    ) -> CodePipelinePipeline:
        from moto.codepipeline.models import codepipeline_backends

        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        codepipeline_backends[account_id][region_name].create_pipeline(
            cls._declaration(name, properties), _tags(properties) or None
        )
        return cls(name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CodePipelinePipeline,
        new_resource_name: str,  # type: ignore[override]
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> CodePipelinePipeline:
        from moto.codepipeline.models import codepipeline_backends

        backend = codepipeline_backends[account_id][region_name]
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
        account_id: str,  # type: ignore[override]
        region_name: str,
    ) -> None:
        from moto.codepipeline.models import codepipeline_backends

        backend = codepipeline_backends[account_id][region_name]
        if resource_name in backend.pipelines:
            backend.delete_pipeline(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_from_cloudformation_json(self.name, {}, account_id, region_name)


class ChangeSetCloudFormationBackend(CloudFormationBackend):
    """CloudFormation's backend with ExecuteChangeSet refreshing the stack's outputs (moto keeps the
    outputs it computed at CreateChangeSet time, before any resource existed). A module-level class, so
    the sandbox's saved state can name it."""

    def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
        super().execute_change_set(change_set_name, stack_name)
        for stack in self.stacks.values():
            if (
                stack.name == stack_name
                or stack.stack_id == stack_name
                or any(
                    cs.stack_id == stack.stack_id
                    for key, cs in self.change_sets.items()
                    if key == change_set_name or cs.change_set_name == change_set_name
                )
            ):
                stack._parse_template()
                stack.output_map = stack._create_output_map()

    def resume(self, services: list[Any]) -> int:
        """After a restart, point the stacks at the live resources again.

        Each service's state is saved on its own, so a stack's resources come back as copies of the
        objects the other services hold; deleting or updating a copy would miss the real one (an Events
        rule would lose its targets on the copy only). Each copy is replaced by the live resource of the
        same type and physical id in ``services`` (the other services' backends). Returns how many."""
        live = _resources_by_physical_id(services)
        relinked = 0
        for stack in [*self.stacks.values(), *self.deleted_stacks.values()]:
            resources = getattr(getattr(stack, "resource_map", None), "_parsed_resources", {})
            for logical_id, resource in list(resources.items()):
                if isinstance(resource, CloudFormationModel):
                    match = live.get((type(resource), _physical_id(resource)))
                    if match is not None and match is not resource:
                        resources[logical_id] = match
                        relinked += 1
        return relinked


def _physical_id(resource: Any) -> str | None:
    try:
        return str(resource.physical_resource_id)
    except Exception:  # some models compute it from state they no longer have
        return None


def _resources_by_physical_id(roots: list[Any], max_depth: int = 6) -> dict[tuple[type, str | None], Any]:
    """Every CloudFormation-creatable object reachable from ``roots`` through attributes and containers."""
    from moto.core.base_backend import BaseBackend

    found: dict[tuple[type, str | None], Any] = {}
    seen: set[int] = set()
    pending: list[tuple[Any, int]] = [(root, 0) for root in roots]
    while pending:
        item, depth = pending.pop()
        if id(item) in seen or depth > max_depth:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple | set):
            children = item
        elif isinstance(item, CloudFormationModel | BaseBackend):
            if isinstance(item, CloudFormationModel):
                found.setdefault((type(item), _physical_id(item)), item)
            children = vars(item).values()
        else:
            continue
        pending.extend(
            (child, depth + 1)
            for child in children
            if isinstance(child, dict | list | tuple | set | CloudFormationModel)
        )
    return found


def _backend_class() -> type:
    return ChangeSetCloudFormationBackend


def references_with_sub(template: Any) -> list[str]:
    """Every parameter or resource a template fragment refers to: ``Ref`` and, unlike moto's own walk,
    ``Fn::Sub``'s ``${Name}`` too (so a changed parameter used in a Sub updates its resource)."""
    import re

    references: list[str] = []
    fragments = [template]
    while fragments:
        item = fragments.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "Ref" and isinstance(value, str):
                    references.append(value)
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) else value
                    if isinstance(text, str):
                        references += re.findall(r"\$\{([^}!.]+)\}", text)
                fragments.append(value)
        elif isinstance(item, list):
            fragments.extend(item)
    return references
