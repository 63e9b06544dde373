"""CloudFormation's backend with the stack life cycle AWS has and moto lacks (change sets, failed resources
failing the stack, stacks relinked to the live resources after a restart).

Beside it: what a failed resource does to its stack (``rollback.py``), the events moto does not record
(``stack_events.py``), the wrappers of moto's template parsing (``resource_handlers.py``) and how stacks find
the live resources after a restart (``relink.py``). The resource types the kit adds live with their services
(``codebuild/cloudformation.py``, ``codepipeline/cloudformation.py``), as moto keeps its own.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.parsing import OutputMap
from moto.cloudformation.utils import generate_stack_id
from moto.core.common_models import CloudFormationModel

from ...persistence import changes
from ...persistence.requests import EVERY_SERVICE
from ...seams import moto as moto_seam
from . import validation
from .relink import physical_id, resources_by_physical_id
from .rollback import Before, fail_stack
from .stack_events import record_stack_event


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

    def create_stack(
        self,
        name: str,
        template: str,
        parameters: dict[str, Any],
        notification_arns: list[str] | None = None,
        tags: dict[str, str] | None = None,
        role_arn: str | None = None,
        enable_termination_protection: bool | None = False,
        timeout_in_mins: int | None = None,
        stack_policy_body: str | None = None,
    ) -> Stack:
        """Validate, register the stack CREATE_IN_PROGRESS and answer; its resources are created in the
        background (moto's own CreateStack, whose checks these are, creates them before it answers)."""
        validation.validate(template, self.region_name)  # CloudFormation validates before it starts a stack
        if name in [stack.name for stack in self.stacks.values()]:
            raise AlreadyExistsException(f"Stack {name} already exists")
        stack = Stack(  # type: ignore[abstract]
            stack_id=generate_stack_id(name, self.region_name, self.account_id),
            name=name,
            template=template,
            parameters=parameters,
            account_id=self.account_id,
            region_name=self.region_name,
            notification_arns=notification_arns,
            tags=tags,
            role_arn=role_arn,
            cross_stack_resources=self.exports,
            enable_termination_protection=enable_termination_protection,
            timeout_in_mins=timeout_in_mins,
            stack_policy_body=stack_policy_body,
        )
        self.stacks[stack.stack_id] = _as_async(stack)
        moto_seam.validate_export_uniqueness(self, stack)
        for export in stack.exports:
            self.exports[export.name] = export
        moto_seam.add_stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
        stack.status = "CREATE_IN_PROGRESS"
        _in_background(stack, "CREATE", stack.create_resources)
        return stack

    def update_stack(
        self,
        name: str,
        template: str,
        role_arn: str | None,
        parameters: list[dict[str, Any]],
        tags: dict[str, str] | None,
    ) -> Stack:
        """UpdateStack answers at once; the update runs in the background and rolls back if a resource fails."""
        validation.validate(template, self.region_name)
        stack = self.get_stack(name)
        _refuse_while_busy(stack)
        if stack.has_template(template) and stack.has_parameters(
            moto_seam.resolve_update_parameters(self, stack, parameters)
        ):
            raise ValidationError(message="No updates are to be performed.")
        resolved = moto_seam.resolve_update_parameters(self, stack, parameters)
        stack.status = "UPDATE_IN_PROGRESS"
        before = Before.of(stack)

        _in_background(
            stack, "UPDATE", lambda: Stack.update(stack, template, role_arn, parameters=resolved, tags=tags), before
        )
        return stack

    def delete_stack(self, name_or_stack_id: str) -> None:
        """DeleteStack answers at once with the stack DELETE_IN_PROGRESS; its resources go in the background."""
        stacks = [s for key, s in list(self.stacks.items()) if name_or_stack_id in (key, s.name)]
        for stack in stacks:
            if stack.status == "DELETE_IN_PROGRESS":
                continue
            stack.status = "DELETE_IN_PROGRESS"
            _in_background(
                stack,
                "DELETE",
                lambda stack_id=stack.stack_id: super(ChangeSetCloudFormationBackend, self).delete_stack(stack_id),
            )

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
        """Answer at once with the stack CREATE_ or UPDATE_IN_PROGRESS; the change set runs in the background."""
        named = [
            cs
            for cs in self.change_sets.values()
            if cs.change_set_name == change_set_name and stack_name in (None, cs.stack_name, cs.stack_id)
        ]  # the newest of that name on that stack, as moto's own lookup finds it
        change_set = self.change_sets.get(change_set_name) or (named[-1] if named else None)
        if change_set is None:
            return super().execute_change_set(change_set_name, stack_name)  # moto's refusal
        stack = self.stacks[change_set.stack_id]
        _refuse_while_busy(stack)
        operation = change_set.change_set_type
        before = Before.of(stack) if operation == "UPDATE" else None
        stack.status = f"{operation}_IN_PROGRESS"
        change_set.execution_status = "EXECUTE_IN_PROGRESS"

        def execute() -> None:
            try:
                super(ChangeSetCloudFormationBackend, self).execute_change_set(change_set.change_set_id, stack_name)
            except Exception:
                change_set.execution_status = "EXECUTE_FAILED"
                raise
            # moto's ExecuteChangeSet sets the new template (the change set's TemplateBody, a str) but keeps
            # the old one's parse and outputs
            stack.template_dict = Stack.parse_template(stack.template)  # type: ignore[arg-type]
            stack.output_map = OutputMap(stack.resource_map, stack.template_dict, stack.stack_id)
            if change_set.parameters:
                stack.parameters = dict(change_set.parameters)

        _in_background(stack, operation, execute, before)

    def resume(self, services: list[Any]) -> int:
        """After a restart, point the stacks at the live resources again.

        Each service's state is saved on its own, so a stack's resources come back as copies of the
        objects the other services hold; deleting or updating a copy would miss the real one (an Events
        rule would lose its targets on the copy only). Each copy is replaced by the live resource of the
        same type and physical id in ``services`` (the other services' backends). Returns how many."""
        for stack in list(self.stacks.values()):  # an operation the stopped sandbox was running is lost
            status = str(stack.status)
            if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
                failed = status.replace("_IN_PROGRESS", "_FAILED").replace("_COMPLETE_CLEANUP", "")
                stack.status = failed
                record_stack_event(stack, failed, "The sandbox stopped while this operation ran.")
        live = resources_by_physical_id(services)
        relinked = 0
        for stack in [*self.stacks.values(), *self.deleted_stacks.values()]:
            resources = moto_seam.stack_parsed_resources(stack)
            for logical_id, resource in list(resources.items()):
                if isinstance(resource, CloudFormationModel):
                    match = live.get((type(resource), physical_id(resource)))
                    if match is not None and match is not resource:
                        resources[logical_id] = match
                        relinked += 1
        return relinked


class AsyncStack(Stack):
    """A stack whose operations run in the background (module-level, so saved state can name it). While
    its resources are being created, DescribeStacks and ListStackResources show the resources made so far
    and no outputs yet, as CloudFormation does, and reading them creates nothing (moto's ResourceMap
    creates a resource on first read, which would race the operation)."""

    def __getattr__(self, key: str) -> Any:
        """moto's serializer finds ``StackName``, ``StackStatus``... on a class named Stack as ``name``,
        ``status``...: this subclass answers ``stack_name``, ``stack_status``... with them."""
        if key.startswith("stack_") and key != "stack_":
            return getattr(self, key[len("stack_") :])
        raise AttributeError(key)

    @property
    def stack_resources(self) -> Any:
        if str(self.status).endswith("_IN_PROGRESS"):
            parsed = moto_seam.stack_parsed_resources(self)
            return [r for r in list(parsed.values()) if isinstance(r, CloudFormationModel)]
        return super().stack_resources

    @property
    def outputs(self) -> list[dict[str, Any]] | None:
        if self.status in ("CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "REVIEW_IN_PROGRESS"):
            return None
        return super().outputs


def _as_async(stack: Any) -> Any:
    if isinstance(stack, Stack) and not isinstance(stack, AsyncStack):
        object.__setattr__(stack, "__class__", AsyncStack)
    return stack


#: One operation at a time per stack (kept out of the backend, whose state is saved with pickle).
_STACK_LOCKS: dict[str, threading.Lock] = {}
_STACK_LOCKS_GUARD = threading.Lock()


def _refuse_while_busy(stack: Any) -> None:
    """CloudFormation refuses a second operation on a stack while one is in progress."""
    if str(stack.status).endswith("_IN_PROGRESS") and stack.status != "REVIEW_IN_PROGRESS":
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")


def _in_background(stack: Any, operation: str, work: Any, before: Before | None = None) -> None:
    """Run a stack operation as CloudFormation does, after the API call has answered: the stack stays
    ``<operation>_IN_PROGRESS`` until ``work`` ends; a failure fails the stack and rolls it back."""
    _as_async(stack)
    with _STACK_LOCKS_GUARD:
        lock = _STACK_LOCKS.setdefault(stack.stack_id, threading.Lock())

    def run() -> None:
        with lock:
            try:
                work()
            except Exception as error:
                fail_stack(stack, error, operation, before)
            finally:
                changes.touched(EVERY_SERVICE)  # the stack's resources live in the other services

    threading.Thread(target=run, name=f"cfn-{operation.lower()}-{stack.name}", daemon=True).start()
