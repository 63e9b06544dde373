"""Auto Scaling that launches instances only where the region offers their type, refuses launch templates
whose instance profile IAM has not propagated yet, and records its scaling activities."""

from __future__ import annotations

from pathlib import Path

from moto.autoscaling import models as moto_models

from ...seams import moto as moto_seam
from .._extension import Extension
from .models import OfferedTypesAutoScalingBackend, OfferedTypesAutoScalingGroup


def install(data_dir: Path) -> None:
    """Make moto's Auto Scaling build groups that launch only the instance types a zone offers, and the backend that
    checks IAM propagation and records scaling activities."""
    # moto's backend builds its groups from this module-level name; ours launches only offered types.
    moto_seam.patch(moto_models, "FakeAutoScalingGroup", OfferedTypesAutoScalingGroup)
    moto_seam.use_backend_class(moto_models.autoscaling_backends, OfferedTypesAutoScalingBackend)


EXTENSION = Extension("autoscaling", install)
