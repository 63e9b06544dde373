"""The IAM wire layer: moto's, plus ListInstanceProfileTags."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

from .models import TaggedProfilesIAMBackend


class TaggedProfilesIamResponse(IamResponse):
    @property
    def backend(self) -> TaggedProfilesIAMBackend:
        return super().backend  # type: ignore[return-value]

    def list_instance_profile_tags(self) -> ActionResult:
        tags = self.backend.list_instance_profile_tags(self._get_param("InstanceProfileName"))
        return ActionResult({"Tags": tags, "IsTruncated": False})
