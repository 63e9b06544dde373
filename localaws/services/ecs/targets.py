"""What ECS does with a service's target groups for each task, as on AWS: a task is registered once it runs
(``initial``), its health check decides ``healthy`` or ``unhealthy``, and a task that leaves is deregistered
first and stopped only after its target has drained for the group's ``deregistration_delay.timeout_seconds``.

The target's ``Id`` is what the target group's type asks for: the task's address for ``ip`` groups (awsvpc
tasks), the container instance's EC2 instance for ``instance`` groups (bridge mode); its ``Port`` is the
port the task's process listens on (each task has its own, as each awsvpc task has its own address).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ecs.models import Service
from moto.elbv2.models import elbv2_backends

from ..elbv2 import inflight
from ..elbv2.targets import FAILED, TIMEOUT, LocalTarget, response_code_mismatch
from .runner import RunningTask

Health = tuple[str, str | None, str | None]


def _elbv2(backend: Any) -> Any:
    return elbv2_backends[backend.account_id][backend.region_name]


def groups(service: Service) -> list[str]:
    """Every target group of the service's load balancers, a blue/green deployment's alternate groups too."""
    groups = [str(b["targetGroupArn"]) for b in service.load_balancers if b.get("targetGroupArn")]
    alternates = [(b.get("advancedConfiguration") or {}).get("alternateTargetGroupArn") for b in service.load_balancers]
    return groups + [str(a) for a in alternates if a and a not in groups]


def registering(service: Service) -> list[str]:
    """The groups a task that starts now joins: a blue/green deployment's green groups while it scales up, else
    each load balancer's group that serves production now (the alternate one after a blue/green deployment)."""
    green = getattr(service, "green_groups", None)
    if green:
        return list(green)
    live: dict[str, str] = getattr(service, "live_groups", None) or {}
    groups = [str(b["targetGroupArn"]) for b in service.load_balancers if b.get("targetGroupArn")]
    return [live.get(group, group) for group in groups]


def register(backend: Any, service: Service, task: RunningTask) -> None:
    """Register the task with the target groups it joins (``registering``), ``initial``."""
    elbv2 = _elbv2(backend)
    for group in registering(service):
        if not hasattr(elbv2, "register_local_target") or group not in elbv2.target_groups:
            continue
        target_id = task.endpoint[0]
        if elbv2.target_type(group) == "instance":
            target_id = backend._container_instance_id(service) or target_id
        target = LocalTarget(target_id, task.port, task.endpoint, service.arn, alive=_alive(task))
        elbv2.register_local_target(group, target)


def _alive(task: RunningTask) -> Callable[[], bool]:
    return lambda: not task.exited()


def report(backend: Any, service: Service, task: RunningTask, healthy: bool) -> None:
    """The health check's result: ``healthy``, or ``unhealthy`` with AWS's reason for the last failure."""
    health: Health = ("healthy", None, None) if healthy else failure(task.last_failure)
    elbv2 = _elbv2(backend)
    for group in groups(service):
        if hasattr(elbv2, "set_local_target_health"):
            elbv2.set_local_target_health(group, task.endpoint, health)


def set_health(backend: Any, group_arn: str, task: RunningTask, health: Health) -> None:
    """A periodic health check's verdict on the task's target in one group (``health_checks.py``)."""
    elbv2 = _elbv2(backend)
    if hasattr(elbv2, "set_local_target_health"):
        elbv2.set_local_target_health(group_arn, task.endpoint, health)


def failure(last: int | str | None) -> Health:
    """The ``unhealthy`` state of a task whose health check failed: ``Target.ResponseCodeMismatch`` with the HTTP code
    it answered, ``Target.Timeout`` when it did not answer in time, ``Target.FailedHealthChecks`` otherwise."""
    if isinstance(last, int):
        return response_code_mismatch(last)
    return TIMEOUT if last == "timeout" else FAILED


def deregister(backend: Any, service: Service, tasks: list[RunningTask]) -> float:
    """Deregister the tasks from every target group; the longest deregistration delay, which the caller
    waits before it stops them (0 when none was registered)."""
    elbv2 = _elbv2(backend)
    delay = 0.0
    for group in groups(service):
        for task in tasks:
            if hasattr(elbv2, "deregister_local_target"):
                delay = max(delay, float(elbv2.deregister_local_target(group, task.endpoint)))
    return delay


def drain(backend: Any, service: Service, tasks: list[RunningTask], delay: float) -> None:
    """Wait while a request is still in flight to one of the tasks, at most ``delay`` (the longest deregistration
    delay of their groups), then complete their targets' deregistration: ELB does not wait out the delay for a
    target with nothing in flight (ALB user guide, "Deregistration delay")."""
    inflight.wait_idle([task.endpoint for task in tasks], delay)
    elbv2 = _elbv2(backend)
    for group in groups(service):
        for task in tasks:
            if hasattr(elbv2, "finish_draining"):
                elbv2.finish_draining(group, task.endpoint)


def health_check_path(backend: Any, service: Service) -> str:
    """The path a task's health check requests: that of the first of the service's target groups that sets one, else
    ``/``."""
    elbv2 = _elbv2(backend)
    for group_arn in groups(service):
        group = elbv2.target_groups.get(group_arn)
        if group is not None and group.health_check_path:
            return str(group.health_check_path)
    return "/"
