"""ECR's wire layer: moto's, plus the lifecycle policy previews moto lacks (``previews.py``)."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.ecr.responses import ECRResponse

from ...seams.moto import ResponseParams
from . import registry
from .models import RegistryECRBackend


class RegistryECRResponse(ResponseParams, ECRResponse):
    @property
    def ecr_backend(self) -> RegistryECRBackend:
        return super().ecr_backend  # type: ignore[return-value]

    def get_authorization_token(self) -> ActionResult:
        """moto's answer; in Docker mode each account named (the caller's by default) gets its registry started, if
        it runs none yet (``registry.ensure``), so that the token's login finds one."""
        for account_id in self.param("registryIds") or [self.current_account]:
            registry.ensure(str(account_id))
        return super().get_authorization_token()

    def start_lifecycle_policy_preview(self) -> ActionResult:
        return ActionResult(
            self.ecr_backend.start_lifecycle_policy_preview(
                self.param("repositoryName"), self.param("registryId"), self.param("lifecyclePolicyText")
            )
        )

    def get_lifecycle_policy_preview(self) -> ActionResult:
        return ActionResult(
            self.ecr_backend.get_lifecycle_policy_preview(
                self.param("repositoryName"),
                self.param("registryId"),
                self.param("imageIds"),
                (self.param("filter") or {}).get("tagStatus"),
                self.param("nextToken"),
                self.param("maxResults"),
            )
        )
