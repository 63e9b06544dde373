"""IAM with ListInstanceProfileTags, which the kit uses to tell its instance profile from others."""

from __future__ import annotations

from pathlib import Path

from moto.iam import models as moto_models

from ...seams import moto as moto_seam
from .._extension import Extension
from .models import TaggedProfilesIAMBackend


def install(data_dir: Path) -> None:
    """Make moto's IAM build the sandbox's backend (ListInstanceProfileTags, SimulatePrincipalPolicy, AWS's
    service-linked role names), and have moto's own naming call ECS's service-linked role AWSServiceRoleForECS too."""
    # AWS names ECS's service-linked role AWSServiceRoleForECS; moto would call it AWSServiceRoleForecs.
    moto_models.SERVICE_NAME_CONVERSION.setdefault("ecs", "ECS")
    moto_seam.use_backend_class(moto_models.iam_backends, TaggedProfilesIAMBackend)


EXTENSION = Extension("iam", install)
