"""IAM backend state: moto's, plus ListInstanceProfileTags (moto stores the tags but cannot list them)."""

from __future__ import annotations

from moto.iam.models import IAMBackend


class TaggedProfilesIAMBackend(IAMBackend):
    def list_instance_profile_tags(self, profile_name: str) -> list[dict[str, str]]:
        return list(self.get_instance_profile(profile_name).tags)
