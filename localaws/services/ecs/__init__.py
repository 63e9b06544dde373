"""ECS whose services run their tasks as local processes (images from the sandbox's ECR) or, in Docker mode, as
containers, and serve through the sandbox's ELBv2."""

from __future__ import annotations

from pathlib import Path

from moto.ecs import models as moto_models

from ... import routes
from ...seams import moto as moto_seam
from .._extension import Extension, Resumed, Route, json_view
from . import views
from .container_runner import remove_leftovers
from .images import EcrImageLookup
from .models import ServingECSBackend


def install(data_dir: Path) -> None:
    """Make moto's ECS build the backend whose services run their tasks as local processes (in folders under
    ``data_dir/ecs``, from images found in the sandbox's ECR) or, in Docker mode, as containers."""
    ServingECSBackend.work_root = data_dir / "ecs"
    ServingECSBackend.image_lookup = EcrImageLookup(data_dir)
    moto_seam.use_backend_class(moto_models.ecs_backends, ServingECSBackend)


def _backends() -> list[ServingECSBackend]:
    return [b for _, _, b in moto_models.ecs_backends.iter_backends() if isinstance(b, ServingECSBackend)]


def resume() -> Resumed:
    """Every ACTIVE service starts its tasks again, each in a thread of its own, once the containers a killed sandbox
    left running are removed (Docker mode)."""
    remove_leftovers(ServingECSBackend.work_root.parent)  # a killed sandbox's containers: the services start new ones
    threads = [thread for backend in _backends() for thread in backend.resume()]
    return Resumed(threads=threads)


def shutdown() -> None:
    """Stop every task process or container (the sandbox is stopping); the services stay, and ``resume`` starts their
    tasks again."""
    for backend in _backends():
        backend.stop_all_tasks()


EXTENSION = Extension(
    "ecs", install, resume, shutdown, routes=(Route(routes.ECS_TASKS, json_view(views.task_summaries)),)
)
