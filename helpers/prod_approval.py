"""The Prod approval: which manual approval waits in a pipeline (and the token its decision must
quote), the decision itself (PutApprovalResult), and the Approve and Reject buttons a learner clicks in
notebook 04, answered in a kernel subshell while the next cell already waits for Prod
(``views.widgets.keep_responsive``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import ipywidgets as widgets
from IPython.display import display

from .core.context import Workshop
from .core.errors import ReleaseError, WorkshopError
from .views.widgets import keep_responsive


@dataclass(frozen=True)
class Approval:
    """A manual approval action that waits now: where it is, and the token ``put_approval_result`` needs."""

    pipeline: str
    stage: str
    action: str
    token: str

    def __repr__(self) -> str:
        return f"{self.pipeline}: {self.stage} / {self.action} waits for a decision (token {self.token[:8]}…)"


def waiting_approval(state: Mapping[str, Any]) -> Approval | None:
    """The approval action that waits in a ``get_pipeline_state`` answer, if one does.

    An approval waits when its latest execution is ``InProgress`` and carries a ``token``: the token
    says which request the decision answers, so an old decision cannot approve a newer run.

    Parameters
    ----------
    state
        What ``codepipeline.get_pipeline_state(name=...)`` returned.

    Returns
    -------
    Approval or None
        The pipeline, stage, action and token of the waiting approval; ``None`` when nothing waits.
    """
    for stage in state["stageStates"]:
        for action in stage.get("actionStates", []):
            latest = action.get("latestExecution", {})
            if latest.get("status") == "InProgress" and latest.get("token"):
                return Approval(state["pipelineName"], stage["stageName"], action["actionName"], latest["token"])
    return None


def pending_approval(workshop: Workshop) -> dict[str, str] | None:
    """The Prod approval waiting now (GetPipelineState).

    Returns
    -------
    dict or None
        Its ``stageName``, ``actionName`` and ``token``; ``None`` when Prod waits for nothing.
    """
    state = workshop.client("codepipeline").get_pipeline_state(name=workshop.names.pipeline("prod"))
    approval = waiting_approval(state)
    if approval is None:
        return None
    return {"stageName": approval.stage, "actionName": approval.action, "token": approval.token}


def decide(workshop: Workshop, approve: bool, comment: str) -> str:
    """Approve or reject the Prod approval waiting now (PutApprovalResult): what the buttons do.

    Returns
    -------
    str
        "Approved with comment: ..." or "Rejected with comment: ...".
    """
    approval = pending_approval(workshop)
    if approval is None:
        raise ReleaseError(
            "Prod is not waiting for an approval right now: promote qa to prod first and let it reach the approval."
        )
    status: Literal["Approved", "Rejected"] = "Approved" if approve else "Rejected"
    workshop.client("codepipeline").put_approval_result(
        pipelineName=workshop.names.pipeline("prod"),
        stageName=approval["stageName"],
        actionName=approval["actionName"],
        result={"summary": comment or status, "status": status},
        token=approval["token"],
    )
    return f"{status} with comment: {comment or '-'}"


def clear_pending_approval(workshop: Workshop, comment: str = "Superseded by a newer release") -> str:
    """Reject a Prod approval that is still waiting from an earlier run (notebook 03's first run waits for
    one): an execution holds its stage while it waits, so a newer release would queue behind it.

    Returns
    -------
    str
        What was done.
    """
    if pending_approval(workshop) is None:
        return "No Prod approval is waiting: nothing to clear."
    return decide(workshop, False, comment)


def approval(workshop: Workshop, auto_approve: bool = False, comment: str = "Looks good") -> Any:
    """Approve or Reject buttons for the Prod run waiting now, or the approval itself with ``auto_approve``.

    A click calls ``put_approval_result`` at once, even while the next cell is already waiting for Prod
    (under "Run All Cells"): the buttons are answered in a kernel subshell (``views.widgets.keep_responsive``).

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    auto_approve
        ``True`` approves without buttons: for headless runs (papermill, CI), where nobody can click.
    comment
        The comment recorded with an automatic approval (the buttons have their own comment box).

    Returns
    -------
    ipywidgets.VBox or str
        The buttons, or what was decided (or that nothing waits).
    """
    if pending_approval(workshop) is None:
        return "No Prod approval is waiting (Prod has already been through this release)."
    if auto_approve:
        return decide(workshop, True, comment)
    return approval_panel(workshop)


def approval_panel(workshop: Workshop) -> widgets.VBox:
    """A comment box with Approve and Reject buttons for the Prod approval waiting now.

    Returns
    -------
    ipywidgets.VBox
        The panel, which answers clicks while other cells run.
    """
    comment = widgets.Text(value="", placeholder="Why? (shown in the pipeline)", description="Comment")
    approve = widgets.Button(description="Approve", button_style="success", icon="check")
    reject = widgets.Button(description="Reject", button_style="danger", icon="times")
    result = widgets.HTML()

    def on_click(approved: bool) -> None:
        try:
            result.value = f"<b>{decide(workshop, approved, comment.value)}</b>"
            approve.disabled = reject.disabled = True
        except WorkshopError as error:
            result.value = f"<span style='color:#b3261e'>{error}</span>"

    approve.on_click(lambda _: on_click(True))
    reject.on_click(lambda _: on_click(False))
    panel = widgets.VBox(
        [widgets.HTML("<b>Prod is waiting for your approval.</b>"), comment, widgets.HBox([approve, reject]), result]
    )
    return keep_responsive(panel)


def answer_when_waiting(workshop: Workshop, auto_continue: object) -> None:
    """Prod waits at an approval while a cell follows its run: approved at once with ``auto_continue`` (headless
    runs), else the Approve and Reject buttons, and the cell waits (at most ``prod_timeout``) for the click."""
    waiting = pending_approval(workshop)
    if waiting is None:
        return
    if auto_continue:
        print(decide(workshop, True, f"auto_continue: {waiting['stageName']} / {waiting['actionName']}"))
        return
    display(approval_panel(workshop))
    deadline = time.monotonic() + workshop.timing.prod_timeout
    while (pending_approval(workshop) or {}).get("token") == waiting["token"]:
        if time.monotonic() > deadline:
            raise WorkshopError("Nobody answered Prod's approval in time.")
        time.sleep(workshop.timing.poll)
