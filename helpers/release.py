"""Notebook 04: change the app, follow the run it starts, approve Prod, and see what each environment
runs. Every step is a CodeCommit or CodePipeline API call, the same on AWS and on the sandbox.

The calls that carry the lesson (``merge_branches_by_fast_forward``, ``get_pipeline_state``,
``put_approval_result``, ``start_pipeline_execution``) are written out in the notebook's cells; this
module keeps what would only distract there: finding the run a change started, waiting for it with a
live table, the approval buttons, and the git plumbing. Each step that starts a run returns a
``Release``, whose ``watch()`` follows that run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ipywidgets as widgets
import pandas as pd

from .app_message import APP_FILE, has_message_line, read_app, with_empty_message, with_message
from .context import Workshop
from .errors import WorkshopError
from .git_cli import clone, clone_url, commit_and_push
from .gitflow import branch_head, commit_file, fast_forward, revert_breaking_commit
from .inventory import environment_urls, fetch
from .naming import BRANCHES, ENVIRONMENTS
from .pipelines import ENV_LABELS, FINISHED, RunSummary, latest_execution_ids, latest_run, watch
from .release_error import ReleaseError
from .ui import keep_responsive
from .ui_table import StatusTable

#: This module's own names, and ``clone_url``, which notebook 04 calls from ``git_cli``.
__all__ = [
    "BREAKING_COMMIT",
    "ENVIRONMENT_OF_BRANCH",
    "Approval",
    "Release",
    "ReleaseError",
    "approval",
    "approval_panel",
    "break_the_build",
    "change_message",
    "clear_pending_approval",
    "clone_url",
    "decide",
    "environments",
    "next_run",
    "pending_approval",
    "promote",
    "push_message_change",
    "revert_last_commit",
    "snapshot",
    "waiting_approval",
    "watch_environment",
    "with_first_action",
    "with_stage",
]

ENVIRONMENT_OF_BRANCH = {branch: env for env, branch in BRANCHES.items()}


# -- the handle a release step returns ---------------------------------------------------------------
@dataclass
class Release:
    """A change on its way to one environment: what was committed, and how to follow the run it starts.

    Made just before the change (``next_run``) or returned by the step that makes it
    (``change_message``, ``push_message_change``, ...). It remembers the pipeline's newest execution
    before the change, so ``watch`` follows only the run that came after.
    """

    workshop: Workshop = field(repr=False)
    environment: str
    after: dict[str, str] = field(repr=False)
    change: dict[str, str] = field(default_factory=dict)

    def watch(self, until: Literal["finished", "approval"] = "finished", timeout: float | None = None) -> RunSummary:
        """Follow this environment's run after the change, in a table that updates in place.

        Parameters
        ----------
        until
            ``"finished"`` (the default) waits until the run succeeds, fails or is superseded;
            ``"approval"`` stops as soon as the run waits for a manual approval (Prod).
        timeout
            Seconds to wait; by default 30 minutes for Prod (3 hours on AWS, where a human approves),
            3 minutes elsewhere on the sandbox and an hour on AWS.

        Returns
        -------
        RunSummary
            The run's last row (execution, commit, stage, action, status, detail), shown as one line.
        """
        return watch_environment(
            self.workshop, self.environment, self.after, stop_at_approval=until == "approval", timeout=timeout
        )

    def __repr__(self) -> str:
        what = ", ".join(f"{key}: {value}" for key, value in self.change.items())
        return f"{ENV_LABELS[self.environment]} will run this change ({what}). Follow it with .watch()."

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in self.change.items())
        return (
            f"<table>{rows}</table><p>{ENV_LABELS[self.environment]} will run this change: follow it with "
            "<code>.watch()</code>.</p>"
        )


def next_run(workshop: Workshop, environment: str) -> Release:
    """A handle on the next run of an environment's pipeline, made *before* the call that starts it.

    Use it around a call the notebook makes itself (a merge, ``start_pipeline_execution``): take the
    handle, make the call, then ``run.watch()``.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    environment
        ``"dev"``, ``"qa"`` or ``"prod"``.

    Returns
    -------
    Release
        Its ``watch()`` follows the first run that starts after this call.
    """
    if environment not in ENVIRONMENTS:
        raise ReleaseError(f"Unknown environment {environment!r}: choose one of {', '.join(ENVIRONMENTS)}.")
    return Release(workshop, environment, latest_execution_ids(workshop))


def _commit_release(workshop: Workshop, branch: str, commit: Any) -> Release:
    """Take the handle, then commit (``commit()`` returns the row that says what was committed)."""
    run = next_run(workshop, ENVIRONMENT_OF_BRANCH[branch])
    run.change = commit()
    return run


# -- changes to the app ------------------------------------------------------------------------------
def change_message(workshop: Workshop, new_message: str, branch: str = "master") -> Release:
    """Commit ``app.js`` with a new ``MESSAGE`` to ``branch``: the change that starts the Dev pipeline.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    new_message
        What the app will answer once the change is deployed.
    branch
        The branch to commit to; ``master`` feeds Dev.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the run the commit starts.
    """
    source = read_app(workshop, branch)
    if not has_message_line(source):
        raise ReleaseError("app.js has no line `const MESSAGE = ...;` to change.")
    updated = with_message(source, new_message)
    return _commit_release(
        workshop, branch, lambda: commit_file(workshop, APP_FILE, updated, f"Say {new_message!r}", branch)
    )


BREAKING_COMMIT = "Empty the message (this breaks the unit test)"


def break_the_build(workshop: Workshop) -> Release:
    """Commit an empty ``MESSAGE`` to ``master``: the unit test "the message is a non-empty greeting"
    fails in BuildApp, so the Dev pipeline stops at Build and nothing is deployed.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the Dev run that fails.
    """
    broken = with_empty_message(read_app(workshop))
    return _commit_release(workshop, "master", lambda: commit_file(workshop, APP_FILE, broken, BREAKING_COMMIT))


def revert_last_commit(workshop: Workshop, branch: str = "master") -> Release:
    """Undo the breaking commit: commit the parent's version of every file it changed (what
    ``git revert`` does), through GetDifferences and CreateCommit.

    Nothing is committed when the last commit is not the breaking one, so a re-run is harmless.

    Returns
    -------
    Release
        What was committed; its ``watch()`` follows the Dev run that deploys the fixed app.
    """
    return _commit_release(workshop, branch, lambda: revert_breaking_commit(workshop, branch, BREAKING_COMMIT))


def promote(workshop: Workshop, source: str, target: str) -> Release:
    """Fast-forward ``target`` to ``source`` (master → qa, qa → prod): what starts the next pipeline.

    Notebook 04 makes this call in a cell of its own; this function is the same call with a clear
    message when ``target`` has commits ``source`` lacks (for scripts and tests).

    Returns
    -------
    Release
        The merge; its ``watch()`` follows the run of ``target``'s environment.
    """
    return _commit_release(workshop, target, lambda: fast_forward(workshop, source, target))


def push_message_change(workshop: Workshop, new_message: str, folder: str | Path | None = None) -> Release:
    """Edit ``app.js`` in a working copy, commit, and ``git push`` to master: the git way to start Dev.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    new_message
        What the app will answer once Dev has deployed the push.
    folder
        Where the working copy lives; by default a folder under ``WORKSHOP_HOME``.

    Returns
    -------
    Release
        The pushed commit and the last line git printed; its ``watch()`` follows the Dev run.
    """
    target = clone(workshop, folder)

    def push() -> dict[str, str]:
        app = target / APP_FILE
        app.write_text(with_message(app.read_text(), new_message))
        return commit_and_push(target, f"Say {new_message!r} (pushed with git)")

    return _commit_release(workshop, "master", push)


# -- following runs ----------------------------------------------------------------------------------
def snapshot(workshop: Workshop) -> dict[str, str]:
    """The newest execution of each pipeline now, so a watch follows only what comes after.

    Returns
    -------
    dict
        Execution id by environment (environments without any run are left out).
    """
    return latest_execution_ids(workshop)


def watch_environment(
    workshop: Workshop, env: str, after: dict[str, str], stop_at_approval: bool = False, timeout: float | None = None
) -> RunSummary:
    """Follow the run of ``env`` that started after ``after`` until it finishes (or, with
    ``stop_at_approval``, until it waits for an approval). ``Release.watch`` is the friendlier face.

    Returns
    -------
    RunSummary
        The run's last row, by environment.
    """
    branch = BRANCHES[env]

    def done(rows: dict[str, dict[str, Any]]) -> bool:
        row = rows[env]
        if not row["execution"]:  # no new run: fine if the branch's head has already been through one
            newest = latest_run(workshop, env)
            return newest["status"] in FINISHED and newest["commit"] == branch_head(workshop, branch)[:8]
        return row["status"] in FINISHED or (stop_at_approval and row["status"] == "Waiting")

    if timeout is None and env == "prod":
        timeout = workshop.timing.prod_timeout
    return watch(workshop, done, envs=(env,), after=after, timeout=timeout)


# -- the manual approval -----------------------------------------------------------------------------
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
    (under "Run All Cells"): the buttons are answered in a kernel subshell (``ui.keep_responsive``).

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


# -- what each environment runs ----------------------------------------------------------------------
def environments(workshop: Workshop) -> StatusTable:
    """What each environment runs now, from the branch to the answer of its URL.

    Returns
    -------
    StatusTable
        One row per environment: branch, branch commit, image tag, task definition revision, URL, and
        what the URL answers.
    """
    ecs = workshop.client("ecs")
    urls = environment_urls(workshop)
    rows = []
    for env in ENVIRONMENTS:
        service = ecs.describe_services(cluster=workshop.names.cluster(env), services=[workshop.names.service(env)])[
            "services"
        ][0]
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        image = next(
            (c["image"] for c in definition["containerDefinitions"] if c["name"] == workshop.settings.container_name),
            "",
        )
        status, body = fetch(urls[env])
        rows.append(
            {
                "environment": env,
                "branch": BRANCHES[env],
                "branch commit": branch_head(workshop, BRANCHES[env])[:8],
                "image tag": image.rsplit(":", 1)[-1] if "dkr.ecr" in image else "placeholder",
                "task definition": f"{definition['family']}:{definition['revision']}",
                "url": urls[env] or "",
                "answers": body.strip()[:80] if status == 200 else f"HTTP {status}: {body[:60]}",
            }
        )
    return StatusTable(pd.DataFrame(rows).set_index("environment"), "What each environment runs now.")


# -- going further: changing a pipeline's definition -------------------------------------------------
def with_stage(declaration: dict[str, Any], stage: dict[str, Any], before: str) -> dict[str, Any]:
    """A ``get_pipeline`` declaration with ``stage`` inserted before the stage named ``before``.

    A stage of the same name is replaced rather than added twice, so the cell that calls
    ``update_pipeline`` with the result can be run again.

    Parameters
    ----------
    declaration
        ``codepipeline.get_pipeline(name=...)["pipeline"]``.
    stage
        The new stage, as ``update_pipeline`` expects it (``name`` and ``actions``).
    before
        The name of the stage it goes in front of.

    Returns
    -------
    dict
        The declaration to pass to ``update_pipeline(pipeline=...)``.
    """
    stages = [s for s in declaration["stages"] if s["name"] != stage["name"]]
    names = [s["name"] for s in stages]
    if before not in names:
        raise ReleaseError(f"The pipeline has no stage {before!r} (its stages: {', '.join(names)}).")
    stages.insert(names.index(before), stage)
    return {**declaration, "stages": stages}


def with_first_action(declaration: dict[str, Any], stage_name: str, action: dict[str, Any]) -> dict[str, Any]:
    """A ``get_pipeline`` declaration whose stage ``stage_name`` runs ``action`` before its other actions.

    The action gets ``runOrder`` 1 and the stage's other actions move one step later; an action of the
    same name is replaced, so the cell can be run again.

    Returns
    -------
    dict
        The declaration to pass to ``update_pipeline(pipeline=...)``.
    """
    stages = []
    for stage in declaration["stages"]:
        if stage["name"] == stage_name:
            others = [a for a in stage["actions"] if a["name"] != action["name"]]
            first_order = min((a.get("runOrder", 1) for a in others), default=2)
            shift = 1 if first_order <= 1 else 0
            others = [{**a, "runOrder": a.get("runOrder", 1) + shift} for a in others]
            stage = {**stage, "actions": [{**action, "runOrder": 1}, *others]}
        stages.append(stage)
    if stage_name not in [s["name"] for s in stages]:
        raise ReleaseError(f"The pipeline has no stage {stage_name!r}.")
    return {**declaration, "stages": stages}
