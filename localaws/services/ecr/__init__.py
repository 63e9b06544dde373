"""ECR in the sandbox: moto's registry API, plus the image store that the build-time docker stand-in
fills and the ECS task runner reads."""

from __future__ import annotations

from pathlib import Path


def install(data_dir: Path) -> None:
    from moto.ecr import models as moto_models

    from ..ecs.models import ServingECSBackend
    from .images import EcrImageLookup
    from .models import RegistryECRBackend

    moto_models.ecr_backends.backend = RegistryECRBackend
    moto_models.ecr_backends.clear()
    ServingECSBackend.image_lookup = EcrImageLookup(data_dir)
