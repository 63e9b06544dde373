"""Service Quotas that answers the sandbox's CodeBuild concurrency quota (``account.py``)."""

from __future__ import annotations


def install() -> None:
    from moto.servicequotas import models as moto_models

    from ...seams import moto as moto_seam
    from .models import AccountQuotasBackend

    moto_seam.use_backend_class(moto_models.servicequotas_backends, AccountQuotasBackend)
