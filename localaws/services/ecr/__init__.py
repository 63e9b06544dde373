"""ECR in the sandbox: moto's registry API, plus the image store that the build-time docker stand-in
fills and the ECS task runner reads."""

from __future__ import annotations

from pathlib import Path


def install(data_dir: Path) -> None:
    from moto.ecr import models as moto_models

    from ...seams import moto as moto_seam
    from ..ecs.models import ServingECSBackend
    from .images import EcrImageLookup
    from .models import RegistryECRBackend

    moto_seam.use_backend_class(moto_models.ecr_backends, RegistryECRBackend)
    ServingECSBackend.image_lookup = EcrImageLookup(data_dir)
