"""The Auto Scaling wire layer: moto's, with DescribeScalingActivities answering the recorded activities
(moto always answers an empty list)."""

from __future__ import annotations

from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult

from ...seams.moto import ResponseParams
from .models import OfferedTypesAutoScalingBackend


class ActivitiesAutoScalingResponse(ResponseParams, AutoScalingResponse):
    @property
    def autoscaling_backend(self) -> OfferedTypesAutoScalingBackend:
        return super().autoscaling_backend  # type: ignore[return-value]

    def describe_scaling_activities(self) -> ActionResult:
        activities = self.autoscaling_backend.describe_scaling_activities(
            self.param("AutoScalingGroupName"), self.param("ActivityIds", [])
        )
        return ActionResult({"Activities": activities})
