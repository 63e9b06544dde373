"""The advanced module's stage rollback: Prod's Deploy stage rolls itself back when it fails (a V2 stage condition,
``onFailure: {result: ROLLBACK}``), shown by a release that fails its health check on purpose.

The calls that carry the lesson (``get_pipeline``, ``update_pipeline``, ``start_pipeline_execution``,
``list_pipeline_executions``) are the notebook's or are made here in plain sight; this module keeps the waiting,
the approvals on the way and the tables. Like notebook 04's "going further", the condition is added with
``update_pipeline`` to a pipeline that notebook 03's stack made: re-running notebook 03 puts the template's version
back (without the condition), and notebook 05 deletes the pipeline, condition and all. The state file remembers
the edit (``pipeline_edits`` in it) so a re-run of the module sees what it did.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from .changes.app_message import APP_FILE, read_app
from .changes.gitflow import commit_file
from .changes.pipeline_edits import with_stage_condition
from .core.context import Workshop
from .core.errors import ReleaseError
from .inventory import environment_urls, fetch
from .pipelines import FINISHED, RunSummary, latest_execution_ids, watch
from .prod_approval import answer_when_waiting

#: Prod's Deploy stage rolls back to the last execution that succeeded in it when it fails.
ROLLBACK_ON_FAILURE = {"result": "ROLLBACK"}
STAGE = "Deploy"
#: The line of app.js the failing release adds a start-up check after.
MAIN_BLOCK = "if (require.main === module) {\n"
#: A setting the app now insists on and Prod's task definition does not give it: the task exits at start, so it
#: never passes the load balancer's health check (the unit tests, which import the app, still pass).
FAILING_CHECK = (
    "  if (!process.env.PAYMENTS_URL) {\n"
    "    console.error('PAYMENTS_URL is not set: refusing to start');\n"
    "    process.exit(1);\n"
    "  }\n"
)
FAILING_COMMIT = "Require PAYMENTS_URL at start (a hotfix straight to prod: Prod has no such setting)"


def enable_rollback_on_failure(workshop: Workshop) -> dict[str, Any]:
    """Give Prod's Deploy stage ``onFailure: {"result": "ROLLBACK"}`` (GetPipeline, then UpdatePipeline).

    Idempotent: when the stage already has the condition nothing is updated, so the pipeline's version (which a
    rollback target must share) stays the same. The edit is remembered in the state file.

    Returns
    -------
    dict
        The pipeline, the stage, its ``onFailure``, the pipeline's version and whether this call changed it.
    """
    codepipeline = workshop.client("codepipeline")
    name = workshop.names.pipeline("prod")
    declaration: dict[str, Any] = dict(codepipeline.get_pipeline(name=name)["pipeline"])
    updated = with_stage_condition(declaration, STAGE, "onFailure", ROLLBACK_ON_FAILURE)
    changed = updated != declaration
    if changed:
        declaration = dict(codepipeline.update_pipeline(pipeline=cast(Any, updated))["pipeline"])
    row = {
        "pipeline": name,
        "stage": STAGE,
        "onFailure": ROLLBACK_ON_FAILURE,
        "version": declaration.get("version"),
        "changed": changed,
    }
    edits = dict(workshop.state.extra.get("pipeline_edits", {}))
    edits[f"{name}/{STAGE}"] = {"onFailure": ROLLBACK_ON_FAILURE, "version": declaration.get("version")}
    workshop.state.extra["pipeline_edits"] = edits
    workshop.state.save()
    return row


def follow_prod(workshop: Workshop, after: str | None, auto_continue: bool = False) -> RunSummary:
    """Follow Prod's runs after execution ``after`` (a run, then the rollback it may start) until the newest one
    finishes, answering each manual approval on the way: at once with ``auto_continue``, else with the Approve and
    Reject buttons (the cell waits for the click).

    Returns
    -------
    RunSummary
        The last row of Prod's newest run.
    """
    since = {"prod": after} if after else {}
    while True:
        summary = watch(workshop, _finished_or_waiting, ("prod",), since, workshop.timing.prod_timeout)
        if summary["prod"]["status"] != "Waiting":
            return summary
        answer_when_waiting(workshop, auto_continue)


def _finished_or_waiting(rows: dict[str, dict[str, Any]]) -> bool:
    return bool(rows["prod"]["status"] in FINISHED | {"Waiting"})


def newest_prod_execution(workshop: Workshop) -> str | None:
    """Prod's newest execution now (ListPipelineExecutions), taken before a step that starts a run.

    Returns
    -------
    str or None
        Its id, to pass to ``follow_prod``; ``None`` when Prod has not run yet.
    """
    return latest_execution_ids(workshop).get("prod")


def ship_failing_release(workshop: Workshop) -> dict[str, str]:
    """Commit to ``prod`` an ``app.js`` that exits at start unless ``PAYMENTS_URL`` is set, which Prod never sets.

    The unit tests import the app without starting it, so the build passes; in Prod every new task exits, fails
    the load balancer's health check, and the ECS deployment circuit breaker fails the deployment. When the
    commit is already there (a re-run), the Prod pipeline is started again instead (StartPipelineExecution).

    Returns
    -------
    dict
        The branch, commit and message (or that the pipeline was started again).
    """
    source = read_app(workshop, "prod")
    if FAILING_CHECK in source:
        codepipeline = workshop.client("codepipeline")
        started = codepipeline.start_pipeline_execution(name=workshop.names.pipeline("prod"))["pipelineExecutionId"]
        return {"branch": "prod", "commit": "unchanged", "message": f"already committed; started again: {started}"}
    if MAIN_BLOCK not in source:
        raise ReleaseError(f"app.js on prod has no line {MAIN_BLOCK.strip()!r} to add the start-up check after.")
    failing = source.replace(MAIN_BLOCK, MAIN_BLOCK + FAILING_CHECK, 1)
    return commit_file(workshop, APP_FILE, failing, FAILING_COMMIT, branch="prod")


def prod_answer(workshop: Workshop) -> str:
    """What Prod's URL answers now.

    Returns
    -------
    str
        The body of its answer, or the HTTP status and why there is none.
    """
    status, body = fetch(environment_urls(workshop)["prod"])
    return body if status == 200 else f"HTTP {status}: {body}"


def executions(workshop: Workshop, limit: int = 5) -> pd.DataFrame:
    """Prod's newest executions (ListPipelineExecutions), newest first.

    Returns
    -------
    pandas.DataFrame
        Per execution: status, ``executionType``, the rollback's target, trigger, commit and status summary.
    """
    listed = workshop.client("codepipeline").list_pipeline_executions(
        pipelineName=workshop.names.pipeline("prod"), maxResults=limit
    )["pipelineExecutionSummaries"]
    rows = [
        {
            "execution": e["pipelineExecutionId"][:8],
            "status": e["status"],
            "executionType": e.get("executionType", "STANDARD"),
            "rollback target": (e.get("rollbackMetadata") or {}).get("rollbackTargetPipelineExecutionId", "")[:8],
            "trigger": e.get("trigger", {}).get("triggerType", ""),
            "commit": _commit_of(e),
            "summary": e.get("statusSummary", ""),
        }
        for e in listed
    ]
    return pd.DataFrame(rows).set_index("execution")


def _commit_of(execution: Any) -> str:
    revisions = execution.get("sourceRevisions") or [{}]
    return str(revisions[0].get("revisionId", ""))[:8]
