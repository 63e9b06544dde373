"""ValidateTemplate as CloudFormation does it: the template's syntax and structure, not its properties.

AWS checks that the body is JSON or YAML, that its sections and parameter types are known, that every
resource has a type the region offers, that every Ref, Fn::GetAtt, Fn::Sub and DependsOn names
something the template declares, that every condition a resource, an output or Fn::If names is declared
(and that Conditions refer to parameters, not resources), that Fn::FindInMap has its arguments and finds
what it names literally, and that the resources' dependencies have no cycle. Property values are checked
later, when a stack creates the resource.
moto instead runs the whole cfn-lint rule set, which is stricter than AWS (it refuses templates AWS
accepts) and costs about two seconds of CPU to import and load its rules on every call.

The resource types each region offers come from cfn-lint's per-region list (one small JSON file, read
without importing cfn-lint), which cfn-lint builds from CloudFormation's own registry.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
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
    conditions = _check_conditions(template.get("Conditions"), set(parameters), set(resources))
    scope = _Scope(declared, set(resources), conditions, _mappings(template.get("Mappings")))
    _check_references(resources, scope, "Resources")
    _check_references(template.get("Outputs") or {}, scope, "Outputs")
    _check_cycles(resources)
    return _answer(template, parameters, resources)


@dataclass(frozen=True)
class _Scope:
    """What a template declares, for the references its resources and outputs make."""

    declared: set[str]  # parameters, resources and pseudo parameters: what Ref may name
    resources: set[str]
    conditions: set[str]
    mappings: dict[str, Any]


def _mappings(section: Any) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ValidationError(message="Template format error: Mappings section must be a JSON object.")
    return section


def _check_conditions(section: Any, parameters: set[str], resources: set[str]) -> set[str]:
    """The declared conditions' names. A condition is evaluated before any resource exists, so one that
    refers to a resource is refused; one that names an undeclared condition is too."""
    if section is None:
        return set()
    if not isinstance(section, dict):
        raise ValidationError(message="Template format error: Conditions section must be a JSON object.")
    names = set(section)
    for definition in section.values():
        refs: list[str] = []
        conditions: list[str] = []
        _collect(definition, refs, conditions)
        to_resources = [name for name in dict.fromkeys(refs) if name in resources]
        if to_resources:
            raise ValidationError(
                message=f"Template format error: Unresolved dependencies [{', '.join(to_resources)}]. "
                "Cannot reference resources in the Conditions block of the template"
            )
        unknown = [name for name in dict.fromkeys(refs) if name not in parameters | PSEUDO_PARAMETERS]
        if unknown:
            raise ValidationError(
                message=f"Template format error: Unresolved dependencies [{', '.join(unknown)}]. "
                "Cannot reference resources in the Conditions block of the template"
            )
        for name in conditions:
            if name not in names:
                raise ValidationError(
                    message=f"Template error: unresolved condition dependency {name} in Fn::Condition"
                )
    return names


def _collect(value: Any, refs: list[str], conditions: list[str]) -> None:
    """The names a condition's definition refers to with Ref and with Condition (``!Condition Other``)."""
    if isinstance(value, list):
        for item in value:
            _collect(item, refs, conditions)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                refs.append(item)
            elif key in ("Condition", "Fn::Condition") and isinstance(item, str):
                conditions.append(item)
            else:
                _collect(item, refs, conditions)


def _check_cycles(resources: dict[str, Any]) -> None:
    """CloudFormation orders the resources by their dependencies (Ref, Fn::GetAtt, Fn::Sub, DependsOn) and
    refuses a template whose dependencies form a cycle, naming the resources in it."""
    edges = {name: _dependencies(declaration, set(resources)) for name, declaration in resources.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                ordered = [name for name in resources if name in component]
                raise ValidationError(message=f"Circular dependency between resources: [{', '.join(ordered)}]")

    for name in resources:
        if name not in index:
            connect(name)


def _dependencies(declaration: Any, resources: set[str]) -> set[str]:
    """The resources one resource depends on: what it names with DependsOn, Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if not isinstance(declaration, dict):
        return found
    depends_on = declaration.get("DependsOn", [])
    found.update(n for n in ([depends_on] if isinstance(depends_on, str) else depends_on) if n in resources)
    pending = [declaration.get("Properties"), declaration.get("Metadata")]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "Ref" and isinstance(item, str):
                    found.add(item)
                elif key == "Fn::GetAtt":
                    target = item.split(".", 1)[0] if isinstance(item, str) else (item or [None])[0]
                    if isinstance(target, str):
                        found.add(target)
                elif key == "Fn::Sub":
                    text = item[0] if isinstance(item, list) and item else item
                    if isinstance(text, str):
                        found.update(name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text))
                    pending.append(item)
                else:
                    pending.append(item)
    return found & resources


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


def _check_references(section: Any, scope: _Scope, block: str) -> None:
    unresolved: list[str] = []
    for entry in section.values() if isinstance(section, dict) else ():
        if not isinstance(entry, dict):
            continue
        depends_on = entry.get("DependsOn", [])
        for name in [depends_on] if isinstance(depends_on, str) else depends_on:
            if name not in scope.resources:
                unresolved.append(str(name))
        condition = entry.get("Condition")
        if condition is not None and condition not in scope.conditions:
            raise ValidationError(
                message=f"Template format error: Unresolved condition dependencies [{condition}] in the {block} "
                "block of the template"
            )
        _walk({k: v for k, v in entry.items() if k != "Condition"}, scope, unresolved)
    if unresolved:
        names = ", ".join(dict.fromkeys(unresolved))
        raise ValidationError(
            message=f"Template format error: Unresolved resource dependencies [{names}] in the {block} block "
            "of the template"
        )


def _walk(value: Any, scope: _Scope, unresolved: list[str]) -> None:
    declared, resources = scope.declared, scope.resources
    if isinstance(value, list):
        for item in value:
            _walk(item, scope, unresolved)
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
            _walk(variables, scope, unresolved)
            return
        if function == "Fn::If":
            if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
                raise ValidationError(message="Template error: Fn::If requires a list argument with three elements")
            if argument[0] not in scope.conditions:
                raise ValidationError(
                    message=f"Template error: unresolved condition dependency {argument[0]} in Fn::If"
                )
            _walk(argument[1:], scope, unresolved)
            return
        if function == "Fn::FindInMap":
            _check_find_in_map(argument, scope.mappings)
    for item in value.values():
        _walk(item, scope, unresolved)


def _check_find_in_map(argument: Any, mappings: dict[str, Any]) -> None:
    """Fn::FindInMap takes the map's name, a key and an attribute (and, optionally, a DefaultValue); a lookup
    whose three names are all literal must find its value."""
    with_default = (
        isinstance(argument, list)
        and len(argument) == 4
        and isinstance(argument[3], dict)
        and set(argument[3]) == {"DefaultValue"}
    )
    if not (isinstance(argument, list) and (len(argument) == 3 or with_default)):
        raise ValidationError(
            message="Template error: every Fn::FindInMap object requires three parameters, the map name, map key "
            "and the attribute for return value"
        )
    names = argument[:3]
    if with_default or not all(isinstance(name, str) for name in names):
        return
    map_name, key, attribute = names
    found = mappings.get(map_name)
    found = found.get(key) if isinstance(found, dict) else None
    if not isinstance(found, dict) or attribute not in found:
        raise ValidationError(message=f"Template error: Unable to get mapping for {map_name}::{key}::{attribute}")


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
