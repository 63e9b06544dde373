"""Auto Scaling backend state as a new account meets it.

- A group launches instances only in Availability Zones that offer the launch template's instance type
  (moto ships AWS's per-region offerings); elsewhere each launch fails with EC2's message, recorded as a
  scaling activity, and the group stays empty, so the ECS services on it never get capacity.
- CreateAutoScalingGroup refuses a launch template whose instance profile is younger than IAM's
  propagation delay (``account.py``), with Auto Scaling's own ValidationError.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
from moto.core.utils import utcnow
from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS

from ... import account
from ..iam import propagation

LAUNCH_FAILED = "Launching EC2 instance failed."
UNSUPPORTED_CONFIGURATION = (
    "The requested configuration is currently not supported. Please check the documentation for supported "
    "configurations."
)


def zones_offering(region: str, instance_type: str) -> set[str] | None:
    """The region's Availability Zones that offer ``instance_type``; None when moto has no data for the region."""

    offerings = INSTANCE_TYPE_OFFERINGS["availability-zone"].get(region)
    if not offerings:
        return None
    return {str(o["Location"]) for o in offerings if o.get("InstanceType") == instance_type}


class OfferedTypesAutoScalingGroup(FakeAutoScalingGroup):
    """A group that launches only into zones offering its instance type, and keeps its activities."""

    @property
    def activities(self) -> list[dict[str, Any]]:
        if not hasattr(self, "_activities"):
            self._activities: list[dict[str, Any]] = []
        return self._activities

    def replace_autoscaling_group_instances(self, count_needed: int, propagated_tags: dict[str, str]) -> None:
        if count_needed <= 0 or not account.current().instance_type_offerings:
            self._launch(count_needed, propagated_tags)
            return
        offered = zones_offering(self.region, self.instance_type)
        placements = self._placements()
        usable = [(zone, subnet) for zone, subnet in placements if offered is None or zone in offered]
        if not usable:
            reason = self._unsupported_reason(offered or set(), [zone for zone, _ in placements])
            for _ in range(count_needed):
                self._record("Failed", "Launching a new EC2 instance.  Status Reason: " + reason, reason)
            return
        saved = self.vpc_zone_identifier, self.availability_zones
        try:  # moto launches into the first subnet (or a random listed zone): offer it only usable ones
            if self.vpc_zone_identifier:
                self.vpc_zone_identifier = ",".join(subnet for _, subnet in usable if subnet)
            else:
                self.availability_zones = [zone for zone, _ in usable]
            self._launch(count_needed, propagated_tags)
        finally:
            self.vpc_zone_identifier, self.availability_zones = saved

    def _launch(self, count_needed: int, propagated_tags: dict[str, str]) -> None:
        before = {state.instance.id for state in self.instance_states}
        super().replace_autoscaling_group_instances(count_needed, propagated_tags)
        for state in self.instance_states:
            if state.instance.id not in before:
                self._record("Successful", f"Launching a new EC2 instance: {state.instance.id}", None)

    def _placements(self) -> list[tuple[str, str | None]]:
        """(zone, subnet) pairs the group may launch into, in the group's order."""
        if self.vpc_zone_identifier:
            pairs: list[tuple[str, str | None]] = []
            for subnet_id in self.vpc_zone_identifier.split(","):
                subnet = self.ec2_backend.get_subnet(subnet_id.strip())
                pairs.append((str(subnet.availability_zone), subnet_id.strip()))
            return pairs
        return [(zone, None) for zone in self.availability_zones]

    def _unsupported_reason(self, offered: set[str], requested: list[str]) -> str:
        if not offered:
            return f"{UNSUPPORTED_CONFIGURATION} {LAUNCH_FAILED}"
        return (
            f"Your requested instance type ({self.instance_type}) is not supported in your requested "
            f"Availability Zone ({requested[0] if requested else self.region}). Please retry your request by not "
            f"specifying an Availability Zone or choosing {', '.join(sorted(offered))}. {LAUNCH_FAILED}"
        )

    def _record(self, status: str, description: str, message: str | None) -> None:
        now = utcnow()
        activity: dict[str, Any] = {
            "ActivityId": str(uuid.uuid4()),
            "AutoScalingGroupName": self.name,
            "AutoScalingGroupARN": self.arn,
            "Description": description,
            "Cause": f"At {now:%Y-%m-%dT%H:%M:%SZ} an instance was started in response to a difference between "
            f"desired and actual capacity, increasing the capacity from {len(self.instance_states)} to "
            f"{self.desired_capacity}.",
            "StartTime": now,
            "EndTime": now,
            "StatusCode": status,
            "Progress": 100,
            "Details": "{}",
        }
        if message:
            activity["StatusMessage"] = message
        self.activities.insert(0, activity)


class OfferedTypesAutoScalingBackend(AutoScalingBackend):
    def create_auto_scaling_group(self, name: str, *args: Any, **kwargs: Any) -> FakeAutoScalingGroup:
        launch_template = kwargs.get("launch_template")
        if launch_template is None and len(args) > 5:
            launch_template = args[5]  # positional order of moto's signature: ..., launch_config_name, launch_template
        self._refuse_unpropagated_profile(launch_template or {})
        return super().create_auto_scaling_group(name, *args, **kwargs)

    def describe_scaling_activities(self, group_name: str | None, activity_ids: list[str]) -> list[dict[str, Any]]:
        groups = [self.autoscaling_groups[group_name]] if group_name in self.autoscaling_groups else []
        if not group_name:
            groups = list(self.autoscaling_groups.values())
        activities = [a for g in groups for a in getattr(g, "activities", [])]
        if activity_ids:
            activities = [a for a in activities if a["ActivityId"] in activity_ids]
        return sorted(activities, key=lambda a: a["StartTime"], reverse=True)

    def _refuse_unpropagated_profile(self, launch_template: dict[str, Any]) -> None:
        """Auto Scaling validates the template's instance profile at once; a new one is not there yet."""
        template_id, template_name = launch_template.get("LaunchTemplateId"), launch_template.get("LaunchTemplateName")
        if not (template_id or template_name):
            return
        try:
            template = (
                self.ec2_backend.get_launch_template(template_id)
                if template_id
                else self.ec2_backend.get_launch_template_by_name(str(template_name))
            )
            version = template.get_version(launch_template.get("Version") or "$Default")
        except Exception:  # moto's own validation answers for a missing template or version
            return
        profile = version.data.get("IamInstanceProfile") or {}
        name, arn = profile.get("Name"), profile.get("Arn")
        value, field, kind = (name, "name", "name") if name else (arn, "arn", "ARN")
        if value and propagation.instance_profile_not_yet_visible(self.account_id, value, self.partition):
            raise ValidationError(
                "You must use a valid fully-formed launch template. Value "
                f"({value}) for parameter iamInstanceProfile.{field} is invalid. Invalid IAM Instance Profile {kind}"
            )
