"""CodePipeline whose executions run: source, build, approval and ECS deploy actions, started on
creation, on StartPipelineExecution, and by EventBridge rules on CodeCommit branch changes."""

from __future__ import annotations


def install() -> None:
    from moto.codepipeline import models as moto_models

    from ...seams import moto as moto_seam
    from ..codecommit.models import GitCodeCommitBackend
    from .models import EnginePipelineBackend
    from .triggers import on_reference_change

    moto_seam.use_backend_class(moto_models.codepipeline_backends, EnginePipelineBackend)
    GitCodeCommitBackend.reference_listeners.append(on_reference_change)
