"""EC2 backend state: moto's, with AWS's refusal of security-group names that look like group ids, and
DescribeRegions answering each opt-in region's status from the account's settings."""

from __future__ import annotations

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend
from moto.ec2.models.availability_zones_and_regions import Region
from moto.ec2.models.security_groups import SecurityGroup

from ... import account

#: moto's status for a region that must be enabled first (its list of opt-in regions).
NOT_OPTED_IN = "not-opted-in"


class ReservedNamesEC2Backend(EC2Backend):
    def create_security_group(
        self,
        name: str,
        description: str,
        vpc_id: str | None = None,
        tags: dict[str, str] | None = None,
        force: bool = False,
        is_default: bool | None = None,
    ) -> SecurityGroup:
        if name.lower().startswith("sg-"):
            raise EC2ClientError(
                "InvalidParameterValue",
                f"Value ({name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.",
            )
        return super().create_security_group(name, description, vpc_id, tags, force, is_default)

    def describe_regions(self, region_names: list[str] | None = None) -> list[Region]:
        """An opt-in region answers "opted-in" once the account has enabled it (the
        ``opted_in_regions`` setting); the others keep moto's "not-opted-in"."""
        enabled = set(account.current().opted_in_regions)
        return [
            Region(region.name, region.endpoint, "opted-in")
            if region.opt_in_status == NOT_OPTED_IN and region.name in enabled
            else region
            for region in super().describe_regions(region_names)
        ]
