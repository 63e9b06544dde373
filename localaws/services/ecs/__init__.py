"""ECS whose services run their tasks as local processes and serve through the sandbox's ELBv2."""

from __future__ import annotations

from pathlib import Path


def install(data_dir: Path) -> None:
    from moto.ecs import models as moto_models

    from ...seams import moto as moto_seam
    from .models import ServingECSBackend

    ServingECSBackend.work_root = data_dir / "ecs"
    moto_seam.use_backend_class(moto_models.ecs_backends, ServingECSBackend)


def shutdown() -> None:
    from moto.ecs import models as moto_models

    from .models import ServingECSBackend

    for _, _, backend in moto_models.ecs_backends.iter_backends():
        if isinstance(backend, ServingECSBackend):
            backend.stop_all_tasks()
