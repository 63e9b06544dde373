"""``event plan``: whether N participants fit the account (or the sandbox), and what the event costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pandas as pd

from ..core.settings import WorkshopSettings
from ..resources.clusters import DEFAULT_INSTANCE_TYPES
from ..views.table import StatusTable
from . import prices
from .quotas import PlanContext, QuotaRow, quota_rows

DEFAULT_HOURS = 4.0


@dataclass
class Plan:
    participants: int
    settings: WorkshopSettings
    quotas: list[QuotaRow]
    cost: prices.Estimate

    @property
    def fits(self) -> bool:
        return all(row.fits for row in self.quotas)

    @property
    def blocking(self) -> list[QuotaRow]:
        return [row for row in self.quotas if not row.fits]

    def refusal(self) -> str:
        """What to raise and by how much; empty when the plan fits."""
        lines = []
        for row in self.blocking:
            short = (row.in_use or 0) + row.needed - (row.limit or 0)
            if row.code == "sandbox/memory":
                lines.append(
                    f"{row.name}: {self.participants} participants need about {row.needed:.0f} MB, this machine "
                    f"has {row.limit:.0f} MB available. Plan fewer participants per machine, free memory, or "
                    "run the event on a larger machine (or on JupyterHub on Kubernetes, see the README)."
                )
                continue
            in_use = "" if row.in_use is None else f"{row.in_use:g} in use + "
            if self.settings.backend == "sandbox" and row.code == "codebuild/L-9D07B6EF":
                # The sandbox plays a new account (one build at a time); an event sets its own quota.
                wanted = (row.limit or 0) + short
                lines.append(
                    f"{row.name} ({row.code}): {in_use}{row.needed:g} needed > limit {row.limit:g}. The sandbox "
                    f"plays a new account; start it with the event's quota: `python -m helpers sandbox stop`, then "
                    f"`LOCALAWS_CODEBUILD_CONCURRENCY={wanted:g} python -m helpers sandbox start` "
                    f"(`make hub` does this for you)."
                )
                continue
            lines.append(
                f"{row.name} ({row.code}): {in_use}{row.needed:g} needed > limit {row.limit:g}. "
                f"Raise it to at least {(row.limit or 0) + short:g}: aws service-quotas "
                f"request-service-quota-increase --service-code {row.code.split('/')[0]} "
                f"--quota-code {row.code.split('/')[1]} --desired-value {(row.limit or 0) + short:g}"
                + (" --region us-east-1" if row.code.startswith("iam/") else f" --region {self.settings.region}")
            )
        return "\n".join(lines)

    def quota_frame(self) -> pd.DataFrame:
        rows = [
            {
                "quota": row.name,
                "code": row.code,
                "limit": "-" if row.limit is None else f"{row.limit:g}",
                "in use": "-" if row.in_use is None else f"{row.in_use:g}",
                "needed": f"{row.needed:g}",
                "status": _verdict(row),
                "source": row.source,
            }
            for row in self.quotas
        ]
        return pd.DataFrame(rows).set_index("quota")

    def cost_frame(self) -> pd.DataFrame:
        """The cost per item (per participant, per hour or per event), then the whole event's total."""
        rows = [line.to_dict() for line in self.cost.lines]
        total = f"event total ({self.participants} participants, {self.cost.hours:g} hours)"
        rows.append({"item": total, "cost_usd": round(self.cost.event_total, 2), "per": "event", "source": "this plan"})
        return pd.DataFrame(rows).set_index("item").fillna("")

    def summary(self) -> str:
        s = self.settings
        verdict = "fits" if self.fits else "does NOT fit"
        return (
            f"{self.participants} participants on {s.backend} ({s.region}, {s.launch_type}): the plan {verdict}. "
            f"Cost: ${self.cost.per_participant_hour:.3f} per participant per hour; "
            f"${self.cost.event_total:.2f} for {self.cost.hours:g} hours."
        )

    def show(self) -> StatusTable:
        return StatusTable(self.quota_frame(), self.summary())

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "backend": self.settings.backend,
            "region": self.settings.region,
            "launch_type": self.settings.launch_type,
            "fits": self.fits,
            "refusal": self.refusal(),
            "quotas": [row.to_dict() for row in self.quotas],
            "cost": self.cost.to_dict(),
        }

    def __str__(self) -> str:
        text = [self.summary(), "", self.quota_frame().to_string(), "", self.cost_frame().to_string()]
        table = prices.price_table()
        text.append(f"Offline prices: data/prices.json, {table['as_of']} ({table['how_obtained']}).")
        if not self.fits:
            text += ["", "Refused: raise these before the event:", self.refusal()]
        return "\n".join(text)


def _verdict(row: QuotaRow) -> str:
    if not row.fits:
        return "❌ too low"
    return "✅ fits" if row.limit is not None else "⚠️ not checked"


def plan_event(
    participants: int,
    settings: WorkshopSettings,
    hours: float = DEFAULT_HOURS,
    session: boto3.Session | None = None,
) -> Plan:
    """Quotas and cost for ``participants`` participants with these settings (the prefix is ignored)."""
    if hours <= 0:
        from ..core.errors import InvalidSettingError

        raise InvalidSettingError(f"hours must be positive (got {hours}); an event lasts e.g. 4 hours.")
    if settings.backend == "sandbox":  # the plan asks the sandbox, as it would ask AWS
        from ..core import sandbox

        sandbox.start()
    ctx = PlanContext(settings, session)
    rows = quota_rows(ctx, participants)
    pricing = ctx.client("pricing", "us-east-1") if settings.backend == "aws" else None
    # No instance type chosen means the first of t3.micro, t2.micro the region offers: price the first.
    instance_type = settings.instance_type or DEFAULT_INSTANCE_TYPES[0]
    cost = prices.estimate(settings.region, settings.launch_type, instance_type, participants, hours, pricing)
    return Plan(participants, settings, rows, cost)
