"""The IAM wire layer: moto's, plus ListInstanceProfileTags and SimulatePrincipalPolicy."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

from ...seams.moto import ResponseParams
from .models import TaggedProfilesIAMBackend


class TaggedProfilesIamResponse(ResponseParams, IamResponse):
    @property
    def backend(self) -> TaggedProfilesIAMBackend:
        return super().backend  # type: ignore[return-value]

    def list_instance_profile_tags(self) -> ActionResult:
        tags = self.backend.list_instance_profile_tags(self.param("InstanceProfileName"))
        return ActionResult({"Tags": tags, "IsTruncated": False})

    def simulate_principal_policy(self) -> ActionResult:
        context = {
            str(entry["ContextKeyName"]): [str(v) for v in entry.get("ContextKeyValues", [])]
            for entry in self.param("ContextEntries", [])
        }
        results = self.backend.simulate_principal_policy(
            self.param("PolicySourceArn"),
            list(self.param("ActionNames", [])),
            list(self.param("ResourceArns", [])),
            context,
        )
        return ActionResult({"EvaluationResults": results, "IsTruncated": False})
