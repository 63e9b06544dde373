"""ValidateTemplate as CloudFormation does it: the template's syntax and structure, not its properties.

AWS checks that the body is JSON or YAML, that its sections and parameter types are known, that every
resource has a type the region offers, that every Ref, Fn::GetAtt, Fn::Sub and DependsOn names
something the template declares, that every condition a resource, an output or Fn::If names is declared
(and that Conditions refer to parameters, not resources), that Fn::FindInMap has its arguments and finds
what it names literally, and that the resources' dependencies have no cycle. Property values are checked
later, when a stack creates the resource.
moto instead runs the whole cfn-lint rule set, which is stricter than AWS (it refuses templates AWS
accepts) and costs about two seconds of CPU to import and load its rules on every call.

The template is read in ``template_body.py``, its references checked in ``references.py`` and its dependencies'
cycles in ``cycles.py``; this module checks its sections and types and answers.

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

from moto.cloudformation.exceptions import ValidationError

from .cycles import check_cycles
from .references import PSEUDO_PARAMETERS, Scope, check_conditions, check_references, mappings_of
from .template_body import parse

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
    conditions = check_conditions(template.get("Conditions"), set(parameters), set(resources))
    scope = Scope(declared, set(resources), conditions, mappings_of(template.get("Mappings")))
    check_references(resources, scope, "Resources")
    check_references(template.get("Outputs") or {}, scope, "Outputs")
    check_cycles(resources)
    return _answer(template, parameters, resources)


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
