"""Service Quotas that answers the sandbox's CodeBuild concurrency quota (``account.py``)."""

from __future__ import annotations


def install() -> None:
    from moto.servicequotas import models as moto_models

    from .models import AccountQuotasBackend

    moto_models.servicequotas_backends.backend = AccountQuotasBackend
    moto_models.servicequotas_backends.clear()
