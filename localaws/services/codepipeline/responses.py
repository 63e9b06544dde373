"""The CodePipeline wire layer: moto's, plus the operations that inspect and steer executions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from moto.codepipeline.responses import CodePipelineResponse

from .models import EnginePipelineBackend


def _dumps(document: Any) -> str:
    return json.dumps(document, default=lambda v: v.timestamp() if isinstance(v, datetime) else str(v))


class EnginePipelineResponse(CodePipelineResponse):
    @property
    def codepipeline_backend(self) -> EnginePipelineBackend:
        return super().codepipeline_backend  # type: ignore[return-value]

    # Shadows moto's three execution operations on purpose: moto marks executions Succeeded at once.
    def start_pipeline_execution(self) -> str:
        execution_id = self.codepipeline_backend.start_pipeline_execution(
            self._get_param("name"), self._get_param("variables")
        )
        return _dumps({"pipelineExecutionId": execution_id})

    def get_pipeline_execution(self) -> str:
        return _dumps(
            {
                "pipelineExecution": self.codepipeline_backend.get_pipeline_execution(
                    self._get_param("pipelineName"), self._get_param("pipelineExecutionId")
                )
            }
        )

    def list_pipeline_executions(self) -> str:
        summaries = self.codepipeline_backend.list_pipeline_executions(self._get_param("pipelineName"))
        limit = int(self._get_param("maxResults") or 100)
        return _dumps({"pipelineExecutionSummaries": summaries[:limit]})

    def get_pipeline_state(self) -> str:
        return _dumps(self.codepipeline_backend.get_pipeline_state(self._get_param("name")))

    def list_action_executions(self) -> str:
        execution_filter = self._get_param("filter") or {}
        details = self.codepipeline_backend.list_action_executions(
            self._get_param("pipelineName"), execution_filter.get("pipelineExecutionId")
        )
        return _dumps({"actionExecutionDetails": details})

    def put_approval_result(self) -> str:
        approved_at = self.codepipeline_backend.put_approval_result(
            self._get_param("pipelineName"),
            self._get_param("stageName"),
            self._get_param("actionName"),
            self._get_param("result") or {},
            self._get_param("token"),
        )
        return _dumps({"approvedAt": approved_at})

    def stop_pipeline_execution(self) -> str:
        execution_id = self.codepipeline_backend.stop_pipeline_execution(
            self._get_param("pipelineName"),
            self._get_param("pipelineExecutionId"),
            bool(self._get_param("abandon")),
            self._get_param("reason"),
        )
        return _dumps({"pipelineExecutionId": execution_id})

    def retry_stage_execution(self) -> str:
        execution_id = self.codepipeline_backend.retry_stage_execution(
            self._get_param("pipelineName"),
            self._get_param("stageName"),
            self._get_param("pipelineExecutionId"),
            self._get_param("retryMode"),
        )
        return _dumps({"pipelineExecutionId": execution_id})
