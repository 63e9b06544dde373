"""CodePipeline backend state with executions that run (``engine.py``, with the actions of ``actions.py``),
approvals, and the state, execution and action-execution views AWS serves."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, cast

from moto.codepipeline.exceptions import InvalidStructureException
from moto.codepipeline.models import CodePipelineBackend, codepipeline_backends

from ...iam_enforcement.signer import signer
from ..iam import propagation
from . import conditions, descriptions
from .actions import EXECUTORS, RESUMERS
from .engine import Execution
from .exceptions import (
    ActionNotFoundException,
    ApprovalAlreadyCompletedException,
    DuplicatedStopRequestException,
    InvalidApprovalTokenException,
    NotLatestPipelineExecutionException,
    PipelineExecutionNotFoundException,
    PipelineExecutionNotStoppableException,
    PipelineNotFoundException,
    StageNotFoundException,
    StageNotRetryableException,
    UnableToRollbackStageException,
)
from .runs import now
from .stage_gate import StageGate


class EnginePipelineBackend(CodePipelineBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.runs: dict[str, list[Execution]] = {}
        self.gates: dict[str, StageGate] = {}
        self.lock = threading.RLock()

    # -- persistence ------------------------------------------------------------------------------
    def resume(self) -> list[str]:
        """After a restart: executions that waited for an approval wait again (the same token works);
        the others that were running end as Failed with the restart reason. The ids of those that resume."""
        resumed = []
        with self.lock:
            for name, executions in self.runs.items():
                gate = self.gates.setdefault(name, StageGate())
                for execution in executions:
                    execution.roll_back = self._roll_back
                    if execution.resume(EXECUTORS, RESUMERS, gate):
                        resumed.append(execution.id)
        return resumed

    # -- pipelines ---------------------------------------------------------------------------------
    def create_pipeline(self, pipeline: dict[str, Any], tags: list[dict[str, str]] | None) -> Any:
        _check_execution_mode(pipeline)
        conditions.check(pipeline)
        role_arn = str(pipeline.get("roleArn", ""))
        if propagation.role_not_yet_visible(self.account_id, role_arn, self.partition):
            raise InvalidStructureException(f"CodePipeline is not authorized to perform AssumeRole on role {role_arn}")
        result = super().create_pipeline(pipeline, tags or [])
        self.runs[pipeline["name"]] = []
        self.gates[pipeline["name"]] = StageGate()
        self.start_pipeline_execution(
            pipeline["name"], None, trigger={"triggerType": "CreatePipeline", "triggerDetail": self._caller()}
        )
        return result

    def update_pipeline(self, pipeline: dict[str, Any]) -> dict[str, Any]:
        _check_execution_mode(pipeline)
        conditions.check(pipeline)
        return super().update_pipeline(pipeline)

    def delete_pipeline(self, name: str) -> None:
        for execution in self.runs.pop(name, []):
            if execution.status == "InProgress":
                execution.stop_requested = {"abandon": True, "reason": "pipeline deleted"}
        self.gates.pop(name, None)
        super().delete_pipeline(name)

    # -- executions --------------------------------------------------------------------------------
    def start_pipeline_execution(
        self,
        name: str,
        variables: list[dict[str, str]] | None,
        trigger: dict[str, str] | None = None,
    ) -> str:
        pipeline = self._pipeline(name)
        execution = Execution(
            pipeline,
            trigger or {"triggerType": "StartPipelineExecution", "triggerDetail": self._caller()},
            self.region_name,
            self.account_id,
            self.gates.setdefault(name, StageGate()),
            EXECUTORS,
        )
        execution.roll_back = self._roll_back
        with self.lock:
            self.runs.setdefault(name, []).append(execution)
        execution.start()
        return execution.id

    def rollback_stage(self, name: str, stage_name: str, target_id: str) -> str:
        """RollbackStage (API reference; user guide, "Configuring stage rollback"): a new ROLLBACK execution runs
        the stage again with the source revisions, artifacts and variables of a target execution that succeeded in
        it. Refused for a source stage, a rollback target, a target from another pipeline version or one that did
        not succeed in the stage, and while the stage runs."""
        pipeline = self._pipeline(name)
        stage = next((s for s in pipeline["stages"] if s["name"] == stage_name), None)
        if stage is None:
            raise StageNotFoundException(f"Stage {stage_name} does not exist in pipeline {name}")
        target = self._execution(name, target_id)
        if any(a["actionTypeId"]["category"] == "Source" for a in stage["actions"]):
            raise UnableToRollbackStageException(
                f"Stage {stage_name} is a source stage: a source stage cannot be rolled back"
            )
        if target.execution_type == "ROLLBACK":
            raise UnableToRollbackStageException(
                f"Execution {target_id} is a rollback execution: it cannot be the target of a rollback"
            )
        if target.version != pipeline.get("version", 1):
            raise UnableToRollbackStageException(
                f"Execution {target_id} ran pipeline version {target.version}, not the current version "
                f"{pipeline.get('version', 1)}: a stage can only be rolled back to an execution of the current version"
            )
        if target.stages.get(stage_name) is None or target.stages[stage_name].status != "Succeeded":
            raise UnableToRollbackStageException(
                f"Execution {target_id} did not succeed in stage {stage_name}: choose an execution that did"
            )
        if any(e.stages.get(stage_name) and e.stages[stage_name].status == "InProgress" for e in self.runs[name]):
            raise UnableToRollbackStageException(f"Stage {stage_name} is running: it can be rolled back once it ends")
        trigger = {"triggerType": "ManualRollback", "triggerDetail": self._caller()}
        return self._start_rollback(name, stage_name, target, trigger)

    def _roll_back(self, failed: Execution, stage_name: str) -> None:
        """onFailure's ROLLBACK: "roll back a failed stage automatically to the last successful pipeline execution
        in the stage" (botocore's StageDeclaration.onFailure), if one ran this pipeline version."""
        with self.lock:
            target = next(
                (
                    e
                    for e in reversed(self.runs.get(failed.name, []))
                    if e is not failed
                    and e.execution_type == "STANDARD"
                    and e.version == failed.version
                    and e.stages.get(stage_name) is not None
                    and e.stages[stage_name].status == "Succeeded"
                ),
                None,
            )
        if target is None:
            failed.status_summary = (
                f"{failed.status_summary or f'Stage {stage_name} failed'}; no earlier execution of this pipeline "
                f"version succeeded in stage {stage_name}, so there is nothing to roll back to"
            )
            return
        trigger = {"triggerType": "AutomatedRollback", "triggerDetail": failed.id}
        self._start_rollback(failed.name, stage_name, target, trigger)

    def _start_rollback(self, name: str, stage_name: str, target: Execution, trigger: dict[str, str]) -> str:
        execution = Execution(
            self._pipeline(name), trigger, self.region_name, self.account_id, self.gates.setdefault(name, StageGate()),
            EXECUTORS,
        )  # fmt: skip
        execution.execution_type, execution.rollback_target, execution.only_stage = "ROLLBACK", target.id, stage_name
        execution.artifacts = dict(target.artifacts)
        execution.variables = {k: dict(v) for k, v in target.variables.items()}
        execution.source_revisions = list(target.source_revisions)
        with self.lock:
            self.runs.setdefault(name, []).append(execution)
        execution.start()
        return execution.id

    # -- what the read APIs answer (descriptions.py) ----------------------------------------------------
    def get_pipeline_execution(self, name: str, execution_id: str) -> dict[str, Any]:  # type: ignore[override]
        return descriptions.execution(name, self._execution(name, execution_id))

    def list_pipeline_executions(self, name: str) -> list[dict[str, Any]]:  # type: ignore[override]
        self._pipeline(name)
        return descriptions.execution_summaries(self.runs.get(name, []))

    def get_pipeline_state(self, name: str) -> dict[str, Any]:
        pipeline = self._pipeline(name)
        return descriptions.pipeline_state(
            name, pipeline, self.pipelines[name], self.runs.get(name, []), self.region_name
        )

    def list_action_executions(self, name: str, execution_id: str | None) -> list[dict[str, Any]]:
        self._pipeline(name)
        return descriptions.action_executions(self.runs.get(name, []), execution_id, self.region_name)

    def put_approval_result(
        self, name: str, stage_name: str, action_name: str, result: dict[str, str], token: str
    ) -> datetime:
        pipeline = self._pipeline(name)
        stage = next((s for s in pipeline["stages"] if s["name"] == stage_name), None)
        if stage is None:
            raise StageNotFoundException(f"Stage {stage_name} does not exist in pipeline {name}")
        if not any(a["name"] == action_name for a in stage["actions"]):
            raise ActionNotFoundException(f"Action {action_name} does not exist in stage {stage_name}")
        runs = [
            e.stages[stage_name].actions.get(action_name) for e in self.runs.get(name, []) if stage_name in e.stages
        ]
        run = next((r for r in runs if r is not None and r.token == token), None)
        if run is None:
            raise InvalidApprovalTokenException(f"The token {token} is not valid for action {action_name}")
        if run.status != "InProgress" or run.approval.is_set():
            raise ApprovalAlreadyCompletedException("The approval action has already been approved or rejected")
        run.approval_result = {"summary": result.get("summary", ""), "status": result.get("status", "")}
        run.approval.set()
        return now()

    def stop_pipeline_execution(self, name: str, execution_id: str, abandon: bool, reason: str | None) -> str:
        """Stop and wait (the actions in progress finish) or stop and abandon (they end at once). A stop that
        waits may be followed by one that abandons; any other second stop is a duplicate (botocore's
        DuplicatedStopRequestException)."""
        execution = self._execution(name, execution_id)
        if execution.status not in ("InProgress", "Stopping"):
            raise PipelineExecutionNotStoppableException(
                f"Unable to stop pipeline execution {execution_id} in status {execution.status}"
            )
        if execution.stop_requested is not None:
            if execution.stop_requested.get("abandon") or not abandon:
                how = "stop and abandon" if execution.stop_requested.get("abandon") else "stop and wait"
                raise DuplicatedStopRequestException(
                    f"Execution {execution_id} is already being stopped ({how}); only a stop and wait can be "
                    "followed by a stop and abandon"
                )
            execution.stop_requested = {"abandon": True, "reason": reason or execution.stop_requested["reason"]}
            return execution.id
        execution.stop_requested = {"abandon": abandon, "reason": reason or ""}
        execution.status = "Stopping"
        return execution.id

    def retry_stage_execution(self, name: str, stage_name: str, execution_id: str, mode: str) -> str:
        """Retry a failed or stopped stage of the latest execution that ran it: its failed actions, or all of them
        (API reference, RetryStageExecution)."""
        execution = self._execution(name, execution_id)
        stage = execution.stages.get(stage_name)
        if stage is None:
            raise StageNotFoundException(f"Stage {stage_name} has not run in execution {execution_id}")
        latest = [e for e in self.runs.get(name, []) if stage_name in e.stages][-1]
        if latest is not execution:
            raise NotLatestPipelineExecutionException(
                f"Stage {stage_name} has run in a later execution ({latest.id}) of pipeline {name}; "
                f"execution {execution_id} is out of date"
            )
        actions = stage.actions.values()
        retryable = stage.status in ("Failed", "Stopped") and execution.status in ("Failed", "Stopped")
        if not retryable or (not any(a.status != "Succeeded" for a in actions) and mode != "ALL_ACTIONS"):
            raise StageNotRetryableException(
                f"Stage {stage_name} of execution {execution_id} cannot be retried: it has no failed actions"
            )
        if mode == "ALL_ACTIONS" and any(a.status == "InProgress" for a in actions):
            raise StageNotRetryableException(f"Stage {stage_name} has actions in progress: retry its failed actions")
        retries = execution.retries.setdefault(stage_name, {})
        retries["manualStageRetryAttempt"] = retries.get("manualStageRetryAttempt", 0) + 1
        retries["latestRetryTrigger"] = "ManualStageRetry"
        execution.retry(stage_name, mode or "FAILED_ACTIONS")
        return execution.id

    # -- internals ---------------------------------------------------------------------------------
    def _pipeline(self, name: str) -> dict[str, Any]:
        record = self.pipelines.get(name)
        if record is None:
            raise PipelineNotFoundException(f"Account '{self.account_id}' does not have a pipeline with name '{name}'")
        return dict(record.pipeline)

    def _execution(self, name: str, execution_id: str) -> Execution:
        self._pipeline(name)
        for execution in self.runs.get(name, []):
            if execution.id == execution_id:
                return execution
        raise PipelineExecutionNotFoundException(
            f"Pipeline execution with id '{execution_id}' does not exist in pipeline with name '{name}'"
        )

    def _caller(self) -> str:
        """Who a manual start or rollback names as its ``triggerDetail``: the request's signer, as on AWS."""
        return signer(self.account_id, self.partition)


def _check_execution_mode(pipeline: dict[str, Any]) -> None:
    """QUEUED and PARALLEL need a V2 pipeline (user guide, "How pipeline executions work"); the message follows
    the one CodePipeline gives for another V2-only feature ("Triggers on tag can only be used with V2 pipelines")."""
    mode = pipeline.get("executionMode") or "SUPERSEDED"
    if mode in ("QUEUED", "PARALLEL") and (pipeline.get("pipelineType") or "V1") != "V2":
        raise InvalidStructureException(f"Execution mode {mode} can only be used with V2 pipelines")


def codepipeline_backend(account_id: str, region_name: str) -> EnginePipelineBackend:
    """The sandbox's backend for one account and region (``install()`` made moto build this class)."""
    return cast(EnginePipelineBackend, codepipeline_backends[account_id][region_name])
