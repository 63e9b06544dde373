"""ECS's built-in blue/green, canary and linear deployments (``deploymentConfiguration.strategy`` BLUE_GREEN, CANARY,
LINEAR) in the sandbox.

AWS: "Amazon ECS blue/green deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html) and "Application
Load Balancer resources for blue/green deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html): the new (green)
revision's tasks start and register with the alternate target group while the blue ones serve; ECS then changes
the weights of the test listener rule's forward action (green 100, blue 0), then the production rule's; both
revisions run for ``bakeTimeInMinutes``; then the blue tasks are deregistered (they drain) and stop. Each step
is a ``lifecycleStage`` of the service deployment (``service_deployments.py``); a lifecycle hook at a stage
runs there: a PAUSE hook waits for ContinueServiceDeployment (or its timeout). The sandbox runs no Lambda
function: an AWS_LAMBDA hook is reported SUCCEEDED at once, with an event that says so. CANARY and LINEAR deployments
go through the same stages; only PRODUCTION_TRAFFIC_SHIFT differs: the production rule's weights move in the steps
``traffic_shift.py`` computes (a canary share, then 100; or equal steps), with the canary's or the step's bake time
between them, and the stage's hooks run at every step ("Amazon ECS canary deployments",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html; "Amazon ECS linear deployments",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html).

Sandbox time: a minute of bake time (``bakeTimeInMinutes``, ``canaryBakeTimeInMinutes``, ``stepBakeTimeInMinutes``)
or of a hook's timeout passes in one second, or when the sandbox's clock (``clock.py``) has moved on that far.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from moto.core.utils import utcnow
from moto.ecs.exceptions import InvalidParameterException
from moto.elbv2.models import elbv2_backends

from ... import clock
from ..elbv2.rules import listener_rules
from . import service_deployments, traffic_shift
from .service_deployments import wake

#: Real seconds a sandbox minute of bake time (or of a hook's timeout) lasts.
SECONDS_PER_MINUTE = 1.0
FAILED_LAUNCHES = 3  # as the rolling update's circuit breaker (deployments.CIRCUIT_BREAKER_THRESHOLD)
HOOK_STAGES = {
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
}


class RollBack(Exception):
    """The deployment rolls back to the blue revision, for this reason."""


@dataclass
class Swap:
    """One load balancer of the service: the group serving production now (blue), the other (green), its rules."""

    blue: str
    green: str
    production_rule: str | None
    test_rule: str | None


def _elbv2(backend: Any) -> Any:
    return elbv2_backends[backend.account_id][backend.region_name]


# -- CreateService / UpdateService -------------------------------------------------------------------
def validate(backend: Any, configuration: dict[str, Any] | None, load_balancers: list[dict[str, Any]] | None) -> None:
    """Refuse a BLUE_GREEN, CANARY or LINEAR configuration ECS refuses (InvalidParameterException)."""
    configuration = configuration or {}
    strategy = configuration.get("strategy", "ROLLING")
    if strategy not in ("ROLLING", *traffic_shift.SHIFTING):
        raise InvalidParameterException(f"Invalid deployment strategy: {strategy}.")
    bake = configuration.get("bakeTimeInMinutes")
    if bake is not None and not 0 <= int(bake) <= 1440:
        raise InvalidParameterException("bakeTimeInMinutes must be between 0 and 1440.")
    traffic_shift.validate(configuration)
    _validate_hooks(configuration.get("lifecycleHooks") or [])
    if strategy not in traffic_shift.SHIFTING:
        return
    if not load_balancers:
        return  # a service without a load balancer: its tasks are replaced without traffic shifting
    for balancer in load_balancers:
        _validate_balancer(backend, balancer, strategy)


def _validate_balancer(backend: Any, balancer: dict[str, Any], strategy: str) -> None:
    advanced = balancer.get("advancedConfiguration")
    if not advanced or not advanced.get("alternateTargetGroupArn"):
        raise InvalidParameterException(
            f"The {strategy} deployment strategy requires an advancedConfiguration with an alternateTargetGroupArn "
            "for each load balancer."
        )
    elbv2 = _elbv2(backend)
    alternate = advanced["alternateTargetGroupArn"]
    if alternate not in elbv2.target_groups:
        raise InvalidParameterException(f"The alternate target group {alternate} does not exist.")
    if alternate == balancer.get("targetGroupArn"):
        raise InvalidParameterException("The alternate target group must differ from the service's target group.")
    if not advanced.get("productionListenerRule"):
        raise InvalidParameterException(
            "advancedConfiguration needs a productionListenerRule for an Application Load Balancer."
        )
    if not advanced.get("roleArn"):
        raise InvalidParameterException(
            "advancedConfiguration needs a roleArn that lets ECS change the listener rules."
        )
    for key in ("productionListenerRule", "testListenerRule"):
        if advanced.get(key) and not _rule(elbv2, advanced[key]):
            raise InvalidParameterException(f"The {key} {advanced[key]} does not exist.")


def _validate_hooks(hooks: list[dict[str, Any]]) -> None:
    for hook in hooks:
        kind, stages = hook.get("targetType", "AWS_LAMBDA"), hook.get("lifecycleStages") or []
        if not stages:
            raise InvalidParameterException("A lifecycle hook needs lifecycleStages.")
        unknown = [s for s in stages if s not in HOOK_STAGES]
        if unknown:
            raise InvalidParameterException(f"Invalid lifecycle stages for a hook: {', '.join(unknown)}.")
        if kind == "PAUSE" and {"TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"} & set(stages):
            raise InvalidParameterException(
                "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages."
            )
        if kind == "AWS_LAMBDA" and not (hook.get("hookTargetArn") and hook.get("roleArn")):
            raise InvalidParameterException("An AWS_LAMBDA lifecycle hook needs a hookTargetArn and a roleArn.")


def _rule(elbv2: Any, arn: str) -> Any:
    for balancer in elbv2.load_balancers.values():
        for listener in balancer.listeners.values():
            rule = next((r for r in listener_rules(listener) if r.arn == arn), None)
            if rule is not None:
                return rule
    return None


# -- the deployment ------------------------------------------------------------------------------------
def applies(service: Any, deployment: dict[str, Any]) -> bool:
    """A BLUE_GREEN, CANARY or LINEAR service's deployment that replaces a revision that serves (the first one just
    starts)."""
    if (service.deployment_configuration or {}).get("strategy") not in traffic_shift.SHIFTING:
        return False
    return any(d is not deployment and d.get("rolloutState") == "COMPLETED" for d in service.deployments)


def _swaps(service: Any) -> list[Swap]:
    live: dict[str, str] = getattr(service, "live_groups", None) or {}
    swaps = []
    for balancer in service.load_balancers:
        advanced = balancer.get("advancedConfiguration") or {}
        if not balancer.get("targetGroupArn") or not advanced.get("alternateTargetGroupArn"):
            continue
        primary, alternate = str(balancer["targetGroupArn"]), str(advanced["alternateTargetGroupArn"])
        blue = live.get(primary, primary)
        green = alternate if blue == primary else primary
        swaps.append(Swap(blue, green, advanced.get("productionListenerRule"), advanced.get("testListenerRule")))
    return swaps


def _entry(backend: Any, deployment: dict[str, Any]) -> dict[str, Any]:
    table = service_deployments.records(backend)
    return next(e for e in table.values() if e["_deploymentId"] == deployment["id"])


def run(backend: Any, service: Any, deployment: dict[str, Any]) -> None:
    """The stages of a blue/green, canary or linear deployment, in the order the developer guide gives (the service's
    lock is held)."""
    entry = _entry(backend, deployment)
    configuration = service.deployment_configuration or {}
    blue = next((d for d in service.deployments if d is not deployment and d.get("rolloutState") == "COMPLETED"), None)
    entry.update(_managed=True, _blue=service_deployments.revision_arn(service, blue) if blue else None)
    swaps, watch = _swaps(service), _breaker(backend, service, deployment)
    try:
        _shift(backend, service, swaps, entry, production=True, green_percent=0)
        _shift(backend, service, swaps, entry, production=False, green_percent=0)
        if sum(1 for d in service.deployments if d is not deployment) > 1:
            _stage(backend, service, entry, "RECONCILE_SERVICE")
        _stage(backend, service, entry, "PRE_SCALE_UP")
        _stage(backend, service, entry, "SCALE_UP")
        _scale_up(backend, service, deployment, entry, swaps)
        _stage(backend, service, entry, "POST_SCALE_UP")
        _stage(backend, service, entry, "TEST_TRAFFIC_SHIFT")
        _shift(backend, service, swaps, entry, production=False, green_percent=100)
        _stage(backend, service, entry, "POST_TEST_TRAFFIC_SHIFT")
        _stage(backend, service, entry, "PRE_PRODUCTION_TRAFFIC_SHIFT", record_stage=False)
        for step, (percent, bake) in enumerate(traffic_shift.production_steps(configuration)):
            _stage(backend, service, entry, "PRODUCTION_TRAFFIC_SHIFT", record_stage=step == 0)  # hooks: every step
            _shift(backend, service, swaps, entry, production=True, green_percent=percent)
            _wait(entry, bake, lambda: False, watch)
        _stage(backend, service, entry, "POST_PRODUCTION_TRAFFIC_SHIFT")
        _stage(backend, service, entry, "BAKE_TIME")
        _wait(entry, int(configuration.get("bakeTimeInMinutes") or 0), lambda: False, watch)
        _stage(backend, service, entry, "CLEAN_UP")
    except RollBack as reason:
        _roll_back(backend, service, deployment, entry, swaps, str(reason))
        return
    _clean_up(backend, service, deployment, entry, swaps)


def _stage(backend: Any, service: Any, entry: dict[str, Any], stage: str, record_stage: bool = True) -> None:
    """Enter ``stage`` (unless a rollback was asked for), and run its lifecycle hooks."""
    if entry["status"] == "ROLLBACK_REQUESTED":
        raise RollBack("StopServiceDeployment asked for a rollback.")
    if (
        record_stage
    ):  # PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage, not a lifecycleStage DescribeServiceDeployments shows
        entry.update(lifecycleStage=stage, updatedAt=utcnow())
        backend._event(service, f"(service {service.name}) deployment {entry['_deploymentId']} is at {stage}.")
    for index, hook in enumerate((service.deployment_configuration or {}).get("lifecycleHooks") or []):
        if stage in (hook.get("lifecycleStages") or []):
            _run_hook(backend, service, entry, hook, index)


def _run_hook(backend: Any, service: Any, entry: dict[str, Any], hook: dict[str, Any], index: int) -> None:
    timeout = hook.get("timeoutConfiguration") or {}
    minutes, on_timeout = int(timeout.get("timeoutInMinutes", 1440)), timeout.get("action", "ROLLBACK")
    kind = hook.get("targetType", "AWS_LAMBDA")
    detail: dict[str, Any] = {
        "hookId": f"{index}-{uuid.uuid4().hex[:12]}",
        "targetType": kind,
        "status": "AWAITING_ACTION" if kind == "PAUSE" else "SUCCEEDED",
        "expiresAt": utcnow() + timedelta(minutes=minutes),
        "timeoutAction": on_timeout,
    }
    if kind != "PAUSE":
        detail["targetArn"] = hook.get("hookTargetArn")
        entry["lifecycleHookDetails"] = [detail]
        backend._event(
            service,
            f"(service {service.name}) the sandbox runs no Lambda function: hook {detail['targetArn']} "
            f"at {entry.get('lifecycleStage')} counts as SUCCEEDED.",
        )
        return
    entry["lifecycleHookDetails"] = [detail]
    backend._event(service, f"(service {service.name}) deployment paused at lifecycle hook {detail['hookId']}.")
    answered = _wait(entry, minutes, lambda: detail["hookId"] in service_deployments.hook_actions)
    action = service_deployments.hook_actions.pop(detail["hookId"], None) if answered else on_timeout
    detail["status"] = "SUCCEEDED" if answered else "TIMED_OUT"
    if action == "ROLLBACK":
        raise RollBack(f"lifecycle hook {detail['hookId']}: " + ("ROLLBACK asked for." if answered else "timed out."))


def _wait(entry: dict[str, Any], minutes: int, done: Any, failing: Callable[[], str | None] | None = None) -> bool:
    """Wait until ``done()``; False once ``minutes`` sandbox minutes pass. A rollback asked for meanwhile, or a reason
    ``failing()`` gives (the circuit breaker's), raises."""
    until_clock = clock.now() + timedelta(minutes=minutes)
    until_real = time.monotonic() + minutes * SECONDS_PER_MINUTE
    with wake:
        while not done():
            if entry["status"] == "ROLLBACK_REQUESTED":
                raise RollBack("StopServiceDeployment asked for a rollback.")
            reason = failing() if failing else None
            if reason:
                raise RollBack(reason)
            if clock.now() >= until_clock or time.monotonic() >= until_real:
                return False
            wake.wait(0.1)
    return True


def _breaker(backend: Any, service: Any, deployment: dict[str, Any]) -> Callable[[], str | None]:
    """While traffic shifts and bakes: with the circuit breaker's rollback on, a green task that stops (its process
    exits) rolls the deployment back ("Amazon ECS deployment circuit breaker",
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html)."""
    breaker = (service.deployment_configuration or {}).get("deploymentCircuitBreaker") or {}

    def failing() -> str | None:
        if not (breaker.get("enable") and breaker.get("rollback")):
            return None
        stopped = [t for t in backend.task_processes.get(deployment["id"], []) if t.exited()]
        if not stopped:
            return None
        return f"ECS deployment circuit breaker: task {stopped[0].task_id} of the new service revision stopped."

    return failing


def _scale_up(backend: Any, service: Any, deployment: dict[str, Any], entry: dict[str, Any], swaps: list[Swap]) -> None:
    """Start the green tasks, registered with the green groups only (the blue ones keep serving)."""
    definition = backend.describe_task_definition(deployment["taskDefinition"])
    tasks = backend.task_processes.setdefault(deployment["id"], [])
    service.green_groups = [s.green for s in swaps]
    failures = 0
    try:
        while len(tasks) < deployment["desiredCount"]:
            if entry["status"] == "ROLLBACK_REQUESTED":
                raise RollBack("StopServiceDeployment asked for a rollback.")
            task, reason = backend._launch(service, definition, deployment)
            if task is None:
                failures += 1
                deployment["failedTasks"] = failures
                backend._event(service, f"(service {service.name}) was unable to place a task: {reason}")
                if failures >= FAILED_LAUNCHES:
                    raise RollBack("ECS deployment circuit breaker: tasks failed to start.")
                continue
            tasks.append(task)
            deployment.update(
                runningCount=len(tasks), pendingCount=deployment["desiredCount"] - len(tasks), updatedAt=utcnow()
            )
            backend._count(service)
    finally:
        service.green_groups = None


def _shift(
    backend: Any, service: Any, swaps: list[Swap], entry: dict[str, Any], production: bool, green_percent: float
) -> None:
    """Send ``green_percent`` of the rule's requests to the green group and the rest to the blue one (the weights of
    its forward action), and report the shares on the service deployment's revisions."""
    elbv2 = _elbv2(backend)
    green_weight, blue_weight = traffic_shift.weights(green_percent)
    for swap in swaps:
        arn = swap.production_rule if production else swap.test_rule
        rule = _rule(elbv2, arn) if arn else None
        if rule is None:
            continue
        actions = []
        for action in rule.actions:
            data = {k: v for k, v in action.data.items() if k != "TargetGroupArn"}
            if data.get("Type") == "forward":
                config = dict(data.get("ForwardConfig") or {})
                config["TargetGroups"] = [
                    {"TargetGroupArn": swap.blue, "Weight": blue_weight},
                    {"TargetGroupArn": swap.green, "Weight": green_weight},
                ]
                data["ForwardConfig"] = config
            actions.append(data)
        elbv2.modify_rule(arn, [], actions)
    with wake:  # one update a reader sees whole
        traffic_shift.report(entry, entry.get("_blue"), "Production" if production else "Test", green_percent)
        entry["updatedAt"] = utcnow()
    if production and green_percent not in (0, 100):
        backend._event(
            service,
            f"(service {service.name}) deployment {entry['_deploymentId']} shifted {green_percent:g}% of "
            "production traffic to the new service revision.",
        )


def _clean_up(backend: Any, service: Any, deployment: dict[str, Any], entry: dict[str, Any], swaps: list[Swap]) -> None:
    """The blue tasks drain and stop (``_complete``); the green groups serve production from now on."""
    backend._complete(service, deployment)
    live: dict[str, str] = dict(getattr(service, "live_groups", None) or {})
    for balancer, swap in zip(
        [b for b in service.load_balancers if (b.get("advancedConfiguration") or {}).get("alternateTargetGroupArn")],
        swaps,
        strict=False,
    ):
        live[str(balancer["targetGroupArn"])] = swap.green
    service.live_groups = live
    entry.update(
        status="SUCCESSFUL", statusReason=deployment.get("rolloutStateReason"), finishedAt=utcnow(), updatedAt=utcnow()
    )
    entry["targetServiceRevision"] = {
        **entry["targetServiceRevision"],
        **service_deployments._revision(service, deployment),
    }


def _roll_back(
    backend: Any, service: Any, deployment: dict[str, Any], entry: dict[str, Any], swaps: list[Swap], reason: str
) -> None:
    """Production and test traffic go back to blue, the green tasks drain and stop, the blue revision is PRIMARY."""
    blue = next((d for d in service.deployments if d is not deployment), None)
    entry.update(status="ROLLBACK_IN_PROGRESS", statusReason=reason, updatedAt=utcnow())
    entry["rollback"] = {
        "reason": reason,
        "startedAt": utcnow(),
        "serviceRevisionArn": service_deployments.revision_arn(service, blue or deployment),
    }
    _shift(backend, service, swaps, entry, production=True, green_percent=0)
    _shift(backend, service, swaps, entry, production=False, green_percent=0)
    backend._retire(service, backend.task_processes.pop(deployment["id"], []))
    deployment.update(
        status="INACTIVE",
        rolloutState="FAILED",
        rolloutStateReason=reason,
        runningCount=0,
        pendingCount=0,
        updatedAt=utcnow(),
    )
    if deployment in service.deployments:
        service.deployments.remove(deployment)
    service.failed_deployments = [*getattr(service, "failed_deployments", []), deployment]
    if blue is not None:
        blue.update(status="PRIMARY", updatedAt=utcnow())
        service.task_definition = str(blue["taskDefinition"])
    backend._count(service)
    backend._event(service, f"(service {service.name}) rolled back to the blue revision: {reason}")
    entry.update(status="ROLLBACK_SUCCESSFUL", finishedAt=utcnow(), updatedAt=utcnow())
