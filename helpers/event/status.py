"""``event status``: how far each participant has come, read from what exists.

A participant's step is the furthest notebook whose result exists now: 00 (a state file), 01 (the three
ECS services), 02 (both CodeBuild projects), 03 (the three pipelines), 04 (a release served by Prod: a
succeeded Prod run and Prod answering with the app, not the placeholder). What exists is what the
registry's kinds answer for the participant's recorded resources (``Kind.exists``), as ``status`` does.
Each environment's URL is asked what it answers; failed pipeline runs come with their reason; after
cleanup, anything still there is a leftover. Participants are read in parallel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from ..cleanup import leftovers
from ..core.context import Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import StateFileError
from ..core.settings import WorkshopSettings
from ..core.state import WorkshopState, load_state, state_path
from ..inventory import environment_urls, fetch
from ..resources import services, stacks
from ..resources.base import Kind
from ..views.table import StatusTable
from .names import known_prefixes, load_record

STEPS: tuple[str, ...] = (
    "none",
    "00-setup",
    "01-prerequisites",
    "02-build-projects",
    "03-pipelines",
    "04-test-the-pipeline",
)
PLACEHOLDER_ANSWER = "Placeholder"
PARALLEL_READS = 8
#: What notebooks 01, 02 and 03 leave: a step is reached when every recorded resource of its kind exists.
RESULTS: tuple[Kind, ...] = (services.SERVICES, stacks.BUILD_PROJECTS, stacks.PIPELINES)


@dataclass
class _AsTheAccount(WorkshopState):
    """A participant's state read by the instructor: clients sign as the account; saved, it keeps its settings."""

    saved_settings: WorkshopSettings | None = None

    def save(self) -> None:
        acting, self.settings = self.settings, self.saved_settings or self.settings
        try:
            super().save()
        finally:
            self.settings = acting


def participant_workshop(event: str, prefix: str) -> Workshop | None:
    """The participant's workshop from their state file, or from the event's settings when the file is
    gone (cleanup and status still find resources by their names and tags); None if neither exists."""
    if state_path(prefix).exists():
        state = load_state(prefix)
        if state.settings.backend == "sandbox" and state.settings.profile:
            # The instructor watches and cleans up as themself (the account), not with the participant's key, in
            # the participant's own account when they have one (Workshop Studio: ``studio_roles.py``); what cleanup
            # saves keeps the participant's profile.
            acting = replace(state.settings, profile=_instructor_profile(event, prefix))
            state = _AsTheAccount(acting, state.resources, state.extra, state.settings)
        return Workshop(state)
    record = load_record(event)
    if record is None:
        return None
    settings = record.participant_settings(prefix)
    return Workshop(WorkshopState(settings=replace(settings, profile=_instructor_profile(event, prefix))))


def _instructor_profile(event: str, prefix: str) -> str | None:
    """The profile the instructor acts with for a participant: in their own account's as its root user when the
    event gave them one, else none (the instructor's account)."""
    record = load_record(event)
    if record is None or prefix not in record.accounts:
        return None
    from .studio_roles import account_profile

    return account_profile(prefix)


def participant_status(event: str, prefix: str) -> dict[str, Any]:
    """What ``event status`` knows of one participant: their furthest step, each environment's answer, failed
    pipeline runs, and leftovers once cleanup emptied their state. Without a state file only leftovers are
    looked for; an AWS or state-file error goes into ``error``, so one participant never stops the table."""
    workshop = participant_workshop(event, prefix)
    document: dict[str, Any] = {"prefix": prefix, "step": "none", "environments": {}, "failures": [], "leftovers": []}
    if workshop is None or not state_path(prefix).exists():
        if workshop is not None:
            document["leftovers"] = _leftovers(workshop)
        return document
    try:
        document["environments"] = _environments(workshop)
        document["step"] = _furthest_step(workshop, document["environments"])
        document["failures"] = _failures(workshop)
        if not workshop.state.resources:
            document["leftovers"] = _leftovers(workshop)
    except (ClientError, StateFileError) as error:
        document["error"] = f"{type(error).__name__}: {error}"
    return document


def event_status(event: str) -> dict[str, Any]:
    """What ``python -m helpers event status --json`` prints."""
    prefixes = known_prefixes(event)
    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        participants = list(pool.map(lambda p: participant_status(event, p), prefixes))
    return {"event": event, "participants": participants}


