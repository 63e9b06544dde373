"""CodeBuild whose builds run their buildspec, with `docker` and `aws` aimed at the sandbox; ``AWS::CodeBuild::Project``
for CloudFormation (``cloudformation.py``)."""

from __future__ import annotations

from pathlib import Path

from moto.codebuild import models as moto_models

from ...seams import moto as moto_seam
from .._extension import Extension, Resumed
from . import cloudformation as cloudformation  # defining the resource type registers it with moto
from .models import RunningCodeBuildBackend


def install(data_dir: Path) -> None:
    """Make moto's CodeBuild build the backend whose builds run their buildspec; ``data_dir`` keeps the builds' work
    folders, the ``docker`` and ``aws`` wrappers, and the image store the docker stand-in fills."""
    RunningCodeBuildBackend.data_dir = data_dir
    moto_seam.use_backend_class(moto_models.codebuild_backends, RunningCodeBuildBackend)


def resume() -> Resumed:
    """Builds that were running end as FAILED: their processes are gone."""
    return Resumed(
        [
            f"{region}: build {build_id} ended as FAILED (the sandbox restarted while it ran)"
            for _, region, builds in moto_models.codebuild_backends.iter_backends()
            if isinstance(builds, RunningCodeBuildBackend)
            for build_id in builds.resume()
        ]
    )


EXTENSION = Extension("codebuild", install, resume)
