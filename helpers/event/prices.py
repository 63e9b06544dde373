"""What an event costs: per participant per hour, and for an event of H hours.

Offline (the sandbox, or when the Price List API cannot be read) the prices come from the dated table in
``data/prices.json``, which names its source and date. On the aws backend each price is asked of AWS's
Price List API for the event's region; every line says where its price came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..core.paths import DATA_DIR

PRICE_TABLE = DATA_DIR / "prices.json"
TABLE_REGION = "us-east-1"


@cache
def price_table() -> dict[str, Any]:
    """``data/prices.json`` read once (cached): the dated offline prices, their source and the assumptions.
    Every caller gets the same dict, so none may change it."""
    return dict(json.loads(PRICE_TABLE.read_text()))


@dataclass
class CostLine:
    item: str
    quantity: float  # per participant: units per hour, or units per event when one_off
    unit: str
    price: float  # USD per unit
    source: str
    one_off: bool = False

    @property
    def cost(self) -> float:
        return self.quantity * self.price

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "quantity": self.quantity,
            "unit": self.unit,
            "price_usd": self.price,
            "cost_usd": round(self.cost, 6),
            "per": "event" if self.one_off else "hour",
            "source": self.source,
        }


@dataclass
class Estimate:
    lines: list[CostLine]
    participants: int
    hours: float

    @property
    def hourly_per_participant(self) -> float:
        return sum(line.cost for line in self.lines if not line.one_off)

    @property
    def one_off_per_participant(self) -> float:
        return sum(line.cost for line in self.lines if line.one_off)

    @property
    def per_participant_hour(self) -> float:
        """Running costs plus the one-off build and pipeline minutes spread over the event."""
        return self.hourly_per_participant + self.one_off_per_participant / self.hours

    @property
    def event_total(self) -> float:
        return self.participants * (self.hourly_per_participant * self.hours + self.one_off_per_participant)

    def to_dict(self) -> dict[str, Any]:
        table = price_table()
        return {
            "currency": "USD",
            "hours": self.hours,
            "per_participant_per_hour": round(self.per_participant_hour, 4),
            "running_per_participant_per_hour": round(self.hourly_per_participant, 4),
            "one_off_per_participant": round(self.one_off_per_participant, 4),
            "event_total": round(self.event_total, 2),
            "lines": [line.to_dict() for line in self.lines],
            "price_table": {"source": table["source"], "as_of": table["as_of"], "file": "data/prices.json"},
        }


def estimate(
    region: str, launch_type: str, instance_type: str, participants: int, hours: float, pricing: Any = None
) -> Estimate:
    """The event's cost. ``pricing`` is a Price List API client (aws backend) or None (the table)."""
    prices = _Prices(region, pricing)
    assumptions = price_table()["assumptions"]
    lines = [
        CostLine("load balancer", 1, "ALB-hour", *prices.get("alb_hour")),
        CostLine("load balancer capacity", assumptions["alb_lcus_per_hour"], "LCU-hour", *prices.get("alb_lcu_hour")),
    ]
    tasks = assumptions["tasks_per_participant"]
    if launch_type == "FARGATE":
        task = assumptions["fargate_task"]
        lines.append(CostLine("Fargate vCPU", tasks * task["vcpu"], "vCPU-hour", *prices.get("fargate_vcpu_hour")))
        lines.append(CostLine("Fargate memory", tasks * task["gb"], "GB-hour", *prices.get("fargate_gb_hour")))
    else:
        lines.append(
            CostLine(f"EC2 {instance_type}", tasks, "instance-hour", *prices.get("ec2_instance_hour", instance_type))
        )
    lines += [
        CostLine(
            "public IPv4 addresses",
            assumptions["public_ipv4_per_participant"],
            "address-hour",
            *prices.get("public_ipv4_hour"),
        ),
        CostLine(
            "CodeBuild (general1.small)",
            assumptions["build_minutes_per_participant"],
            "build-minute",
            *prices.get("codebuild_small_linux_minute"),
            one_off=True,
        ),
        CostLine(
            "CodePipeline V2",
            assumptions["pipeline_action_minutes_per_participant"],
            "action-minute",
            *prices.get("codepipeline_v2_action_minute"),
            one_off=True,
        ),
    ]
    return Estimate(lines, participants, hours)


class _Prices:
    """Each price from the Price List API when a client is given and it answers, else from the table."""

    def __init__(self, region: str, pricing: Any) -> None:
        self.region = region
        self.pricing = pricing
        table = price_table()
        self.table = table["regions"][TABLE_REGION]
        where = "" if region == TABLE_REGION else f", {TABLE_REGION} prices (the table has no {region})"
        self.table_source = f"data/prices.json ({table['as_of']}{where})"

    def get(self, key: str, instance_type: str | None = None) -> tuple[float, str]:
        if self.pricing is not None:
            found = _from_price_list(self.pricing, self.region, key, instance_type)
            if found is not None:
                return found, f"Price List API ({self.region})"
        value = self.table[key]
        if instance_type is not None:
            if instance_type not in value:
                known = ", ".join(sorted(value))
                raise KeyError(f"no offline price for {instance_type}; the table knows {known}")
            value = value[instance_type]
        return float(value), self.table_source


#: Price List API queries: service code, filters, and the usage type the price dimension must contain.
_QUERIES: dict[str, tuple[str, dict[str, str], str]] = {
    "alb_hour": ("AWSELB", {"productFamily": "Load Balancer-Application"}, "LoadBalancerUsage"),
    "alb_lcu_hour": ("AWSELB", {"productFamily": "Load Balancer-Application"}, "LCUUsage"),
    "fargate_vcpu_hour": ("AmazonECS", {}, "Fargate-vCPU-Hours:perCPU"),
    "fargate_gb_hour": ("AmazonECS", {}, "Fargate-GB-Hours"),
    "public_ipv4_hour": ("AmazonVPC", {}, "PublicIPv4:InUseAddress"),
    "ec2_instance_hour": (
        "AmazonEC2",
        {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used"},
        "BoxUsage",
    ),
}


def _from_price_list(pricing: Any, region: str, key: str, instance_type: str | None) -> float | None:
    if key not in _QUERIES:
        return None
    service, attributes, usage = _QUERIES[key]
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
    filters += [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in attributes.items()]
    if instance_type:
        filters.append({"Type": "TERM_MATCH", "Field": "instanceType", "Value": instance_type})
    try:
        pages = pricing.get_paginator("get_products").paginate(ServiceCode=service, Filters=filters)
        for page in pages:
            for document in page["PriceList"]:
                product = json.loads(document) if isinstance(document, str) else document
                usage_type = product.get("product", {}).get("attributes", {}).get("usagetype", "")
                if usage not in usage_type or "ARM" in usage_type or "Windows" in usage_type:
                    continue
                price = _on_demand_usd(product)
                if price:
                    return price
    except (
        pricing.exceptions.AccessDeniedException,
        pricing.exceptions.InvalidParameterException,
        pricing.exceptions.NotFoundException,
        pricing.exceptions.ThrottlingException,
        pricing.exceptions.InternalErrorException,
    ):
        return None
    return None


def _on_demand_usd(product: dict[str, Any]) -> float | None:
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            value = float(dimension.get("pricePerUnit", {}).get("USD", "0") or 0)
            if value > 0:
                return value
    return None