def status_frame(document: dict[str, Any]) -> pd.DataFrame:
    """The ``event status`` table: a row per participant with their step, a mark and the start of each
    environment's answer, failed runs (or the error that kept them from being read) and leftovers."""
    rows = []
    for participant in document["participants"]:
        row: dict[str, Any] = {"prefix": participant["prefix"], "step": participant["step"]}
        for env in ENVIRONMENTS:
            answer = participant["environments"].get(env, {})
            mark = "✅" if answer.get("status") == 200 else "❌" if answer.get("url") else "·"
            row[env] = f"{mark} {(answer.get('answer') or '')[:40]}".strip()
        row["failed runs"] = "; ".join(f"{f['pipeline']}: {f['reason']}"[:80] for f in participant["failures"])
        row["leftovers"] = ", ".join(participant["leftovers"])
        if participant.get("error"):
            row["failed runs"] = f"❌ {participant['error']}"[:120]
        rows.append(row)
    columns = ["prefix", "step", *ENVIRONMENTS, "failed runs", "leftovers"]
    return pd.DataFrame(rows, columns=columns).set_index("prefix")


def show_event(event: str) -> StatusTable:
    """Every participant's progress read now, with a caption counting how many are at each step: the table
    the instructor's notebook shows, which ``live_status`` redraws."""
    document = event_status(event)
    frame = status_frame(document)
    counts = frame["step"].value_counts().to_dict() if len(frame) else {}
    caption = f"Event {event!r}: {len(frame)} participants; " + ", ".join(
        f"{counts[s]} at {s}" for s in STEPS if s in counts
    )
    return StatusTable(frame, caption)


def _environments(workshop: Workshop) -> dict[str, dict[str, Any]]:
    result = {}
    for env, url in environment_urls(workshop).items():
        status, body = fetch(url, timeout=3)
        result[env] = {"url": url, "status": status, "answer": body.strip()[:200] if url else None}
    return result


def _furthest_step(workshop: Workshop, environments: dict[str, dict[str, Any]]) -> str:
    step = 1  # the state file exists: notebook 00 ran
    for kind in RESULTS:
        if not _all_exist(workshop, kind):
            return STEPS[step]
        step += 1
    return STEPS[step + 1] if _has_release(workshop, environments) else STEPS[step]


def _all_exist(workshop: Workshop, kind: Kind) -> bool:
    """Whether the participant recorded resources of ``kind`` and the services still have every one."""
    entries = kind.recorded(workshop)
    return bool(entries) and kind.exists is not None and all(kind.exists(workshop, e) is True for e in entries)


def _has_release(workshop: Workshop, environments: dict[str, dict[str, Any]]) -> bool:
    prod = environments.get("prod", {})
    if prod.get("status") != 200 or (prod.get("answer") or "").startswith(PLACEHOLDER_ANSWER):
        return False
    executions = _executions(workshop, "prod")
    return any(e["status"] == "Succeeded" for e in executions)


def _executions(workshop: Workshop, env: str) -> list[dict[str, Any]]:
    codepipeline = workshop.client("codepipeline")
    try:
        answer = codepipeline.list_pipeline_executions(pipelineName=workshop.names.pipeline(env), maxResults=25)
        return [dict(summary) for summary in answer["pipelineExecutionSummaries"]]
    except codepipeline.exceptions.PipelineNotFoundException:
        return []


def _failures(workshop: Workshop) -> list[dict[str, Any]]:
    failures = []
    for env in ENVIRONMENTS:
        for execution in _executions(workshop, env):
            if execution["status"] != "Failed":
                continue
            reason = execution.get("statusSummary") or _failed_action_reason(workshop, env, execution)
            failures.append(
                {
                    "pipeline": workshop.names.pipeline(env),
                    "environment": env,
                    "execution_id": execution["pipelineExecutionId"],
                    "started": str(execution.get("startTime", "")),
                    "reason": reason or "failed (no reason given)",
                }
            )
    return failures


def _failed_action_reason(workshop: Workshop, env: str, execution: dict[str, Any]) -> str:
    codepipeline = workshop.client("codepipeline")
    details = codepipeline.list_action_executions(
        pipelineName=workshop.names.pipeline(env),
        filter={"pipelineExecutionId": execution["pipelineExecutionId"]},
    )["actionExecutionDetails"]
    for action in details:
        if action.get("status") == "Failed":
            summary = action.get("output", {}).get("executionResult", {}).get("externalExecutionSummary", "")
            return f"{action.get('stageName')}/{action.get('actionName')}: {summary}".strip(": ")
    return ""


def _leftovers(workshop: Workshop) -> list[str]:
    return [f"{row.kind} {row.name}: {row.outcome}" for row in leftovers(workshop) if row.is_problem]
