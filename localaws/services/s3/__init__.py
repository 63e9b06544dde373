"""S3 whose bucket policies are evaluated with a TLS request's context, and which refuses the bucket
names AWS reserves (see models.py)."""

from __future__ import annotations

from pathlib import Path

from moto.s3 import models as moto_models

from ...seams import moto as moto_seam
from .._extension import Extension
from .models import ReservedNamesS3Backend, bucket_permission


def install(data_dir: Path) -> None:
    """Have moto's S3 ask the sandbox's evaluator about bucket policies, and build the backend that refuses the bucket
    names AWS reserves."""
    # moto's policy check is a FakeBucket method; replacing it is the only hook (see models.py for why).
    moto_seam.patch(moto_models.FakeBucket, "get_permission", bucket_permission)
    moto_seam.use_backend_class(moto_models.s3_backends, ReservedNamesS3Backend)


EXTENSION = Extension("s3", install)
