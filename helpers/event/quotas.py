"""What N participants need against the account's quotas.

Each row is one quota: its limit from Service Quotas (the applied value, else AWS's default), what the
account already uses (counted through the service's own API, where one can count it) and what the event
adds. The sandbox answers the same calls; a quota it does not answer is one it does not enforce, and its
real limit is this machine's memory (a row of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from ..core import clients
from ..core.settings import WorkshopSettings
from ..resources.clusters import DEFAULT_INSTANCE_TYPES

#: Resident memory one participant adds to the sandbox at the busiest moment (its three task processes, its
#: builds, its share of the server), and the server's own, in MB: benchmarks/ten_participants.py measured a
#: peak of 3,010 MB for ten participants (187 MB each once all are serving).
SANDBOX_MB_PER_PARTICIPANT = 270
SANDBOX_BASE_MB = 300
#: What `make hub` adds per participant on the same machine: their Jupyter server and one kernel per notebook they
#: open (JupyterLab keeps each open notebook's kernel for the whole class). benchmarks/hub_memory.py measured, as
#: PSS with three participants on a real hub (2026-12-05): a server 113 MB, a kernel 110-140 MB, 612 MB each after
#: notebooks 00-03. The plan counts a participant with all six notebooks open.
HUB_SERVER_MB = 115
HUB_KERNEL_MB = 125
HUB_KERNELS_PER_PARTICIPANT = 6
HUB_MB_PER_PARTICIPANT = HUB_SERVER_MB + HUB_KERNELS_PER_PARTICIPANT * HUB_KERNEL_MB

#: What one participant's workshop holds at once (notebooks 01-04; see helpers/prerequisites).
TASK_VCPU = 0.25
ENVIRONMENTS = 3
ROLES = 5
# The advanced module's blue/green, canary and linear deployments of Prod: a second (green) target group, ECS's
# infrastructure role, a second Prod task while a deployment bakes, and a test listener (the fourth of the
# participant's own load balancer, far below the 50 listeners an Application Load Balancer may have).
GREEN_TARGET_GROUPS = 1
INFRASTRUCTURE_ROLES = 1
GREEN_TASKS = 1
LISTENERS_PER_LOAD_BALANCER = ENVIRONMENTS + 1
CONCURRENT_BUILDS = 2  # the first Dev and QA runs of notebook 03 build at the same time


@dataclass(frozen=True)
class Need:
    """One quota and how much of it a participant uses."""

    service_code: str
    quota_code: str
    name: str
    per_participant: Callable[[Any], float]  # from a PlanContext
    usage: Callable[[Any], float | None] | None = None  # what the account uses today, or None if not countable
    launch_type: str | None = None  # only for this launch type
    global_quota: bool = False  # IAM's quotas live in us-east-1 (the partition's global region)
    per_load_balancer: bool = False  # a limit of each load balancer: every participant has their own

    @property
    def code(self) -> str:
        return f"{self.service_code}/{self.quota_code}"


@dataclass
class QuotaRow:
    name: str
    code: str
    limit: float | None
    source: str
    in_use: float | None
    needed: float
    fits: bool

    @property
    def free(self) -> float | None:
        return None if self.limit is None else self.limit - (self.in_use or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quota": self.name,
            "code": self.code,
            "limit": self.limit,
            "source": self.source,
            "in_use": self.in_use,
            "needed": self.needed,
            "fits": self.fits,
        }


class PlanContext:
    """Clients for one backend and region, and the few facts the needs depend on."""

    def __init__(self, settings: WorkshopSettings, session: boto3.Session | None = None) -> None:
        self.settings = settings
        self.session = session

    def client(self, service: str, region: str | None = None) -> Any:
        if region and region != self.settings.region:
            other = WorkshopSettings.build(**{**self.settings.to_dict(), "region": region})
            return clients.client(service, other, self.session)
        return clients.client(service, self.settings, self.session)

    def has_default_vpc(self) -> bool:
        ec2 = self.client("ec2")
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        if not vpcs:
            return False
        subnets = ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}, {"Name": "default-for-az", "Values": ["true"]}]
        )["Subnets"]
        return len({s["AvailabilityZone"] for s in subnets}) >= 2

    def instance_vcpus(self) -> float:
        # No instance type chosen: the kit takes the first of DEFAULT_INSTANCE_TYPES the region offers.
        chosen = self.settings.instance_type or DEFAULT_INSTANCE_TYPES[0]
        types = self.client("ec2").describe_instance_types(InstanceTypes=[chosen])
        return float(types["InstanceTypes"][0]["VCpuInfo"]["DefaultVCpus"])


def _count(ctx: PlanContext, service: str, operation: str, key: str, **kwargs: Any) -> float:
    client = ctx.client(service)
    return float(sum(len(page[key]) for page in client.get_paginator(operation).paginate(**kwargs)))


def _application_load_balancers(ctx: PlanContext) -> float:
    pages = ctx.client("elbv2").get_paginator("describe_load_balancers").paginate()
    return float(sum(1 for page in pages for lb in page["LoadBalancers"] if lb.get("Type") == "application"))


def _running_standard_vcpus(ctx: PlanContext) -> float:
    pages = (
        ctx.client("ec2")
        .get_paginator("describe_instances")
        .paginate(Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}])
    )
    total = 0.0
    for page in pages:
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["InstanceType"][:1] in "acdhimrtz":
                    cpu = instance.get("CpuOptions", {})
                    total += cpu.get("CoreCount", 1) * cpu.get("ThreadsPerCore", 1)
    return total


NEEDS: tuple[Need, ...] = (
    Need(
        "elasticloadbalancing",
        "L-53DA6B97",
        "Application Load Balancers per Region",
        lambda ctx: 1,
        _application_load_balancers,
    ),
    Need(
        "elasticloadbalancing",
        "L-B22855CB",
        "Target Groups per Region",
        lambda ctx: ENVIRONMENTS + GREEN_TARGET_GROUPS,
        lambda ctx: _count(ctx, "elbv2", "describe_target_groups", "TargetGroups"),
    ),
    Need(
        "elasticloadbalancing",
        "L-B6DF7632",
        "Listeners per Application Load Balancer",
        lambda ctx: LISTENERS_PER_LOAD_BALANCER,
        per_load_balancer=True,
    ),
    Need(
        "codebuild",
        "L-9D07B6EF",
        "Concurrently running builds for Linux/Small environment",
        lambda ctx: CONCURRENT_BUILDS,
    ),
    Need(
        "codepipeline",
        "L-78D200AD",
        "Total pipelines",
        lambda ctx: ENVIRONMENTS,
        lambda ctx: _count(ctx, "codepipeline", "list_pipelines", "pipelines"),
    ),
    Need(
        "ecs",
        "L-21C621EB",
        "Clusters per account",
        lambda ctx: ENVIRONMENTS,
        lambda ctx: _count(ctx, "ecs", "list_clusters", "clusterArns"),
    ),
    Need(
        "fargate",
        "L-3032A538",
        "Fargate On-Demand vCPU resource count",
        lambda ctx: (ENVIRONMENTS + GREEN_TASKS) * TASK_VCPU,
        launch_type="FARGATE",
    ),
    Need(
        "ec2",
        "L-1216C47A",
        "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (vCPUs)",
        lambda ctx: ENVIRONMENTS * ctx.instance_vcpus(),
        _running_standard_vcpus,
        launch_type="EC2",
    ),
    Need(
        "vpc",
        "L-F678F1CE",
        "VPCs per Region",
        lambda ctx: 0 if ctx.has_default_vpc() else 1,
        lambda ctx: _count(ctx, "ec2", "describe_vpcs", "Vpcs"),
    ),
    Need(
        "iam",
        "L-FE177D64",
        "Roles per account",
        lambda ctx: ROLES + INFRASTRUCTURE_ROLES,
        lambda ctx: _count(ctx, "iam", "list_roles", "Roles"),
        global_quota=True,
    ),
)


def quota_limit(ctx: PlanContext, need: Need) -> tuple[float | None, str]:
    """(limit, where it came from): the applied value, else AWS's default, else None."""
    region = "us-east-1" if need.global_quota and ctx.settings.backend == "aws" else None
    quotas = ctx.client("service-quotas", region)
    try:
        applied = quotas.get_service_quota(ServiceCode=need.service_code, QuotaCode=need.quota_code)
        return float(applied["Quota"]["Value"]), "Service Quotas (applied)"
    except quotas.exceptions.NoSuchResourceException:
        if ctx.settings.backend == "sandbox":
            # The sandbox answers GetServiceQuota for the limits it enforces; moto has no
            # GetAWSDefaultServiceQuota (it answers 500), and a quota it does not know it does not enforce.
            return None, "not enforced by the sandbox"
    except quotas.exceptions.AccessDeniedException:
        return None, "not readable: servicequotas:GetServiceQuota was denied"
    try:
        default = quotas.get_aws_default_service_quota(ServiceCode=need.service_code, QuotaCode=need.quota_code)
        return float(default["Quota"]["Value"]), "Service Quotas (AWS default)"
    except quotas.exceptions.NoSuchResourceException:
        return None, "not answered by Service Quotas"
    except quotas.exceptions.AccessDeniedException:
        return None, "not readable: servicequotas:GetAWSDefaultServiceQuota was denied"


