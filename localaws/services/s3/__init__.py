"""S3 whose bucket policies are evaluated with a TLS request's context (see models.py)."""

from __future__ import annotations


def install() -> None:
    from moto.s3.models import FakeBucket

    from .models import bucket_permission

    FakeBucket.get_permission = bucket_permission  # type: ignore[method-assign]
