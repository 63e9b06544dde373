"""How long the kit waits, and how often it looks, on each backend: decided here and nowhere else.

The sandbox answers at once, so its polls are short and its timeouts catch a hang quickly; AWS
takes minutes to drain services, delete load balancers or propagate IAM changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Timing:
    poll: float  # seconds between status polls (pipelines, services, change sets)
    stack_poll: float  # seconds between stack-event polls
    waiter_delay: int  # Delay of botocore waiters
    change_set_timeout: float
    stack_timeout: float
    services_stable_timeout: float
    pipeline_timeout: float  # Dev and QA runs
    prod_timeout: float  # a Prod run, approval included
    service_drain_timeout: float  # a deleted service until INACTIVE
    auto_scaling_group_delete_timeout: float
    security_group_in_use_timeout: float  # Fargate ENIs linger after the tasks stop
    target_group_in_use_timeout: float
    iam_propagation_timeout: float  # a new role or instance profile until other services accept it
    retry_delay: float  # between retries of a refused create
    build_quota_retry_delay: float  # before retrying a stage refused by the CodeBuild concurrency quota
    build_quota_retries: int


SANDBOX = Timing(
    poll=0.2,
    stack_poll=0.2,
    waiter_delay=1,
    change_set_timeout=120,
    stack_timeout=600,
    services_stable_timeout=60,
    pipeline_timeout=180,
    prod_timeout=1800,
    service_drain_timeout=60,
    auto_scaling_group_delete_timeout=60,
    security_group_in_use_timeout=10,
    target_group_in_use_timeout=30,
    iam_propagation_timeout=60,
    retry_delay=1,
    build_quota_retry_delay=2,
    build_quota_retries=10,
)

AWS = Timing(
    poll=10,
    stack_poll=5,
    waiter_delay=10,
    change_set_timeout=600,
    stack_timeout=3600,
    services_stable_timeout=20 * 60,
    pipeline_timeout=3600,
    prod_timeout=3 * 3600,
    service_drain_timeout=10 * 60,
    auto_scaling_group_delete_timeout=10 * 60,
    security_group_in_use_timeout=10 * 60,
    target_group_in_use_timeout=5 * 60,
    iam_propagation_timeout=2 * 60,
    retry_delay=6,
    build_quota_retry_delay=60,
    build_quota_retries=20,
)


def timing_for(backend: str) -> Timing:
    """The timing of ``backend`` ("sandbox" or "aws")."""
    return SANDBOX if backend == "sandbox" else AWS


def without_in_use_waits(timing: Timing) -> Timing:
    """``timing`` with no wait for a resource still in use: once cleanup could not check a kind (a denial), what
    that kind holds stays in use however long cleanup waits, so it says so at once."""
    return replace(timing, security_group_in_use_timeout=0, target_group_in_use_timeout=0)
