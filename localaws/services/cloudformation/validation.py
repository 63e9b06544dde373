"""ValidateTemplate as CloudFormation does it: the template's syntax and structure, not its properties.

AWS checks that the body is JSON or YAML, that its sections and parameter types are known, that every
resource has a type the region offers, and that every Ref, Fn::GetAtt, Fn::Sub and DependsOn names
something the template declares. Property values are checked later, when a stack creates the resource.
moto instead runs the whole cfn-lint rule set, which is stricter than AWS (it refuses templates AWS
accepts) and costs about two seconds of CPU to import and load its rules on every call.

The resource types each region offers come from cfn-lint's per-region list (one small JSON file, read
without importing cfn-lint), which cfn-lint builds from CloudFormation's own registry.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from moto.cloudformation.exceptions import ValidationError

#: CloudFormation's limit for a template passed in the request (TemplateBody).
MAX_BODY_BYTES = 51_200
SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
    }
)
PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_PARAMETER_TYPE = re.compile(
    r"^(String|Number|List<Number>|CommaDelimitedList"
    r"|AWS::SSM::Parameter::Name|AWS::SSM::Parameter::Value<.+>"
    r"|(List<)?AWS::EC2::[A-Za-z]+::[A-Za-z]+(>)?|AWS::Route53::HostedZone::Id|List<AWS::Route53::HostedZone::Id>)$"
)
#: IAM resources need CAPABILITY_IAM; with a name of their own, CAPABILITY_NAMED_IAM.
_IAM_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::UserToGroupAddition": None,
}
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def validate(body: str | None, region: str) -> dict[str, Any]:
    """ValidateTemplate's answer for ``body`` (Parameters, Description, Capabilities, ...); a
    ValidationError with CloudFormation's message when the template is not valid."""
    if not body:
        raise ValidationError(message="Either Template URL or Template Body must be specified.")
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValidationError(
            message="1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_BODY_BYTES}"
        )
    template = parse(body)
    unknown = sorted(set(template) - SECTIONS)
    if unknown:
        raise ValidationError(
            message=f"Template format error: Invalid template property or properties [{', '.join(unknown)}]"
        )
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(message="Template format error: At least one Resources member must be defined.")
    parameters = template.get("Parameters") or {}
    _check_parameter_types(parameters)
    _check_resource_types(resources, region)
    declared = set(parameters) | set(resources) | PSEUDO_PARAMETERS
    _check_references(resources, declared, set(resources), "Resources")
    _check_references(template.get("Outputs") or {}, declared, set(resources), "Outputs")
    return _answer(template, parameters, resources)


def parse(body: str) -> dict[str, Any]:
    """The template as data: JSON when it reads as JSON, else YAML with CloudFormation's short forms."""
    if body.lstrip().startswith("{"):
        try:
            template = json.loads(body)
        except json.JSONDecodeError as error:
            raise ValidationError(
                message=f"Template format error: JSON not well-formed. (line {error.lineno}, column {error.colno})"
            ) from None
    else:
        try:
            template = yaml.load(body, Loader=_TemplateLoader)  # a SafeLoader subclass
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise ValidationError(message=f"Template format error: YAML not well-formed.{where}") from None
        except yaml.YAMLError:
            raise ValidationError(message="Template format error: YAML not well-formed.") from None
    if not isinstance(template, dict):
        raise ValidationError(message="Template format error: unsupported structure.")
    return template


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms: ``!Ref X`` is ``{"Ref": "X"}``, ``!Sub s`` is ``{"Fn::Sub": s}``."""


def _short_form(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag == "!GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if tag == "!Ref" else f"Fn::{tag[1:]}": value}


_TemplateLoader.add_multi_constructor("!", _short_form)


def _check_parameter_types(parameters: Any) -> None:
    if not isinstance(parameters, dict):
        raise ValidationError(message="Template format error: Parameters section must be a JSON object.")
    for declaration in parameters.values():
        kind = declaration.get("Type") if isinstance(declaration, dict) else None
        if kind is None:
            raise ValidationError(message="Template format error: Every Parameters object must contain a Type member.")
        if not _PARAMETER_TYPE.match(str(kind)):
            raise ValidationError(message=f"Template format error: Unrecognized parameter type: {kind}")


def _check_resource_types(resources: dict[str, Any], region: str) -> None:
    offered = resource_types(region)
    unrecognized = []
    for declaration in resources.values():
        kind = declaration.get("Type") if isinstance(declaration, dict) else None
        if not isinstance(kind, str) or not kind:
            raise ValidationError(message="Template format error: Every Resources object must contain a Type member.")
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            continue
        if offered is not None and kind not in offered:
            unrecognized.append(kind)
    if unrecognized:
        raise ValidationError(
            message=f"Template format error: Unrecognized resource types: [{', '.join(sorted(set(unrecognized)))}]"
        )


@cache
def resource_types(region: str) -> frozenset[str] | None:
    """The resource types CloudFormation offers in ``region``, from cfn-lint's list; None when that list
    is not installed (then every type is taken as offered)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return None
    providers = Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas" / "providers"
    listing = providers / f"{region}.json"
    if not listing.is_file():
        listing = providers / "us-east-1.json"
    return frozenset(json.loads(listing.read_text()))


