"""IAM with ListInstanceProfileTags, which the kit uses to tell its instance profile from others."""

from __future__ import annotations


def install() -> None:
    from moto.iam import models as moto_models

    from .models import TaggedProfilesIAMBackend

    moto_models.iam_backends.backend = TaggedProfilesIAMBackend
    moto_models.iam_backends.clear()
