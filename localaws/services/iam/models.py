"""IAM backend state: moto's, plus ListInstanceProfileTags (moto stores the tags but cannot list them),
CreateServiceLinkedRole with AWS's role names and its answer when the role exists already, and
SimulatePrincipalPolicy (moto has no policy simulator)."""

from __future__ import annotations

import json
from typing import Any

from moto.iam.exceptions import InvalidInput
from moto.iam.models import IAMBackend, InstanceProfile, Role, iam_backends

from ...iam_enforcement.simulator import simulate

#: AWS's names for the service-linked roles the workshop meets (moto would name ECS's "AWSServiceRoleForecs").
SERVICE_LINKED_ROLE_NAMES = {
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
}


class TaggedProfilesIAMBackend(IAMBackend):
    def list_instance_profile_tags(self, profile_name: str) -> list[dict[str, str]]:
        return list(self.get_instance_profile(profile_name).tags)

    def simulate_principal_policy(
        self,
        source_arn: str,
        actions: list[str],
        resources: list[str],
        context: dict[str, list[str]],
    ) -> list[dict[str, Any]]:
        """IAM's policy simulator on the sandbox, answered by the sandbox's own evaluator: the identity
        policies of a role or user (inline, attached managed, and a user's groups'), for each action on
        each resource. The ``testing`` credentials are the account's root user, which IAM cannot simulate:
        asking about an ARN that is no role or user is NoSuchEntity, as on AWS. Simpler than AWS: permissions
        boundaries and resource policies are not part of the answer, and ``MissingContextValues`` is empty."""

        return simulate(self, source_arn, actions, resources or ["*"], context)

    def create_service_linked_role(self, service_name: str, description: str, suffix: str) -> Role:
        base = SERVICE_LINKED_ROLE_NAMES.get(service_name)
        if base is None:
            return super().create_service_linked_role(service_name, description, suffix)
        role_name = base + (f"_{suffix}" if suffix else "")
        if self.role_named(role_name) is not None:
            raise InvalidInput(
                f"Service role name {role_name} has been taken in this account, please try a different suffix."
            )
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": [service_name]}}],
        }
        return self.create_role(
            role_name,
            json.dumps(trust),
            f"/aws-service-role/{service_name}/",
            permissions_boundary=None,
            description=description,
            tags=[],
            max_session_duration="3600",
            linked_service=service_name,
        )

    def role_named(self, name: str) -> Role | None:
        return next((role for role in self.roles.values() if role.name == name), None)

    def instance_profile_named(self, name_or_arn: str) -> InstanceProfile | None:
        return next((p for p in self.instance_profiles.values() if name_or_arn in (p.name, p.arn)), None)


def backend(account_id: str, partition: str = "aws") -> TaggedProfilesIAMBackend:
    """The sandbox's IAM backend of an account (IAM is global: one per partition, not per region)."""
    return iam_backends[account_id][partition]  # type: ignore[return-value]  # install() made it this class
