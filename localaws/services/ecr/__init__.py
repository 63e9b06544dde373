"""ECR in the sandbox: moto's registry API, plus the image store that the build-time docker stand-in
fills (``buildtools/image_store.py``) and the ECS task runner reads (``ecs/images.py``); in Docker mode, a real
registry behind the API (``registry.py``)."""

from __future__ import annotations

from pathlib import Path

from moto.ecr import models as moto_models

from ... import clock
from ...seams import moto as moto_seam
from .._extension import Extension
from . import registry
from .models import RegistryECRBackend


def install(data_dir: Path) -> None:
    """Make moto's ECR build the sandbox's backend and, in Docker mode, start the real registry behind it."""
    RegistryECRBackend.data_dir = data_dir
    moto_seam.use_backend_class(moto_models.ecr_backends, RegistryECRBackend)
    clock.on_advance(apply_lifecycle_policies)
    registry.start(data_dir)  # Docker mode: the real registry behind the API (registry.py)


def apply_lifecycle_policies() -> None:
    """Evaluate every repository's lifecycle policy (the sandbox's clock moved on: a ``sinceImagePushed`` rule may
    expire images now)."""
    for _, _, backend in moto_models.ecr_backends.iter_backends():
        if isinstance(backend, RegistryECRBackend):
            for name in list(backend.repositories):
                backend.apply_lifecycle_policy(name)


EXTENSION = Extension("ecr", install, shutdown=registry.stop)
