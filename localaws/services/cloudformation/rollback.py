"""What CloudFormation does when a stack's resource fails: the resource's FAILED event, then the rollback (a
failed create deletes what it made, a failed update puts back the template and parameters it had, ``Before``)."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from moto.cloudformation.models import Event
from moto.cloudformation.parsing import OutputMap

from ...seams import moto as moto_seam
from .stack_events import record_resource_event, record_stack_event


@dataclass(frozen=True)
class Before:
    """A stack as it was before an update: what a rollback restores."""

    template: Any
    template_dict: dict[str, Any]
    parameters: dict[str, Any]

    @classmethod
    def of(cls, stack: Any) -> Before:
        return cls(stack.template, copy.deepcopy(stack.template_dict), dict(stack.parameters or {}))


def fail_stack(stack: Any, error: Exception, operation: str, before: Before | None = None) -> None:
    """What CloudFormation records when a resource fails: its FAILED event, then the rollback."""

    logical_id = str(error.__dict__.get("cfn_logical_id") or stack.name)
    resource_type = str(getattr(error, "cfn_resource_type", "") or "AWS::CloudFormation::Stack")
    service = resource_type.split("::")[1] if resource_type.count("::") == 2 else "AWS"
    code = getattr(error, "error_type", None) or getattr(error, "code", None) or type(error).__name__
    message = str(getattr(error, "message", None) or error)
    reason = (
        f'Resource handler returned message: "{message} (Service: {service}, Status Code: 400, '
        f'Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: '
        f"{'InvalidRequest' if code else 'GeneralServiceException'})"
    )
    if operation == "DELETE":
        stack.status = "DELETE_FAILED"
        record_stack_event(stack, "DELETE_FAILED", f"The following resource(s) failed to delete: [{logical_id}]. ")
        return
    stack.events.append(
        Event(stack.stack_id, stack.name, logical_id, "", resource_type, f"{operation}_FAILED", reason, None)
    )
    if operation == "CREATE":
        record_stack_event(
            stack,
            "ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to create: [{logical_id}]. Rollback requested by user.",
        )
        try:  # roll back: delete what was created before the failure
            stack.resource_map.delete()
        except Exception:  # a resource moto cannot delete must not hide the failure itself
            pass
        stack.status = "ROLLBACK_COMPLETE"
    else:
        stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        record_stack_event(
            stack, "UPDATE_ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to update: [{logical_id}]. "
        )
        stack.status = _roll_back_update(stack, before) if before is not None else "UPDATE_ROLLBACK_COMPLETE"
    record_stack_event(stack, stack.status)


def _roll_back_update(stack: Any, before: Before) -> str:
    """Put the resources the update changed back as ``before`` had them (re-update the modified ones,
    re-create the removed ones, then delete the added ones in the cleanup phase), with their events."""
    resources = stack.resource_map
    try:
        diff = resources.build_resource_diff(before.template_dict, before.parameters)
        added = {name: moto_seam.resource_map_declarations(resources)[name]["Type"] for name in diff["Remove"]}
        resources.update(before.template_dict, before.parameters)  # each resource's events: see ``annotated``
        record_stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for logical_id, kind in added.items():
            record_resource_event(stack, logical_id, kind, "DELETE_COMPLETE")
    except Exception as error:
        record_stack_event(stack, "UPDATE_ROLLBACK_FAILED", str(getattr(error, "message", None) or error))
        return "UPDATE_ROLLBACK_FAILED"
    stack.template, stack.template_dict, stack.parameters = before.template, before.template_dict, before.parameters
    stack.output_map = OutputMap(stack.resource_map, stack.template_dict, stack.stack_id)
    return "UPDATE_ROLLBACK_COMPLETE"
