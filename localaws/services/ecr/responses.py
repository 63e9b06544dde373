"""ECR's wire layer: moto's, plus the lifecycle policy previews moto lacks (``previews.py``)."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.ecr.responses import ECRResponse

from ...seams.moto import ResponseParams
from .models import RegistryECRBackend


class RegistryECRResponse(ResponseParams, ECRResponse):
    @property
    def ecr_backend(self) -> RegistryECRBackend:
        return super().ecr_backend  # type: ignore[return-value]

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
