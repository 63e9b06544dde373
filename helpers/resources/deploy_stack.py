"""Deploying the kit's CloudFormation templates: change sets with an explicit type, a clear "no
changes" when nothing changed, stack events as progress, and a readable result.

Two AWS behaviours are handled here: a stack whose first change set failed stays in
REVIEW_IN_PROGRESS without a template (an UPDATE change set is refused for it), so it is deleted and
created anew; and a build project or pipeline created seconds after its role is refused until IAM
has propagated the role, so such a failure is retried."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pandas as pd
from botocore.exceptions import ClientError

from ..core import links
from ..core.aws_errors import is_not_found
from ..core.context import Workshop
from ..core.errors import ResourceConflictError, WorkshopError
from ..core.paths import DATA_DIR
from ..views.table import StatusTable
from .base import retry_while_iam_propagates
from .stacks import STACKS

TEMPLATES = DATA_DIR / "templates"
_DONE = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "ROLLBACK_COMPLETE",
    "CREATE_FAILED",
    "ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_FAILED",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
}
_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
_CLOCK_SKEW = timedelta(minutes=1)  # this machine's clock against AWS's event timestamps
#: How CodeBuild and CodePipeline refuse a role IAM has not propagated to them yet.
_ROLE_NOT_ASSUMABLE = re.compile(r"not authorized to perform:?\s+(sts:)?AssumeRole", re.IGNORECASE)


class StackError(WorkshopError):
    """A stack did not reach a complete state; the message carries CloudFormation's reasons."""


@dataclass
class StackResult:
    name: str
    status: str
    change: str  # created | updated | no changes
    resources: list[Any] = field(default_factory=list)  # StackResource entries
    outputs: dict[str, str] = field(default_factory=dict)
    #: The outputs as the table shows them, links made openable (``links.shown_value``); None: ``outputs``.
    shown_outputs: dict[str, str] | None = None

    def _frame(self) -> pd.DataFrame:
        rows = [
            {
                "stack": self.name,
                "status": self.status,
                "change": self.change,
                "resource": r["LogicalResourceId"],
                "type": r["ResourceType"],
                "physical id": r.get("PhysicalResourceId", ""),
            }
            for r in self.resources
        ]
        rows += [
            {
                "stack": self.name,
                "status": self.status,
                "change": self.change,
                "resource": f"output {k}",
                "type": "Output",
                "physical id": v,
            }
            for k, v in (self.outputs if self.shown_outputs is None else self.shown_outputs).items()
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return StatusTable(self._frame(), self._caption())._repr_html_()

    def __repr__(self) -> str:
        return repr(StatusTable(self._frame(), self._caption()))

    def _caption(self) -> str:
        icon = "✅" if self.status in _OK else "❌"
        return f"{icon} {self.name}: {self.status} ({self.change})"


def template_body(name: str) -> str:
    """The text of ``data/templates/<name>``, read at every deployment: an edited template is what the next
    change set compares with the stack."""
    return (TEMPLATES / name).read_text()


def deploy_stack(
    workshop: Workshop, stack_name: str, template: str, parameters: dict[str, str], key: str
) -> StackResult:
    """Create or update ``stack_name`` from ``data/templates/<template>`` through a change set; a
    failure because a new IAM role is not assumable yet is retried while IAM propagates."""
    return retry_while_iam_propagates(
        workshop,
        f"Stack {stack_name}",
        lambda: _deploy_once(workshop, stack_name, template, parameters, key),
        lambda error: isinstance(error, StackError) and bool(_ROLE_NOT_ASSUMABLE.search(str(error))),
    )


def _deploy_once(
    workshop: Workshop, stack_name: str, template: str, parameters: dict[str, str], key: str
) -> StackResult:
    cfn = workshop.client("cloudformation")
    body = template_body(template)
    cfn.validate_template(TemplateBody=body)
    existing = _describe(cfn, stack_name)
    if existing is not None and not workshop.is_ours(existing.get("Tags")):
        raise ResourceConflictError("CloudFormation stack", stack_name, workshop.prefix)
    # A stack whose creation failed (ROLLBACK_COMPLETE) cannot be updated, and one whose first change
    # set failed (REVIEW_IN_PROGRESS) has no template to update: both are deleted and created anew.
    if existing is not None and existing["StackStatus"] in ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"):
        cfn.delete_stack(StackName=stack_name)
        _wait(workshop, stack_name, deleting=True)
        existing = None
    if existing is not None and _unchanged(cfn, existing, body, parameters):
        return _result(workshop, stack_name, "no changes", key)
    change_type: Literal["CREATE", "UPDATE"] = "UPDATE" if existing is not None else "CREATE"
    change_set = f"{stack_name}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    cfn.create_change_set(
        StackName=stack_name,
        ChangeSetName=change_set,
        ChangeSetType=change_type,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Tags=workshop.tag_list(),
        Description=f"ECS CD workshop {workshop.prefix}",
    )
    started = datetime.now(UTC)
    status = _wait_change_set(workshop, stack_name, change_set)
    if status == "NO_CHANGES":
        cfn.delete_change_set(StackName=stack_name, ChangeSetName=change_set)
        return _result(workshop, stack_name, "no changes", key)
    if change_type == "CREATE":
        STACKS.record(
            workshop, key, name=stack_name, arn=cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackId"]
        )
    cfn.execute_change_set(StackName=stack_name, ChangeSetName=change_set)
    final = _wait(workshop, stack_name, since=started)
    if final not in _OK:
        raise StackError(
            f"Stack {stack_name} ended in {final}: "
            + "; ".join(_failure_reasons(cfn, stack_name, started))
            + ". Fix the cause and re-run this cell."
        )
    return _result(workshop, stack_name, "created" if change_type == "CREATE" else "updated", key)


