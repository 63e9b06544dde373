"""EC2 that refuses security-group names AWS reserves (``sg-*``) and knows which opt-in regions the account enabled."""

from __future__ import annotations


def install() -> None:
    from moto.ec2 import models as moto_models

    from ...seams import moto as moto_seam
    from .models import ReservedNamesEC2Backend

    moto_seam.use_backend_class(moto_models.ec2_backends, ReservedNamesEC2Backend)
