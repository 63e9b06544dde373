"""The CodePipeline wire layer: moto's, plus the operations that inspect and steer executions."""

from __future__ import annotations

from moto.codepipeline.responses import CodePipelineResponse
from moto.core.responses import ActionResult

from ...seams.moto import ResponseParams
from .models import EnginePipelineBackend


class EnginePipelineResponse(ResponseParams, CodePipelineResponse):
    @property
    def codepipeline_backend(self) -> EnginePipelineBackend:
        return super().codepipeline_backend  # type: ignore[return-value]

    # Shadows moto's three execution operations on purpose: moto marks executions Succeeded at once.
    def start_pipeline_execution(self) -> ActionResult:
        execution_id = self.codepipeline_backend.start_pipeline_execution(self.param("name"), self.param("variables"))
        return ActionResult({"pipelineExecutionId": execution_id})

    def get_pipeline_execution(self) -> ActionResult:
        return ActionResult(
            {
                "pipelineExecution": self.codepipeline_backend.get_pipeline_execution(
                    self.param("pipelineName"), self.param("pipelineExecutionId")
                )
            }
        )

    def list_pipeline_executions(self) -> ActionResult:
        summaries = self.codepipeline_backend.list_pipeline_executions(self.param("pipelineName"))
        limit = int(self.param("maxResults") or 100)
        return ActionResult({"pipelineExecutionSummaries": summaries[:limit]})

    def get_pipeline_state(self) -> ActionResult:
        return ActionResult(self.codepipeline_backend.get_pipeline_state(self.param("name")))

    def list_action_executions(self) -> ActionResult:
        execution_filter = self.param("filter") or {}
        details = self.codepipeline_backend.list_action_executions(
            self.param("pipelineName"), execution_filter.get("pipelineExecutionId")
        )
        return ActionResult({"actionExecutionDetails": details})

    def put_approval_result(self) -> ActionResult:
        approved_at = self.codepipeline_backend.put_approval_result(
            self.param("pipelineName"),
            self.param("stageName"),
            self.param("actionName"),
            self.param("result") or {},
            self.param("token"),
        )
        return ActionResult({"approvedAt": approved_at})

    def stop_pipeline_execution(self) -> ActionResult:
        execution_id = self.codepipeline_backend.stop_pipeline_execution(
            self.param("pipelineName"),
            self.param("pipelineExecutionId"),
            bool(self.param("abandon")),
            self.param("reason"),
        )
        return ActionResult({"pipelineExecutionId": execution_id})

    def retry_stage_execution(self) -> ActionResult:
        execution_id = self.codepipeline_backend.retry_stage_execution(
            self.param("pipelineName"),
            self.param("stageName"),
            self.param("pipelineExecutionId"),
            self.param("retryMode"),
        )
        return ActionResult({"pipelineExecutionId": execution_id})

    def rollback_stage(self) -> ActionResult:
        execution_id = self.codepipeline_backend.rollback_stage(
            self.param("pipelineName"), self.param("stageName"), self.param("targetPipelineExecutionId")
        )
        return ActionResult({"pipelineExecutionId": execution_id})
