"""What CodePipeline's read APIs answer about a pipeline's executions, built from the engine's records:
GetPipelineExecution, ListPipelineExecutions, GetPipelineState and ListActionExecutions. The backend
(``models.py``) finds the pipeline and its executions; these only shape them as the API reference does."""

from __future__ import annotations

from typing import Any

from .engine import Execution
from .runs import ActionRun


def execution(name: str, execution: Execution) -> dict[str, Any]:
    """GetPipelineExecution's pipelineExecution."""
    document: dict[str, Any] = {
        "pipelineName": name,
        "pipelineVersion": execution.version,
        "pipelineExecutionId": execution.id,
        "status": execution.status,
        "trigger": execution.trigger,
        "executionMode": execution.mode,
        "executionType": execution.execution_type,
        "artifactRevisions": [
            {"name": a.name, "revisionId": a.revision, "created": execution.started}
            for a in execution.artifacts.values()
            if a.revision
        ],
    }
    if execution.status_summary:
        document["statusSummary"] = execution.status_summary
    if execution.rollback_target:
        document["rollbackMetadata"] = {"rollbackTargetPipelineExecutionId": execution.rollback_target}
    return document


def execution_summaries(executions: list[Execution]) -> list[dict[str, Any]]:
    """ListPipelineExecutions' summaries, the newest first."""
    summaries = []
    for execution in reversed(executions):
        summary: dict[str, Any] = {
            "pipelineExecutionId": execution.id,
            "status": execution.status,
            "startTime": execution.started,
            "lastUpdateTime": execution.updated,
            "trigger": execution.trigger,
            "executionMode": execution.mode,
            "executionType": execution.execution_type,
            "sourceRevisions": [{k: v for k, v in r.items() if k != "revisionUrl"} for r in execution.source_revisions],
        }
        if execution.status_summary:
            summary["statusSummary"] = execution.status_summary
        if execution.rollback_target:
            summary["rollbackMetadata"] = {"rollbackTargetPipelineExecutionId": execution.rollback_target}
        if execution.stop_requested is not None:
            summary["stopTrigger"] = {"reason": execution.stop_requested.get("reason") or ""}
        summaries.append(summary)
    return summaries


def pipeline_state(
    name: str, pipeline: dict[str, Any], record: Any, executions: list[Execution], region: str
) -> dict[str, Any]:
    """GetPipelineState: each stage as the latest execution that ran it left it."""
    stage_states = []
    for stage in pipeline["stages"]:
        latest = next((e for e in reversed(executions) if stage["name"] in e.stages), None)
        state: dict[str, Any] = {
            "stageName": stage["name"],
            "inboundTransitionState": {"enabled": True},
            "actionStates": [_action_state(action, stage["name"], latest, region) for action in stage["actions"]],
        }
        if latest is not None:
            run_status = latest.stages[stage["name"]].status
            state["latestExecution"] = {
                "pipelineExecutionId": latest.id,
                "status": run_status,
                "type": latest.execution_type,
            }
            state.update(_condition_states(latest, stage["name"]))
        stage_states.append(state)
    return {
        "pipelineName": name,
        "pipelineVersion": pipeline.get("version", 1),
        "stageStates": stage_states,
        "created": record.created,
        "updated": record.updated,
    }


def _action_state(action: dict[str, Any], stage: str, latest: Execution | None, region: str) -> dict[str, Any]:
    action_state: dict[str, Any] = {"actionName": action["name"]}
    run = latest.stages[stage].actions.get(action["name"]) if latest else None
    if run is not None:
        action_state["latestExecution"] = _action_execution(run)
        if run.external_id and action["actionTypeId"]["category"] == "Source":
            action_state["currentRevision"] = {
                "revisionId": run.external_id,
                "revisionChangeId": run.external_id,
                "created": run.updated,
            }
    action_state["entityUrl"] = _entity_url(action, region)
    return action_state


def action_executions(executions: list[Execution], execution_id: str | None, region: str) -> list[dict[str, Any]]:
    """ListActionExecutions' details, the newest execution first (only ``execution_id``'s when it is given)."""
    details = []
    for execution in reversed(executions):
        if execution_id and execution.id != execution_id:
            continue
        for stage in execution.stages.values():
            details += [_action_execution_detail(execution, run, region) for run in stage.actions.values()]
    return details


def _action_execution_detail(execution: Execution, run: ActionRun, region: str) -> dict[str, Any]:
    declaration = run.declaration
    detail: dict[str, Any] = {
        "pipelineExecutionId": execution.id,
        "actionExecutionId": run.id,
        "pipelineVersion": execution.version,
        "stageName": run.stage,
        "actionName": run.name,
        "startTime": run.started,
        "lastUpdateTime": run.updated,
        "status": run.status,
        "input": {
            "actionTypeId": declaration["actionTypeId"],
            "configuration": declaration.get("configuration", {}),
            "resolvedConfiguration": declaration.get("configuration", {}),
            "region": region,
            "inputArtifacts": [{"name": a.name, "s3location": {"bucket": a.bucket, "key": a.key}} for a in run.inputs],
        },
        "output": {
            "outputArtifacts": [
                {"name": a.name, "s3location": {"bucket": a.bucket, "key": a.key}} for a in run.outputs
            ],
            "executionResult": {
                k: v
                for k, v in {
                    "externalExecutionId": run.external_id,
                    "externalExecutionSummary": run.summary or (run.error or {}).get("message"),
                    "externalExecutionUrl": run.external_url,
                }.items()
                if v
            },
            "outputVariables": run.variables,
        },
    }
    if declaration.get("namespace"):
        detail["input"]["namespace"] = declaration["namespace"]
    return detail


def _condition_states(execution: Execution, stage: str) -> dict[str, Any]:
    """GetPipelineState's beforeEntryConditionState, onSuccessConditionState and onFailureConditionState for the
    conditions the stage's latest execution evaluated, and its retryStageMetadata if the stage was retried."""
    states: dict[str, Any] = {
        f"{kind}ConditionState": run.state() for kind, run in execution.conditions.get(stage, {}).items()
    }
    if execution.retries.get(stage):
        states["retryStageMetadata"] = dict(execution.retries[stage])
    return states


def _action_execution(run: ActionRun) -> dict[str, Any]:
    latest: dict[str, Any] = {"actionExecutionId": run.id, "status": run.status, "lastStatusChange": run.updated}
    for key, value in (
        ("summary", run.summary),
        ("token", run.token if run.status == "InProgress" else None),
        ("externalExecutionId", run.external_id),
        ("externalExecutionUrl", run.external_url),
        ("errorDetails", run.error),
    ):
        if value:
            latest[key] = value
    return latest


def _entity_url(action: dict[str, Any], region: str) -> str:
    configuration = action.get("configuration", {})
    provider = action["actionTypeId"]["provider"]
    base = f"https://{region}.console.aws.amazon.com"
    if provider == "CodeCommit":
        return f"{base}/codesuite/codecommit/repositories/{configuration.get('RepositoryName')}/browse"
    if provider == "CodeBuild":
        return f"{base}/codesuite/codebuild/projects/{configuration.get('ProjectName')}"
    if provider == "ECS":
        return f"{base}/ecs/home?region={region}#/clusters/{configuration.get('ClusterName')}/services"
    return f"{base}/codesuite/codepipeline/home"
