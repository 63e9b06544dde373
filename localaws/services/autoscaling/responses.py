"""The Auto Scaling wire layer: moto's, with DescribeScalingActivities answering the recorded activities
(moto always answers an empty list)."""

from __future__ import annotations

from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult

from .models import OfferedTypesAutoScalingBackend


class ActivitiesAutoScalingResponse(AutoScalingResponse):
    @property
    def autoscaling_backend(self) -> OfferedTypesAutoScalingBackend:
        return super().autoscaling_backend  # type: ignore[return-value]

    def describe_scaling_activities(self) -> ActionResult:
        activities = self.autoscaling_backend.describe_scaling_activities(
            self._get_param("AutoScalingGroupName"), self._get_param("ActivityIds", [])
        )
        return ActionResult({"Activities": activities})
