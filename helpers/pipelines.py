"""Notebooks 03 and 04: the pipeline stack, links to each pipeline, and a live view of runs that
updates in place (a table in JupyterLab, plain text in an executed notebook)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from IPython.display import display

from .build_capacity import QuotaRetries
from .core import links
from .core.context import Workshop
from .core.environments import BRANCHES, ENV_LABELS, ENVIRONMENTS
from .core.errors import WorkshopError
from .core.links import Link
from .resources.deploy_stack import StackResult, deploy_stack
from .resources.stacks import record_pipelines
from .views.table import StatusTable

FINISHED = {"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"}
_ICONS = {
    "Succeeded": "✅",
    "Failed": "❌",
    "InProgress": "⏳",
    "Stopped": "⏹",
    "Stopping": "⏹",
    "Superseded": "⏭",
    "Waiting": "✋",
}


def deploy_pipelines(workshop: Workshop) -> StackResult:
    """Create or update the stack of the three pipelines and their EventBridge branch rules.

    The template is ``data/templates/deployment-pipeline-for-all-env.yaml``; its parameters are this
    workshop's names (repository, branches, build projects, image repositories, clusters, services).
    Deployed through a change set, so a re-run with nothing changed changes nothing.

    Parameters
    ----------
    workshop
        The workshop of notebook 00 (``setup.open_workshop``).

    Returns
    -------
    StackResult
        The stack's status, what the change set did (created, updated, no changes) and its outputs.
    """
    names = workshop.names
    parameters = {
        "WorkshopPrefix": workshop.prefix,
        "CodePipelineServiceRoleName": names.codepipeline_role,
        "CodePipelineArtifactBucketName": names.artifact_bucket,
        "SNSTopicName": names.approval_topic,
        "CloudWatchEventRoleName": names.events_role,
        "CodeCommitRepositoryName": names.repository,
        "CodeBuildNodejsProjectName": names.nodejs_project,
        "CodeBuildContainerImageProjectName": names.container_image_project,
        "ECSTaskContainerName": workshop.settings.container_name,
    }
    for env in ENVIRONMENTS:
        label = ENV_LABELS[env]
        parameters.update(
            {
                f"CodePipelineNameFor{label}Env": names.pipeline(env),
                f"CodeCommitBranchNameFor{label}Env": BRANCHES[env],
                f"ECRRepositoryNameFor{label}Env": names.ecr_repository(env),
                f"ECSClusterNameFor{label}Env": names.cluster(env),
                f"ECSServiceNameFor{label}Env": names.service(env),
            }
        )
    result = deploy_stack(
        workshop, names.stack("pipelines"), "deployment-pipeline-for-all-env.yaml", parameters, key="stack/pipelines"
    )
    record_pipelines(workshop)
    return result


def pipeline_url(workshop: Workshop, env: str) -> Link:
    """The AWS console page of a pipeline, or the sandbox's own page for it, as the learner's browser opens it
    (``helpers.core.links`` decides: through the learner's server behind a hub)."""
    return links.pipeline_page(workshop, workshop.names.pipeline(env))


def show_links(workshop: Workshop) -> StatusTable:
    """Where to look at each pipeline: the AWS console, or the sandbox's own pipeline pages.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.

    Returns
    -------
    StatusTable
        One row per environment: its branch, its pipeline's name and a link to the pipeline's page.
    """
    rows = [
        {
            "environment": env,
            "branch": BRANCHES[env],
            "pipeline": workshop.names.pipeline(env),
            "view": pipeline_url(workshop, env),
        }
        for env in ENVIRONMENTS
    ]
    where = "the sandbox's own pipeline pages" if workshop.on_sandbox else "the AWS console"
    return StatusTable(pd.DataFrame(rows).set_index("environment"), f"Open each pipeline in {where}.")


# -- run status --------------------------------------------------------------------------------------
def latest_run(
    workshop: Workshop, env: str, after: str | None = None, commit: str | None = None, execution_id: str | None = None
) -> dict[str, Any]:
    """One row describing the newest execution of an environment's pipeline (after ``after``; of ``commit``, a
    commit id or its first characters, when given: every execution carries the revision it runs); or the
    execution whose id is ``execution_id``."""
    codepipeline = workshop.client("codepipeline")
    name = workshop.names.pipeline(env)
    listed = codepipeline.list_pipeline_executions(pipelineName=name, maxResults=10)["pipelineExecutionSummaries"]
    executions = _chosen(list(listed), after, commit, execution_id)
    row: dict[str, Any] = {
        "environment": env,
        "pipeline": name,
        "execution": "",
        "commit": "",
        "stage": "",
        "action": "",
        "status": "Waiting for a run",
        "elapsed": "",
        "detail": "",
    }
    if not executions:
        return row
    execution = executions[0]
    started = execution["startTime"]
    ended = execution["lastUpdateTime"] if execution["status"] in FINISHED else datetime.now(UTC)
    row.update(
        execution=execution["pipelineExecutionId"],
        status=execution["status"],
        commit=_revision(execution)[:8],
        elapsed=f"{(ended - started).total_seconds():.0f} s",
        detail=execution.get("statusSummary", ""),
    )
    state = codepipeline.get_pipeline_state(name=name)
    for stage in state["stageStates"]:
        latest = stage.get("latestExecution", {})
        if latest.get("pipelineExecutionId") != execution["pipelineExecutionId"]:
            continue
        row["stage"] = stage["stageName"]
        for action in stage["actionStates"]:
            action_latest = action.get("latestExecution", {})
            if action_latest.get("status") in ("InProgress", "Failed"):
                row["action"] = action["actionName"]
                if action_latest.get("token"):
                    row["status"] = "Waiting"
                    row["detail"] = "waiting for approval"
                    row["token"] = action_latest["token"]
                break
            row["action"] = action["actionName"]
        if latest.get("status") == "InProgress":
            break
    return row


def _chosen(executions: list[Any], after: str | None, commit: str | None, execution_id: str | None) -> list[Any]:
    """The executions (newest first) newer than ``after``, of ``commit``, with id ``execution_id``, as given."""
    if after is not None:
        ids = [e["pipelineExecutionId"] for e in executions]
        executions = executions[: ids.index(after)] if after in ids else executions
    if commit:
        executions = [e for e in executions if _revision(e).startswith(commit)]
    if execution_id:
        executions = [e for e in executions if e["pipelineExecutionId"] == execution_id]
    return executions


def _revision(execution: Mapping[str, Any]) -> str:
    """The commit an execution runs (its first source revision)."""
    revisions: list[Mapping[str, Any]] = list(execution.get("sourceRevisions") or [])
    return str(revisions[0].get("revisionId") or "") if revisions else ""


def status_table(
    workshop: Workshop,
    envs: tuple[str, ...] = ENVIRONMENTS,
    after: dict[str, str] | None = None,
    commits: dict[str, str] | None = None,
    executions: dict[str, str] | None = None,
) -> StatusTable:
    """The pipeline table ``watch`` displays first and then updates: one ``latest_run`` row per environment,
    chosen by ``after``, ``commits`` or ``executions`` as given. Approval tokens are left out."""
    return _rows_table([_row(workshop, env, after, commits, executions) for env in envs])


def _row(
    workshop: Workshop,
    env: str,
    after: dict[str, str] | None,
    commits: dict[str, str] | None,
    executions: dict[str, str] | None,
) -> dict[str, Any]:
    return latest_run(workshop, env, (after or {}).get(env), (commits or {}).get(env), (executions or {}).get(env))


def _rows_table(rows: list[dict[str, Any]], now: datetime | None = None) -> StatusTable:
    frame = pd.DataFrame(rows).drop(columns=["token"], errors="ignore").set_index("environment")
    frame["status"] = [f"{_ICONS.get(s, '·')} {s}" for s in frame["status"]]
    return StatusTable(frame, f"Pipeline runs at {now or datetime.now():%H:%M:%S}")


def _shown_rows(rows: list[dict[str, Any]]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """What the table shows of the rows (approval tokens are left out), to compare with what it showed."""
    return tuple(tuple((key, repr(value)) for key, value in row.items() if key != "token") for row in rows)


class RunSummary(dict[str, dict[str, Any]]):
    """The rows a watch ended with, by environment; shown as one line (the table is already above)."""

    def __repr__(self) -> str:
        return "Finished watching: " + ", ".join(
            f"{ENV_LABELS[env]} {_ICONS.get(row['status'], '·')} {row['status']}"
            + (f" ({row['detail']})" if row.get("detail") else "")
            for env, row in self.items()
        )


def watch(
    workshop: Workshop,
    done: Callable[[dict[str, dict[str, Any]]], bool],
    envs: tuple[str, ...] = ENVIRONMENTS,
    after: dict[str, str] | None = None,
    timeout: float | None = None,
    commits: dict[str, str] | None = None,
    executions: dict[str, str] | None = None,
) -> RunSummary:
    """Show the runs and update the table in place until ``done(rows by environment)`` is true; with ``commits``
    (``executions``), each environment's run of that commit (that execution). A run whose build CodeBuild's
    concurrency quota refused is retried rather than reported as failed."""
    timeout = timeout or workshop.timing.pipeline_timeout
    delay = workshop.timing.poll
    handle = display(status_table(workshop, envs, after, commits, executions), display_id=True)
    deadline = time.monotonic() + timeout
    quota_retries = QuotaRetries(workshop)
    shown: tuple[Any, ...] | None = None
    while True:
        rows = {env: _row(workshop, env, after, commits, executions) for env in envs}
        for env, row in rows.items():
            quota_retries.handle(env, row)
        now = datetime.now()
        # The table is drawn again only when it would look different: a row changed, or its caption's second
        # (drawing it, a pandas Styler rendered to HTML, costs the kernel more CPU than the poll's requests).
        seen = (_shown_rows(list(rows.values())), f"{now:%H:%M:%S}")
        if handle is not None and seen != shown:
            handle.update(_rows_table(list(rows.values()), now))
            shown = seen
        if done(rows):
            return RunSummary(rows)
        if time.monotonic() > deadline:
            table = _rows_table(list(rows.values()), now)
            raise WorkshopError(f"The pipelines did not get there within {timeout:.0f} s:\n{table!r}")
        # A click on a kit widget meanwhile is handled in a kernel subshell (see views.widgets.keep_responsive).
        time.sleep(delay)


def first_runs_settled(rows: dict[str, dict[str, Any]]) -> bool:
    """Dev and QA finished; Prod is waiting for its approval (or finished)."""
    return all(rows[e]["status"] in FINISHED for e in ("dev", "qa") if e in rows) and (
        "prod" not in rows or rows["prod"]["status"] in FINISHED | {"Waiting"}
    )


def watch_first_runs(workshop: Workshop) -> RunSummary:
    """Follow the first run of each pipeline, in a table that updates in place.

    CodePipeline starts every new pipeline once, with the head of its branch. The watch ends when Dev
    and QA have finished and Prod has finished or waits for its manual approval.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.

    Returns
    -------
    RunSummary
        The last row of each environment (execution, stage, action, status), shown as one line.
    """
    return watch(workshop, first_runs_settled)


def latest_execution_ids(workshop: Workshop) -> dict[str, str]:
    """The newest execution of each pipeline now, to watch only what comes after it."""
    ids = {}
    for env in ENVIRONMENTS:
        executions = workshop.client("codepipeline").list_pipeline_executions(
            pipelineName=workshop.names.pipeline(env), maxResults=1
        )["pipelineExecutionSummaries"]
        if executions:
            ids[env] = executions[0]["pipelineExecutionId"]
    return ids
