"""The targets the sandbox's ECS registers with a target group, in the states DescribeTargetHealth shows.

AWS (TargetHealth, Elastic Load Balancing API reference): a registered target is ``initial``
(``Elb.RegistrationInProgress``) until it passes its health checks, then ``healthy`` (no reason); a target
that fails them is ``unhealthy`` (``Target.ResponseCodeMismatch``, ``Target.Timeout``,
``Target.FailedHealthChecks``); a deregistered target is ``draining`` (``Target.DeregistrationInProgress``)
for the target group's ``deregistration_delay.timeout_seconds``, then is no longer listed. The load balancer
sends requests only to healthy targets, or to all unhealthy ones when none is healthy (fail open).

Each ECS task is one target: ``Id`` its address (``ip`` target groups, awsvpc tasks) or its instance
(``instance`` target groups), ``Port`` the port the task listens on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

Endpoint = tuple[str, int]

INITIAL = ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
DRAINING = ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
FAILED = ("unhealthy", "Target.FailedHealthChecks", "Health checks failed")
TIMEOUT = ("unhealthy", "Target.Timeout", "Request timed out")
#: The default deregistration delay of a target group (its ``deregistration_delay.timeout_seconds``).
DEFAULT_DELAY_SECONDS = 300.0


def response_code_mismatch(code: int) -> tuple[str, str, str]:
    """The ``unhealthy`` state AWS reports for a health check answered with a code its matcher does not accept:
    ``Target.ResponseCodeMismatch``, naming the code."""
    return ("unhealthy", "Target.ResponseCodeMismatch", f"Health checks failed with these codes: [{code}]")


@dataclass
class LocalTarget:
    """One task registered with one target group."""

    target_id: str
    port: int
    endpoint: Endpoint
    owner: str  # the ECS service's ARN
    alive: Callable[[], bool] = lambda: True
    health: tuple[str, str | None, str | None] = INITIAL
    drained_at: float | None = field(default=None)  # monotonic time the draining ends

    @property
    def key(self) -> tuple[str, int]:
        return (self.target_id, self.port)

    def current(self) -> tuple[str, str | None, str | None]:
        """The state, reason and description now: a healthy target whose task stopped fails its checks."""
        if self.health[0] == "healthy" and not self.alive():
            return FAILED
        return self.health


class TargetTable:
    """Every target group's local targets; draining ones leave when their delay has passed."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[tuple[str, int], LocalTarget]] = {}

    def register(self, group_arn: str, target: LocalTarget) -> None:
        self.groups.setdefault(group_arn, {})[target.key] = target

    def set_health(self, group_arn: str, endpoint: Endpoint, health: tuple[str, str | None, str | None]) -> None:
        for target in self.groups.get(group_arn, {}).values():
            if target.endpoint == endpoint and target.drained_at is None:
                target.health = health

    def deregister(self, group_arn: str, endpoint: Endpoint, delay: float) -> bool:
        """Start draining the target at ``endpoint``; False if it was not registered."""
        found = False
        for target in self.groups.get(group_arn, {}).values():
            if target.endpoint == endpoint and target.drained_at is None:
                target.health, target.drained_at, found = DRAINING, time.monotonic() + delay, True
        self.settle()
        return found

    def drained(self, group_arn: str, endpoint: Endpoint) -> None:
        """The draining target at ``endpoint`` has nothing in flight: its deregistration completes now."""
        for target in self.groups.get(group_arn, {}).values():
            if target.endpoint == endpoint and target.drained_at is not None:
                target.drained_at = min(target.drained_at, time.monotonic())
        self.settle()

    def drop_owner(self, owner: str) -> None:
        for group in self.groups.values():
            for key in [k for k, t in group.items() if t.owner == owner]:
                del group[key]

    def listed(self, group_arn: str) -> list[LocalTarget]:
        self.settle()
        return list(self.groups.get(group_arn, {}).values())

    def serving(self, group_arn: str) -> list[Endpoint]:
        """Where the load balancer sends requests: the healthy targets, or all unhealthy ones if none is."""
        targets = [t for t in self.listed(group_arn) if t.drained_at is None]
        healthy = [t.endpoint for t in targets if t.current()[0] == "healthy"]
        return healthy or [t.endpoint for t in targets if t.current()[0] == "unhealthy"]

    def settle(self) -> None:
        now = time.monotonic()
        for group in self.groups.values():
            for key in [k for k, t in group.items() if t.drained_at is not None and t.drained_at <= now]:
                del group[key]