def _describe(cfn: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if is_not_found(error):
            return None
        raise
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else dict(stack)


def _unchanged(cfn: Any, stack: dict[str, Any], body: str, parameters: dict[str, str]) -> bool:
    deployed = cfn.get_template(StackName=stack["StackName"])["TemplateBody"]
    deployed_text = deployed if isinstance(deployed, str) else json.dumps(deployed)
    current = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    wanted = {**{k: v for k, v in current.items() if k not in parameters}, **parameters}
    return deployed_text.strip() == body.strip() and current == wanted and stack["StackStatus"] in _OK


def _wait_change_set(workshop: Workshop, stack_name: str, change_set: str) -> str:
    cfn = workshop.client("cloudformation")
    timeout = workshop.timing.change_set_timeout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = cfn.describe_change_set(StackName=stack_name, ChangeSetName=change_set)
        status = described["Status"]
        if status == "CREATE_COMPLETE":
            return status
        if status == "FAILED":
            reason = described.get("StatusReason", "")
            if "didn't contain changes" in reason or "No updates" in reason:
                return "NO_CHANGES"
            raise StackError(f"Change set for {stack_name} failed: {reason}")
        time.sleep(workshop.timing.poll)
    raise StackError(f"Change set for {stack_name} was not ready after {timeout:.0f} s")


def _wait(workshop: Workshop, stack_name: str, since: datetime | None = None, deleting: bool = False) -> str:
    """Poll until the stack settles, printing each new stack event as plain-text progress."""
    cfn = workshop.client("cloudformation")
    seen: set[str] = set()
    timeout = workshop.timing.stack_timeout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack = _describe(cfn, stack_name)
        if stack is None:
            return "DELETE_COMPLETE"
        for event in reversed(cfn.describe_stack_events(StackName=stack_name)["StackEvents"]):
            if event["EventId"] in seen or (since and event["Timestamp"] < since):
                continue
            seen.add(event["EventId"])
            reason = f" ({event['ResourceStatusReason']})" if event.get("ResourceStatusReason") else ""
            print(f"{event['Timestamp']:%H:%M:%S} {event['LogicalResourceId']}: {event['ResourceStatus']}{reason}")
        if stack["StackStatus"] in _DONE and not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return str(stack["StackStatus"])
        time.sleep(workshop.timing.stack_poll)
    raise StackError(f"Stack {stack_name} did not settle within {timeout:.0f} s")


def _failure_reasons(cfn: Any, stack_name: str, since: datetime) -> list[str]:
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    return [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
        for e in events
        if e["ResourceStatus"].endswith("FAILED")
        and e.get("ResourceStatusReason")
        and e["Timestamp"] >= since - _CLOCK_SKEW
    ][:5] or ["no reason given"]


def _result(workshop: Workshop, stack_name: str, change: str, key: str) -> StackResult:
    cfn = workshop.client("cloudformation")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    STACKS.record(
        workshop,
        key,
        name=stack_name,
        arn=stack["StackId"],
        resources={
            r["LogicalResourceId"]: {"type": r["ResourceType"], "id": r.get("PhysicalResourceId")} for r in resources
        },
    )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    # A template's console links open on AWS only: on the sandbox they become its own pages (or a note).
    shown = {k: links.shown_value(workshop, v) for k, v in outputs.items()}
    return StackResult(stack_name, stack["StackStatus"], change, resources, outputs, shown)
