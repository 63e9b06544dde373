"""CloudFormation's backend with the stack life cycle AWS has and moto lacks (change sets, failed resources
failing the stack, stacks relinked to the live resources after a restart).

The resource types the kit adds live with their services (``codebuild/cloudformation.py``,
``codepipeline/cloudformation.py``), as moto keeps its own.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.parsing import OutputMap
from moto.core.base_backend import BaseBackend
from moto.core.common_models import CloudFormationModel

from ... import account
from ...seams import moto as moto_seam
from . import validation


class ChangeSetCloudFormationBackend(CloudFormationBackend):
    """CloudFormation's backend with the stack life cycle AWS has and moto lacks (a module-level class, so
    the sandbox's saved state can name it):

    - ExecuteChangeSet refreshes the stack's outputs (moto keeps the ones it computed at CreateChangeSet
      time, before any resource existed);
    - a resource that fails to create or update fails the stack (CREATE_FAILED event, then
      ROLLBACK_COMPLETE or UPDATE_ROLLBACK_COMPLETE) instead of failing the API call and leaving the
      stack IN_PROGRESS forever; CreateStack and ExecuteChangeSet answer as on AWS, since the work
      is asynchronous there;
    - a stack created by a CREATE change set stays in REVIEW_IN_PROGRESS (with no template) until the
      change set runs: an UPDATE change set on it is refused as for a stack that does not exist, a new
      CREATE change set reuses it; a stack that rolled back its creation cannot be updated.
    """

    def create_stack(self, name: str, template: str, *args: Any, **kwargs: Any) -> Stack:
        validation.validate(template, self.region_name)  # CloudFormation validates before it starts a stack
        known = set(self.stacks)
        try:
            return super().create_stack(name, template, *args, **kwargs)
        except Exception as error:
            stack = next((s for key, s in self.stacks.items() if key not in known and s.name == name), None)
            if stack is None or not _is_resource_failure(error):
                raise
            _fail_stack(stack, error, "CREATE")
            return stack

    def create_change_set(
        self,
        stack_name: str,
        change_set_name: str,
        template: str,
        parameters: Any,
        description: str,
        change_set_type: str,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[str, str]:
        validation.validate(template, self.region_name)
        live = [s for s in self.stacks.values() if s.name == stack_name and s.status != "DELETE_COMPLETE"]
        if change_set_type == "UPDATE":
            for stack in live:
                if stack.status == "REVIEW_IN_PROGRESS":  # no template yet: for CloudFormation, no stack
                    raise ValidationError(message=f"Stack [{stack_name}] does not exist")
                if stack.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"):
                    raise ValidationError(
                        message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
                    )
        elif change_set_type == "CREATE":
            for stack in live:
                if stack.status != "REVIEW_IN_PROGRESS":
                    raise ValidationError(
                        message=f"Stack [{stack_name}] already exists and cannot be created again with the "
                        f"changeSet [{change_set_name}]."
                    )
                del self.stacks[stack.stack_id]  # the new change set takes over the template-less stub
        return super().create_change_set(
            stack_name, change_set_name, template, parameters, description, change_set_type, *args, **kwargs
        )

    def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.change_sets.get(change_set_name) or next(
            (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None
        )
        try:
            super().execute_change_set(change_set_name, stack_name)
        except Exception as error:
            if change_set is None or not _is_resource_failure(error):
                raise
            change_set.execution_status = "EXECUTE_FAILED"
            _fail_stack(self.stacks[change_set.stack_id], error, change_set.change_set_type)
            return
        for stack in list(self.stacks.values()):  # other requests add stacks meanwhile (threaded server)
            if (
                stack.name == stack_name
                or stack.stack_id == stack_name
                or any(
                    cs.stack_id == stack.stack_id
                    for key, cs in list(self.change_sets.items())
                    if key == change_set_name or cs.change_set_name == change_set_name
                )
            ):
                # moto's ExecuteChangeSet sets the new template (the change set's TemplateBody, a str) but keeps
                # the old one's parse and outputs
                stack.template_dict = Stack.parse_template(stack.template)  # type: ignore[arg-type]
                stack.output_map = OutputMap(stack.resource_map, stack.template_dict, stack.stack_id)

    def resume(self, services: list[Any]) -> int:
        """After a restart, point the stacks at the live resources again.

        Each service's state is saved on its own, so a stack's resources come back as copies of the
        objects the other services hold; deleting or updating a copy would miss the real one (an Events
        rule would lose its targets on the copy only). Each copy is replaced by the live resource of the
        same type and physical id in ``services`` (the other services' backends). Returns how many."""
        live = _resources_by_physical_id(services)
        relinked = 0
        for stack in [*self.stacks.values(), *self.deleted_stacks.values()]:
            resources = moto_seam.stack_parsed_resources(stack)
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


def _is_resource_failure(error: Exception) -> bool:
    """An error raised while a stack's resource was created or updated (see ``annotated``)."""
    return hasattr(error, "cfn_logical_id")


def _fail_stack(stack: Any, error: Exception, operation: str) -> None:
    """What CloudFormation records when a resource fails: its FAILED event, then the rollback."""

    logical_id = str(error.__dict__["cfn_logical_id"])
    resource_type = str(getattr(error, "cfn_resource_type", ""))
    service = resource_type.split("::")[1] if resource_type.count("::") == 2 else "AWS"
    code = getattr(error, "error_type", None) or getattr(error, "code", None) or type(error).__name__
    message = str(getattr(error, "message", None) or error)
    reason = (
        f'Resource handler returned message: "{message} (Service: {service}, Status Code: 400, '
        f'Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: '
        f"{'InvalidRequest' if code else 'GeneralServiceException'})"
    )
    stack.events.append(
        Event(stack.stack_id, stack.name, logical_id, "", resource_type, f"{operation}_FAILED", reason, None)
    )
    if operation == "CREATE":
        _record_stack_event(
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
        _record_stack_event(
            stack, "UPDATE_ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to update: [{logical_id}]. "
        )
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
    _record_stack_event(stack, stack.status)


def _record_stack_event(stack: Any, status: str, reason: str | None = None) -> None:
    """An event of the stack itself (not of a resource), sent to the stack's SNS topics, as moto records its own."""

    stack_type = "AWS::CloudFormation::Stack"
    event = Event(stack.stack_id, stack.name, stack.name, stack.stack_id, stack_type, status, reason, None)
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)


#: CloudFormation's handlers for these report CREATE_COMPLETE only once IAM has propagated them, so the
#: stack's later resources can use them at once (unlike a script calling the IAM API).
_IAM_TYPES_CFN_WAITS_FOR = ("AWS::IAM::Role", "AWS::IAM::InstanceProfile")


def _as_if_propagated(resource: Any) -> None:
    """Date the IAM resource back by the propagation delay: the time CloudFormation would have waited."""

    resource.create_date -= timedelta(seconds=account.current().iam_propagation_seconds)


def annotated(handler: Any) -> Any:
    """Wrap moto's per-resource create/update function so an error names the resource that raised it."""

    def call(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            resource = handler(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            if not hasattr(error, "cfn_logical_id"):
                error.cfn_logical_id = logical_id  # type: ignore[attr-defined]
                error.cfn_resource_type = resource_json.get("Type", "")  # type: ignore[attr-defined]
            raise
        if resource_json.get("Type") in _IAM_TYPES_CFN_WAITS_FOR and hasattr(resource, "create_date"):
            _as_if_propagated(resource)
        return resource

    call.__wrapped__ = handler  # type: ignore[attr-defined]
    return call


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
