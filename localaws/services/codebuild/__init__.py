"""CodeBuild whose builds run their buildspec, with `docker` and `aws` aimed at the sandbox."""

from __future__ import annotations

from pathlib import Path


def install(data_dir: Path) -> None:
    from moto.codebuild import models as moto_models

    from ...seams import moto as moto_seam
    from .models import RunningCodeBuildBackend

    RunningCodeBuildBackend.data_dir = data_dir
    moto_seam.use_backend_class(moto_models.codebuild_backends, RunningCodeBuildBackend)
