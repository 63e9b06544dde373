"""The CodePipeline wire layer: moto's, plus the operations that inspect and steer executions."""

from __future__ import annotations

from moto.codepipeline.responses import CodePipelineResponse
from moto.core.responses import ActionResult

from .models import EnginePipelineBackend


class EnginePipelineResponse(CodePipelineResponse):
    @property
    def codepipeline_backend(self) -> EnginePipelineBackend:
        return super().codepipeline_backend  # type: ignore[return-value]

    # Shadows moto's three execution operations on purpose: moto marks executions Succeeded at once.
    def start_pipeline_execution(self) -> ActionResult:
        execution_id = self.codepipeline_backend.start_pipeline_execution(
            self._get_param("name"), self._get_param("variables")
        )
        return ActionResult({"pipelineExecutionId": execution_id})

    def get_pipeline_execution(self) -> ActionResult:
        return ActionResult(
            {
                "pipelineExecution": self.codepipeline_backend.get_pipeline_execution(
                    self._get_param("pipelineName"), self._get_param("pipelineExecutionId")
                )
            }
        )

    def list_pipeline_executions(self) -> ActionResult:
        summaries = self.codepipeline_backend.list_pipeline_executions(self._get_param("pipelineName"))
        limit = int(self._get_param("maxResults") or 100)
        return ActionResult({"pipelineExecutionSummaries": summaries[:limit]})

    def get_pipeline_state(self) -> ActionResult:
        return ActionResult(self.codepipeline_backend.get_pipeline_state(self._get_param("name")))

    def list_action_executions(self) -> ActionResult:
        execution_filter = self._get_param("filter") or {}
        details = self.codepipeline_backend.list_action_executions(
            self._get_param("pipelineName"), execution_filter.get("pipelineExecutionId")
        )
        return ActionResult({"actionExecutionDetails": details})

    def put_approval_result(self) -> ActionResult:
        approved_at = self.codepipeline_backend.put_approval_result(
            self._get_param("pipelineName"),
            self._get_param("stageName"),
            self._get_param("actionName"),
            self._get_param("result") or {},
            self._get_param("token"),
        )
        return ActionResult({"approvedAt": approved_at})

    def stop_pipeline_execution(self) -> ActionResult:
        execution_id = self.codepipeline_backend.stop_pipeline_execution(
            self._get_param("pipelineName"),
            self._get_param("pipelineExecutionId"),
            bool(self._get_param("abandon")),
            self._get_param("reason"),
        )
        return ActionResult({"pipelineExecutionId": execution_id})

    def retry_stage_execution(self) -> ActionResult:
        execution_id = self.codepipeline_backend.retry_stage_execution(
            self._get_param("pipelineName"),
            self._get_param("stageName"),
            self._get_param("pipelineExecutionId"),
            self._get_param("retryMode"),
        )
        return ActionResult({"pipelineExecutionId": execution_id})
