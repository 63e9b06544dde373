"""What the kit wraps around moto's template parsing: each resource's create and update handler records the
resource's events and names the resource in the error it raises (``annotated``), IAM resources are made as if
propagated, and the references a fragment makes include Fn::Sub's (``references_with_sub``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from moto.cloudformation import models as moto_models
from moto.cloudformation.models import Event

from ... import account
from ...seams import moto as moto_seam
from .stack_events import record_resource_event

#: CloudFormation's handlers for these report CREATE_COMPLETE only once IAM has propagated them, so the
#: stack's later resources can use them at once (unlike a script calling the IAM API).
_IAM_TYPES_CFN_WAITS_FOR = ("AWS::IAM::Role", "AWS::IAM::InstanceProfile")


def _as_if_propagated(resource: Any) -> None:
    """Date the IAM resource back by the propagation delay: the time CloudFormation would have waited."""

    resource.create_date -= timedelta(seconds=account.current().iam_propagation_seconds)


def annotated(handler: Any) -> Any:
    """Wrap moto's per-resource create/update function so an error names the resource that raised it."""

    operation = "UPDATE" if "update" in getattr(handler, "__name__", "") else "CREATE"

    def call(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        stack = _stack_of(args[0] if args else kwargs.get("resources_map"))
        kind = str(resource_json.get("Type", ""))
        try:
            resource = handler(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            if stack is not None:  # its FAILED event follows (``fail_stack``)
                record_resource_event(stack, logical_id, kind, f"{operation}_IN_PROGRESS")
            if not hasattr(error, "cfn_logical_id"):
                error.cfn_logical_id = logical_id  # type: ignore[attr-defined]
                error.cfn_resource_type = resource_json.get("Type", "")  # type: ignore[attr-defined]
            raise
        if resource_json.get("Type") in _IAM_TYPES_CFN_WAITS_FOR and hasattr(resource, "create_date"):
            _as_if_propagated(resource)
        if stack is not None and resource is not None:  # None: its Condition is false, nothing was made
            physical = getattr(resource, "physical_resource_id", "")
            record_resource_event(stack, logical_id, kind, f"{operation}_IN_PROGRESS")
            stack.events.append(
                Event(
                    stack.stack_id,
                    stack.name,
                    logical_id,
                    str(physical or ""),
                    kind,
                    f"{operation}_COMPLETE",
                    None,
                    None,
                )
            )
        return resource

    call.__wrapped__ = handler  # type: ignore[attr-defined]
    return call


def _stack_of(resources: Any) -> Any:
    """The stack whose ResourceMap this is (None for a map no stack holds, e.g. a change set's preview)."""
    try:
        stack_id = resources["AWS::StackId"]
        account, region = moto_seam.resource_map_place(resources)
        backend = moto_models.cloudformation_backends[account][region]
    except Exception:
        return None
    return backend.stacks.get(stack_id)


def references_with_sub(template: Any) -> list[str]:
    """Every parameter or resource a template fragment refers to: ``Ref`` and, unlike moto's own walk,
    ``Fn::Sub``'s ``${Name}`` too (so a changed parameter used in a Sub updates its resource)."""

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