def _check_references(section: Any, declared: set[str], resources: set[str], block: str) -> None:
    unresolved: list[str] = []
    for entry in section.values() if isinstance(section, dict) else ():
        if not isinstance(entry, dict):
            continue
        depends_on = entry.get("DependsOn", [])
        for name in [depends_on] if isinstance(depends_on, str) else depends_on:
            if name not in resources:
                unresolved.append(str(name))
        _walk(entry, declared, resources, unresolved)
    if unresolved:
        names = ", ".join(dict.fromkeys(unresolved))
        raise ValidationError(
            message=f"Template format error: Unresolved resource dependencies [{names}] in the {block} block "
            "of the template"
        )


def _walk(value: Any, declared: set[str], resources: set[str], unresolved: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _walk(item, declared, resources, unresolved)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (function, argument), *_ = value.items()
        if function == "Ref" and isinstance(argument, str):
            if argument not in declared:
                unresolved.append(argument)
            return
        if function == "Fn::GetAtt":
            target = argument.split(".", 1)[0] if isinstance(argument, str) else (argument or [None])[0]
            if isinstance(target, str) and target not in resources:
                raise ValidationError(
                    message=f"Template error: instance of Fn::GetAtt references undefined resource {target}"
                )
        if function == "Fn::Sub":
            text, variables = _sub_arguments(argument)
            for name in _SUB_VARIABLE.findall(text):
                base = name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name
                if base not in declared and name not in variables:
                    unresolved.append(base)
            _walk(variables, declared, resources, unresolved)
            return
    for item in value.values():
        _walk(item, declared, resources, unresolved)


def _sub_arguments(argument: Any) -> tuple[str, dict[str, Any]]:
    """Fn::Sub's string and variables: ``"text"`` or ``["text", {variables}]``, as CloudFormation accepts."""
    if isinstance(argument, str):
        return argument, {}
    if isinstance(argument, list) and len(argument) == 2:
        text, variables = argument
        if isinstance(text, str) and isinstance(variables, dict):
            return text, variables
    raise ValidationError(
        message="Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. "
        "Specify a string as first argument, and an optional second argument to specify a mapping of values "
        "to replace in the string"
    )


def _answer(template: dict[str, Any], parameters: dict[str, Any], resources: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "Parameters": [
            {
                "ParameterKey": name,
                **({"DefaultValue": str(p["Default"])} if "Default" in p else {}),
                "NoEcho": str(p.get("NoEcho", "false")).lower() == "true",
                **({"Description": p["Description"]} if "Description" in p else {}),
            }
            for name, p in parameters.items()
        ],
        "Description": template.get("Description", ""),
        "Capabilities": [],
        "DeclaredTransforms": [],
    }
    transform = template.get("Transform")
    if transform:
        answer["DeclaredTransforms"] = [transform] if isinstance(transform, str) else list(transform)
    iam = sorted({d["Type"] for d in resources.values() if d["Type"] in _IAM_NAME_PROPERTIES})
    if iam:
        named = any(
            _IAM_NAME_PROPERTIES[d["Type"]] in (d.get("Properties") or {})
            for d in resources.values()
            if _IAM_NAME_PROPERTIES.get(d["Type"])
        )
        answer["Capabilities"] = ["CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"]
        answer["CapabilitiesReason"] = f"The following resource(s) require capabilities: [{', '.join(iam)}]"
    return answer
