"""EC2 backend state: moto's, with AWS's refusal of security-group names that look like group ids, and
DescribeRegions answering each opt-in region's status from the account's settings."""

from __future__ import annotations

import threading
from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend
from moto.ec2.models.availability_zones_and_regions import Region
from moto.ec2.models.security_groups import SecurityGroup

from ... import account
from ...seams import moto as moto_seam

#: Marks a saved EC2 backend whose default images were left out (to be made again on load).
_DEFAULT_IMAGES_LEFT_OUT = "_localaws_default_images_left_out"
#: Launches take turns: moto draws a subnet's next private address from a generator, which two threads cannot
#: advance at once ("generator already executing", answered as a 500). The sandbox serves requests on threads,
#: and three Auto Scaling groups launching into one subnet at once (notebook 01 on EC2) met it.
_LAUNCHES = threading.Lock()
#: moto's status for a region that must be enabled first (its list of opt-in regions).
NOT_OPTED_IN = "not-opted-in"


class ReservedNamesEC2Backend(EC2Backend):
    """What the sandbox's EC2 adds to moto's (below), and a saved state without moto's default images.

    moto gives every region backend a few hundred Amazon images, each with an EBS snapshot: about 1.7 MB
    of the EC2 snapshot file, written again on every EC2 change. They are the same in every process, so
    they are left out when the backend is saved and made again when it is loaded (the images keep their
    ids; their auto-created snapshots get new ones, as nothing of the workshop's points at them)."""

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        defaults = {ami_id for ami_id, ami in self.amis.items() if ami.owner_alias == "amazon"}
        default_snapshots = {self.amis[ami_id].ebs_snapshot.id for ami_id in defaults}
        state["amis"] = {ami_id: ami for ami_id, ami in self.amis.items() if ami_id not in defaults}
        state["snapshots"] = {i: s for i, s in self.snapshots.items() if i not in default_snapshots}
        state[_DEFAULT_IMAGES_LEFT_OUT] = True
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        left_out = state.pop(_DEFAULT_IMAGES_LEFT_OUT, False)
        self.__dict__.update(state)
        if left_out:  # a snapshot saved before images were left out holds them all
            saved = self.amis
            self.amis = {}
            moto_seam.load_default_images(self)
            self.amis.update(saved)

    def run_instances(self, *args: Any, **kwargs: Any) -> Any:
        with _LAUNCHES:
            return super().run_instances(*args, **kwargs)

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
