"""Service Quotas backend state: moto's VPC quotas, plus CodeBuild's concurrent-build quotas, whose value
is the sandbox's ``codebuild_concurrency`` (the number its CodeBuild enforces).

AWS keeps one such quota per environment type and compute size; the sandbox has one pool for all builds,
so every listed code answers the same number. Quota codes as AWS names them (seen in Service Quotas
answers quoted in public issues and in AWS's Landing Zone Accelerator).
"""

from __future__ import annotations

from typing import Any

from moto.servicequotas.models import ServiceQuotasBackend

from ... import account

CODEBUILD_CONCURRENCY_QUOTAS = {
    "L-9D07B6EF": "Concurrently running builds for Linux/Small environment",
    "L-2DC20C30": "Concurrently running builds for Linux/Medium environment",
    "L-4DDC4A99": "Concurrently running builds for Linux/Large environment",
}


class AccountQuotasBackend(ServiceQuotasBackend):
    def _codebuild_quotas(self) -> list[dict[str, Any]]:
        value = float(account.current().codebuild_concurrency)
        return [
            {
                "ServiceCode": "codebuild",
                "ServiceName": "AWS CodeBuild",
                "QuotaArn": f"arn:{self.partition}:servicequotas:{self.region_name}:{self.account_id}:codebuild/{code}",
                "QuotaCode": code,
                "QuotaName": name,
                "Value": value,
                "Unit": "None",
                "Adjustable": True,
                "GlobalQuota": False,
            }
            for code, name in CODEBUILD_CONCURRENCY_QUOTAS.items()
        ]

    def list_aws_default_service_quotas(self, service_code: str) -> list[dict[str, Any]]:
        if service_code == "codebuild":
            return self._codebuild_quotas()
        return super().list_aws_default_service_quotas(service_code)

    def get_service_quota(self, service_code: str, quota_code: str) -> dict[str, Any]:
        if service_code == "codebuild":
            for quota in self._codebuild_quotas():
                if quota["QuotaCode"] == quota_code:
                    return quota
        return super().get_service_quota(service_code, quota_code)
