"""ECR in the sandbox: moto's registry API, plus the image store that the build-time docker stand-in
fills and the ECS task runner reads."""

from __future__ import annotations

from pathlib import Path


def install(data_dir: Path) -> None:
    from ..ecs.models import ServingECSBackend
    from .images import EcrImageLookup

    ServingECSBackend.image_lookup = EcrImageLookup(data_dir)
