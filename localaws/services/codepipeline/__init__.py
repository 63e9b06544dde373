"""CodePipeline whose executions run: source, build, approval and ECS deploy actions, started on
creation, on StartPipelineExecution, and by EventBridge rules on CodeCommit branch changes."""

from __future__ import annotations


def install() -> None:
    from moto.codepipeline import models as moto_models

    from ..codecommit.models import GitCodeCommitBackend
    from .models import EnginePipelineBackend
    from .triggers import on_reference_change

    moto_models.codepipeline_backends.backend = EnginePipelineBackend
    moto_models.codepipeline_backends.clear()
    GitCodeCommitBackend.reference_listeners.append(on_reference_change)
