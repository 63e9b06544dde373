"""IAM backend state: moto's, plus ListInstanceProfileTags (moto stores the tags but cannot list them)
and SimulatePrincipalPolicy (moto has no policy simulator)."""

from __future__ import annotations

from typing import Any

from moto.iam.models import IAMBackend


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
        each resource. The sandbox's account identity (``user/moto``, the ``testing`` credentials) is
        the account's administrator, as the workshop treats it: everything is allowed."""
        from ...iam_enforcement.simulator import simulate

        return simulate(self, source_arn, actions, resources or ["*"], context)
