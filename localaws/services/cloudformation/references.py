"""What a template's references must name: a Ref a parameter, a resource or a pseudo parameter, Fn::GetAtt a
resource, Fn::Sub's variables something declared, a Condition (or Fn::If) a declared condition, Fn::FindInMap a
mapping it finds. Conditions are evaluated before any resource exists, so they may refer to parameters only."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cloudformation.exceptions import ValidationError

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
#: A variable of Fn::Sub's string (``${Name}``, ``${Resource.Attribute}``; ``${!Literal}`` is none).
SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass(frozen=True)
class Scope:
    """What a template declares, for the references its resources and outputs make."""

    declared: set[str]  # parameters, resources and pseudo parameters: what Ref may name
    resources: set[str]
    conditions: set[str]
    mappings: dict[str, Any]


def mappings_of(section: Any) -> dict[str, Any]:
    """The template's Mappings, which Fn::FindInMap's lookups are checked against; a Mappings section that is not an
    object is refused with CloudFormation's "Template format error"."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ValidationError(message="Template format error: Mappings section must be a JSON object.")
    return section


def check_conditions(section: Any, parameters: set[str], resources: set[str]) -> set[str]:
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


def check_references(section: Any, scope: Scope, block: str) -> None:
    """Check the references of every entry of a section (Resources or Outputs, which ``block`` names in the message):
    DependsOn and Ref to names the template declares, Condition and Fn::If to declared conditions, and Fn::GetAtt,
    Fn::Sub and Fn::FindInMap. ValidationError with CloudFormation's message, listing every unresolved name at once."""
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


def _walk(value: Any, scope: Scope, unresolved: list[str]) -> None:
    """Every reference under ``value`` checked against ``scope``: a Ref to nothing declared is collected in
    ``unresolved`` (CloudFormation names them all at once), the other intrinsic functions refuse at once."""
    if isinstance(value, list):
        for item in value:
            _walk(item, scope, unresolved)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (function, argument), *_ = value.items()
        check = _INTRINSIC_FUNCTIONS.get(function)
        if check is not None and check(argument, scope, unresolved):
            return
    for item in value.values():
        _walk(item, scope, unresolved)


# Each intrinsic function's check answers whether it walked all its argument needs (True), or whether the
# argument is still to be walked as any other value (False).


def _ref(argument: Any, scope: Scope, unresolved: list[str]) -> bool:
    if not isinstance(argument, str):
        return False
    if argument not in scope.declared:
        unresolved.append(argument)
    return True


def _get_att(argument: Any, scope: Scope, unresolved: list[str]) -> bool:
    target = argument.split(".", 1)[0] if isinstance(argument, str) else (argument or [None])[0]
    if isinstance(target, str) and target not in scope.resources:
        raise ValidationError(message=f"Template error: instance of Fn::GetAtt references undefined resource {target}")
    return False


def _sub(argument: Any, scope: Scope, unresolved: list[str]) -> bool:
    text, variables = _sub_arguments(argument)
    for name in SUB_VARIABLE.findall(text):
        base = name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name
        if base not in scope.declared and name not in variables:
            unresolved.append(base)
    _walk(variables, scope, unresolved)
    return True


def _if(argument: Any, scope: Scope, unresolved: list[str]) -> bool:
    if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
        raise ValidationError(message="Template error: Fn::If requires a list argument with three elements")
    if argument[0] not in scope.conditions:
        raise ValidationError(message=f"Template error: unresolved condition dependency {argument[0]} in Fn::If")
    _walk(argument[1:], scope, unresolved)
    return True


def _find_in_map(argument: Any, scope: Scope, unresolved: list[str]) -> bool:
    _check_find_in_map(argument, scope.mappings)
    return False


_INTRINSIC_FUNCTIONS: dict[str, Callable[[Any, Scope, list[str]], bool]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
}


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
