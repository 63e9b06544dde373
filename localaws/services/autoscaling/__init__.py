"""Auto Scaling that launches instances only where the region offers their type, refuses launch templates
whose instance profile IAM has not propagated yet, and records its scaling activities."""

from __future__ import annotations


def install() -> None:
    from moto.autoscaling import models as moto_models

    from .models import OfferedTypesAutoScalingBackend, OfferedTypesAutoScalingGroup

    # moto's backend builds its groups from this module-level name; ours launches only offered types.
    moto_models.FakeAutoScalingGroup = OfferedTypesAutoScalingGroup  # type: ignore[misc]
    moto_models.autoscaling_backends.backend = OfferedTypesAutoScalingBackend
    moto_models.autoscaling_backends.clear()
