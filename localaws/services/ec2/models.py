"""EC2 backend state: moto's, with AWS's refusal of security-group names that look like group ids."""

from __future__ import annotations

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend
from moto.ec2.models.security_groups import SecurityGroup


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
