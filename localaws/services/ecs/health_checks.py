"""The load balancer's periodic health checks of a service's running tasks, with each target group's settings, and ECS
replacing a task whose target has become unhealthy.

AWS (ALB user guide, "Health checks for Application Load Balancer target groups"): every
``HealthCheckIntervalSeconds`` the load balancer requests ``HealthCheckPath`` on each registered target; an answer
within ``HealthCheckTimeoutSeconds`` whose code the ``Matcher`` accepts (``"200"``, ``"200,202"``, ``"200-299"``)
passes; ``UnhealthyThresholdCount`` consecutive failures make a healthy target ``unhealthy``
(``Target.ResponseCodeMismatch``, ``Target.Timeout`` or ``Target.FailedHealthChecks``) and ``HealthyThresholdCount``
consecutive passes make an unhealthy one ``healthy`` again. ECS stops a task whose target is unhealthy, after the
service's ``healthCheckGracePeriodSeconds`` from the task's start, with ``stoppedReason`` "Task failed ELB health
checks in (target-group ARN)", and the service scheduler starts another.

The first check of a task (when it starts) is the deployment's (``service_tasks.launch``); these are the ones after.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from moto.ecs.models import Service
from moto.elbv2.models import elbv2_backends

from . import targets
from .runner import RunningTask
from .tasks import SCHEDULER


@dataclass
class Counter:
    """One task's consecutive results in one target group, and when it is checked next."""

    due: float
    passes: int = 0
    failures: int = 0


def accepts(matcher: str, code: int) -> bool:
    """Whether an ALB ``Matcher`` ``HttpCode`` (``"200"``, ``"200,202"``, ``"200-299"``) accepts ``code``."""
    for part in str(matcher or "200").split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and int(low) <= code <= int(high or low):
            return True
    return False


def probe(port: int, path: str, timeout: float, matcher: str) -> int | str | None:
    """One health check: None when it passes, else the code it answered, ``"timeout"`` or ``"error"``."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
            code = int(answer.status)
    except urllib.error.HTTPError as error:
        code = int(error.code)
    except TimeoutError:
        return "timeout"
    except urllib.error.URLError as error:
        return "timeout" if isinstance(error.reason, TimeoutError) else "error"
    except OSError:
        return "error"
    return None if accepts(matcher, code) else code


def _settings(group: Any) -> tuple[float, float, int, int, str, str]:
    return (
        float(group.health_check_interval_seconds or 30),
        float(group.health_check_timeout_seconds or 5),
        int(group.healthy_threshold_count or 5),
        int(group.unhealthy_threshold_count or 2),
        str(group.health_check_path or "/"),
        str((group.matcher or {}).get("HttpCode", "200")),
    )


def _state(elbv2: Any, group_arn: str, task: RunningTask) -> str | None:
    for target in elbv2.local_targets.listed(group_arn):
        if target.endpoint == task.endpoint and target.drained_at is None:
            return str(target.current()[0])
    return None


def check(backend: Any, service: Service, counters: dict[tuple[str, str], Counter]) -> list[tuple[RunningTask, str]]:
    """Run the checks that are due for the service's running tasks; the tasks whose target became unhealthy, each
    with its target group's ARN."""
    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    grace = float(getattr(service, "health_check_grace_period_seconds", None) or 0)
    now, failing = time.monotonic(), []
    for task in backend.local_tasks(service):
        for group_arn in targets.groups(service):
            group, state = elbv2.target_groups.get(group_arn), _state(elbv2, group_arn, task)
            if group is None or state not in ("healthy", "unhealthy") or task.exited():
                continue
            interval, timeout, healthy, unhealthy, path, matcher = _settings(group)
            counter = counters.setdefault((task.task_id, group_arn), Counter(due=now + interval))
            if now < counter.due:
                continue
            counter.due = now + interval
            result = probe(task.port, path, timeout, matcher)
            if result is None:
                counter.passes, counter.failures = counter.passes + 1, 0
                if state == "unhealthy" and counter.passes >= healthy:
                    targets.set_health(backend, group_arn, task, ("healthy", None, None))
                continue
            counter.passes, counter.failures = 0, counter.failures + 1
            if counter.failures >= unhealthy:
                targets.set_health(backend, group_arn, task, targets.failure(result))
                if time.time() - task.started_at >= grace:
                    failing.append((task, group_arn))
    return failing


def replace_unhealthy(backend: Any, service: Service, counters: dict[tuple[str, str], Counter]) -> None:
    """ECS stops the tasks whose targets are unhealthy; the scheduler's watch then records and replaces them."""
    for task, group_arn in check(backend, service, counters):
        if task.stop_request is None:
            task.stop_request = (f"Task failed ELB health checks in (target-group {group_arn})", SCHEDULER)
            task.stop()
    alive = {task.task_id for task in backend.local_tasks(service)}
    for key in [k for k in counters if k[0] not in alive and k[1] in targets.groups(service)]:
        del counters[key]
