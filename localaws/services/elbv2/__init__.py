"""ELBv2 whose HTTP listeners really listen on 127.0.0.1 and forward to local ECS tasks."""

from __future__ import annotations

from pathlib import Path

from moto.elbv2 import models as moto_models

from ... import routes
from ...seams import moto as moto_seam
from .._extension import Extension, Resumed, Route, json_view
from . import views
from .models import ServingELBv2Backend


def install(data_dir: Path) -> None:
    """Make moto's ELBv2 build the backend whose HTTP listeners listen on 127.0.0.1 and forward to the ECS tasks."""
    moto_seam.use_backend_class(moto_models.elbv2_backends, ServingELBv2Backend)


def _backends() -> list[tuple[str, ServingELBv2Backend]]:
    return [(r, b) for _, r, b in moto_models.elbv2_backends.iter_backends() if isinstance(b, ServingELBv2Backend)]


def resume() -> Resumed:
    """Every listener listens on its port again (another one, reported, if that port was taken meanwhile)."""
    return Resumed([f"{region}: {problem}" for region, balancers in _backends() for problem in balancers.resume()])


def shutdown() -> None:
    """Close every listener's port (the sandbox is stopping); ``resume`` listens on them again."""
    for _, backend in _backends():
        backend.close_all()


EXTENSION = Extension(
    "elbv2", install, resume, shutdown, routes=(Route(routes.LISTENERS, json_view(views.listener_urls)),)
)