def quota_rows(ctx: PlanContext, participants: int) -> list[QuotaRow]:
    """One row per quota the event's launch type uses: its limit and where that came from, what is in use,
    what ``participants`` need, and whether it fits (a limit nobody could read counts as fitting). On the
    sandbox, a last row for this machine's memory, the sandbox's real limit."""
    rows = []
    for need in NEEDS:
        if need.launch_type and need.launch_type != ctx.settings.launch_type:
            continue
        limit, source = quota_limit(ctx, need)
        in_use = need.usage(ctx) if need.usage else None
        needed = (1 if need.per_load_balancer else participants) * float(need.per_participant(ctx))
        fits = limit is None or (in_use or 0) + needed <= limit
        rows.append(QuotaRow(need.name, need.code, limit, source, in_use, needed, fits))
    if ctx.settings.backend == "sandbox":
        rows.append(sandbox_memory_row(participants))
    return rows


def sandbox_memory_row(participants: int) -> QuotaRow:
    """The sandbox's real limit: every task process and build runs on this machine, and so do the hub's
    participant servers and their kernels (`make hub`, how a sandbox classroom runs)."""
    import psutil

    from ..core import sandbox

    available = psutil.virtual_memory().available / 2**20
    base = 0.0 if sandbox.status().running else SANDBOX_BASE_MB
    per_participant = SANDBOX_MB_PER_PARTICIPANT + HUB_MB_PER_PARTICIPANT
    needed = participants * per_participant + base
    return QuotaRow(
        "memory for the sandbox and the hub's Jupyter servers (MB)",
        "sandbox/memory",
        round(available),
        f"this machine's available memory; per participant {per_participant} MB, measured: the sandbox "
        f"{SANDBOX_MB_PER_PARTICIPANT} MB, and on the hub a server ({HUB_SERVER_MB} MB) and a kernel per open "
        f"notebook ({HUB_KERNELS_PER_PARTICIPANT} × {HUB_KERNEL_MB} MB)",
        0.0,
        float(needed),
        needed <= available,
    )
