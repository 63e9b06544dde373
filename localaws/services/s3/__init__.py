"""S3 whose bucket policies are evaluated with a TLS request's context, and which refuses the bucket
names AWS reserves (see models.py)."""

from __future__ import annotations


def install() -> None:
    from moto.s3 import models as moto_models

    from .models import ReservedNamesS3Backend, bucket_permission

    # moto's policy check is a FakeBucket method; replacing it is the only hook (see models.py for why).
    moto_models.FakeBucket.get_permission = bucket_permission  # type: ignore[method-assign,assignment]
    moto_models.s3_backends.backend = ReservedNamesS3Backend
    moto_models.s3_backends.clear()
