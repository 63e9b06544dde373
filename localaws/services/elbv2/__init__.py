"""ELBv2 whose HTTP listeners really listen on 127.0.0.1 and forward to local ECS tasks."""

from __future__ import annotations


def install() -> None:
    from moto.elbv2 import models as moto_models

    from ...seams import moto as moto_seam
    from .models import ServingELBv2Backend

    moto_seam.use_backend_class(moto_models.elbv2_backends, ServingELBv2Backend)


def shutdown() -> None:
    from moto.elbv2 import models as moto_models

    from .models import ServingELBv2Backend

    for _, _, backend in moto_models.elbv2_backends.iter_backends():
        if isinstance(backend, ServingELBv2Backend):
            backend.close_all()
