"""CodePipeline whose executions run: source, build, approval and ECS deploy actions, started on
creation, on StartPipelineExecution, and by EventBridge rules on CodeCommit branch changes;
``AWS::CodePipeline::Pipeline`` for CloudFormation (``cloudformation.py``) and a page per pipeline (``views.py``)."""

from __future__ import annotations

from pathlib import Path

from moto.codepipeline import models as moto_models

from ... import routes
from ...seams import moto as moto_seam
from .._extension import Extension, Resumed, Route
from ..codecommit.models import GitCodeCommitBackend
from . import cloudformation as cloudformation  # defining the resource type registers it with moto
from . import views
from .models import EnginePipelineBackend
from .triggers import on_reference_change


def install(data_dir: Path) -> None:
    """Make moto's CodePipeline build the backend whose executions run, and have CodeCommit's branch changes reach the
    EventBridge rules that start pipelines (``triggers.py``)."""
    moto_seam.use_backend_class(moto_models.codepipeline_backends, EnginePipelineBackend)
    GitCodeCommitBackend.reference_listeners.append(on_reference_change)


def resume() -> Resumed:
    """Executions that waited for an approval wait again; the others that ran end with the restart reason."""
    return Resumed(
        [
            f"{region}: pipeline execution {execution_id} waits for its approval again"
            for _, region, pipelines in moto_models.codepipeline_backends.iter_backends()
            if isinstance(pipelines, EnginePipelineBackend)
            for execution_id in pipelines.resume()
        ]
    )


EXTENSION = Extension("codepipeline", install, resume, routes=(Route(routes.PIPELINE_PAGES, views.page, prefix=True),))
