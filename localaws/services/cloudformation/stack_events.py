"""The events a stack's history shows that moto does not record itself: each resource's IN_PROGRESS and
COMPLETE (or FAILED) steps, and the stack's own statuses, sent to its SNS topics as moto sends its own."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import Event

from ...seams import moto as moto_seam


def record_resource_event(stack: Any, logical_id: str, resource_type: str, status: str) -> None:
    """Add one step of a resource (``CREATE_IN_PROGRESS`` and the like) to the stack's events, with the resource's
    physical id once moto has made it. Unlike ``record_stack_event`` it is not sent to the stack's SNS topics, which
    AWS notifies of resource events as well."""
    resource = moto_seam.stack_parsed_resources(stack).get(logical_id)
    physical = getattr(resource, "physical_resource_id", "") if resource is not None else ""
    stack.events.append(
        Event(stack.stack_id, stack.name, logical_id, str(physical or ""), resource_type, status, None, None)
    )


def record_stack_event(stack: Any, status: str, reason: str | None = None) -> None:
    """An event of the stack itself (not of a resource), sent to the stack's SNS topics, as moto records its own."""

    stack_type = "AWS::CloudFormation::Stack"
    event = Event(stack.stack_id, stack.name, stack.name, stack.stack_id, stack_type, status, reason, None)
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)
