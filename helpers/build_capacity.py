"""CodeBuild's account-wide concurrency quota, seen from a running pipeline.

New and shared accounts often allow one build at a time (or none); each participant's first Dev and
QA runs start two at once. CodeBuild then refuses StartBuild with AccountLimitExceededException and
the pipeline's Build stage fails. A refused build never ran, so retrying the stage's failed actions
after a pause is safe; :class:`QuotaRetries` does that from the pipeline watch, a bounded number of
times, and says so. (The preflight reads the quota itself: ``preflight._build_concurrency_check``.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .core.context import Workshop

QUOTA_REFUSAL = "AccountLimitExceededException"


@dataclass
class QuotaRetries:
    """One watch's retries: when each refused run was first seen, and how often it was retried."""

    workshop: Workshop
    first_seen: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)

    def handle(self, env: str, row: dict[str, Any]) -> bool:
        """For a Failed ``row``: True when its run failed only because CodeBuild's quota refused a build
        and is (or will shortly be) retried; the row then reads as such. False leaves it Failed."""
        execution = row.get("execution")
        if row.get("status") != "Failed" or not execution:
            return False
        stage = refused_stage(self.workshop, env, execution)
        if stage is None:
            return False
        timing = self.workshop.timing
        done = self.attempts.get(execution, 0)
        if done >= timing.build_quota_retries:
            row["detail"] = f"CodeBuild's concurrency quota refused the build {done + 1} times; request an increase"
            return False
        first = self.first_seen.setdefault(execution, time.monotonic())
        if time.monotonic() - first >= timing.build_quota_retry_delay:
            self.workshop.client("codepipeline").retry_stage_execution(
                pipelineName=self.workshop.names.pipeline(env),
                stageName=stage,
                pipelineExecutionId=execution,
                retryMode="FAILED_ACTIONS",
            )
            self.attempts[execution] = done + 1
            del self.first_seen[execution]
            print(
                f"{env}: CodeBuild's concurrency quota refused a build in stage {stage}; "
                f"retried its failed actions (retry {done + 1} of at most {timing.build_quota_retries}).",
                flush=True,
            )
        row["status"] = "InProgress"
        row["detail"] = "CodeBuild concurrency quota reached: the build is retried shortly"
        return True


def refused_stage(workshop: Workshop, env: str, execution: str) -> str | None:
    """The failed stage of ``execution`` whose failed actions were all refused by the quota, if any."""
    state = workshop.client("codepipeline").get_pipeline_state(name=workshop.names.pipeline(env))
    for stage in state["stageStates"]:
        latest = stage.get("latestExecution", {})
        if latest.get("pipelineExecutionId") != execution or latest.get("status") != "Failed":
            continue
        failed = [
            action.get("latestExecution", {})
            for action in stage.get("actionStates", [])
            if action.get("latestExecution", {}).get("status") == "Failed"
        ]
        messages = [a.get("errorDetails", {}).get("message", "") for a in failed]
        if messages and all(QUOTA_REFUSAL in m for m in messages):
            return str(stage["stageName"])
    return None
