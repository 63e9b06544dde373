"""EC2 that refuses security-group names AWS reserves (``sg-*``) and knows which opt-in regions the account enabled."""

from __future__ import annotations

from pathlib import Path

from moto.ec2 import models as moto_models

from ...seams import moto as moto_seam
from .._extension import Extension
from .models import ReservedNamesEC2Backend


def install(data_dir: Path) -> None:
    """Make moto's EC2 build the backend that refuses security-group names starting ``sg-`` and answers the opt-in
    regions' status from the account's settings."""
    moto_seam.use_backend_class(moto_models.ec2_backends, ReservedNamesEC2Backend)


EXTENSION = Extension("ec2", install)
