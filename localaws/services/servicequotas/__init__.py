"""Service Quotas that answers the sandbox's CodeBuild concurrency quota (``account.py``)."""

from __future__ import annotations

from pathlib import Path

from moto.servicequotas import models as moto_models

from ...seams import moto as moto_seam
from .._extension import Extension
from .models import AccountQuotasBackend


def install(data_dir: Path) -> None:
    """Make moto's Service Quotas build the backend that answers CodeBuild's concurrent-build quotas from the account's
    settings."""
    moto_seam.use_backend_class(moto_models.servicequotas_backends, AccountQuotasBackend)


EXTENSION = Extension("service-quotas", install)
