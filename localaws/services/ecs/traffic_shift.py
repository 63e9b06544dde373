"""How an ECS deployment moves production traffic to the green revision: at once (BLUE_GREEN), a canary share
first (CANARY), or in equal steps (LINEAR); the listener rule weights each share becomes, and what
DescribeServiceDeployments reports of it.

AWS: "Amazon ECS canary deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html): production traffic "is shifted in
two phases: first to the canary percentage, then to complete the deployment", the canary bake time between them;
"Amazon ECS linear deployments" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html):
"equal percentage increments with configurable wait times between each increment", and hooks "configured for
PRODUCTION_TRAFFIC_SHIFT will be invoked at every production traffic shift step"; the ranges and defaults are the API
reference's (API_CanaryConfiguration.html: canaryPercent multiples of 0.1 from 0.1 to 100.0, default 5.0,
canaryBakeTimeInMinutes 0 to 1440, default 10; API_LinearConfiguration.html: stepPercent multiples of 0.1 from 3.0 to
100.0, default 10.0, stepBakeTimeInMinutes 0 to 1440, default 6, "not applied after reaching 100 percent traffic").
ServiceRevisionSummary's ``requestedProductionTrafficWeight`` and ``requestedTestTrafficWeight``
(API_ServiceRevisionSummary.html) are "the percentage of ... traffic that is directed to this service revision".

An ALB forward action's weights are integers (0 to 999): a whole percentage is its own weight (green 10, blue 90); a
share in tenths is weighted in tenths (green 105, blue 895). Either way a group's share is its weight over the sum.
"""

from __future__ import annotations

from typing import Any

from moto.ecs.exceptions import InvalidParameterException

#: The strategies whose deployments shift traffic between two target groups (ROLLING replaces tasks in place).
SHIFTING = ("BLUE_GREEN", "CANARY", "LINEAR")
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}
LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
MAX_BAKE_MINUTES = 1440


def _tenths(value: Any) -> int | None:
    """``value`` in tenths of a percent if it is a number that is a multiple of 0.1, else None."""
    try:
        tenths = round(float(value) * 10)
    except (TypeError, ValueError):
        return None
    return tenths if abs(float(value) * 10 - tenths) < 1e-6 else None


def _check_percent(name: str, value: Any, lowest: int) -> None:
    tenths = _tenths(value)
    if tenths is None or not lowest <= tenths <= 1000:
        raise InvalidParameterException(
            f"Invalid value for {name}: {value}. Valid values are multiples of 0.1 from {lowest / 10:.1f} to 100.0."
        )


def _check_bake(name: str, value: Any) -> None:
    if value is not None and not (isinstance(value, int) and 0 <= value <= MAX_BAKE_MINUTES):
        raise InvalidParameterException(
            f"Invalid value for {name}: {value}. Valid values are 0 to {MAX_BAKE_MINUTES} minutes (24 hours)."
        )


def validate(configuration: dict[str, Any]) -> None:
    """Refuse a canaryConfiguration or linearConfiguration outside the ranges the API reference gives."""
    canary = configuration.get("canaryConfiguration") or {}
    if canary.get("canaryPercent") is not None:
        _check_percent("canaryPercent", canary["canaryPercent"], 1)
    _check_bake("canaryBakeTimeInMinutes", canary.get("canaryBakeTimeInMinutes"))
    linear = configuration.get("linearConfiguration") or {}
    if linear.get("stepPercent") is not None:
        _check_percent("stepPercent", linear["stepPercent"], 30)
    _check_bake("stepBakeTimeInMinutes", linear.get("stepBakeTimeInMinutes"))


def production_steps(configuration: dict[str, Any]) -> list[tuple[float, int]]:
    """The production shares the green revision gets, in order, each with the minutes to wait after it: BLUE_GREEN
    [(100, 0)]; CANARY [(canaryPercent, canaryBakeTimeInMinutes), (100, 0)]; LINEAR step, 2 x step, ... up to 100,
    the step bake time after each but the last."""
    strategy = configuration.get("strategy", "ROLLING")
    if strategy == "CANARY":
        canary = {**CANARY_DEFAULTS, **(configuration.get("canaryConfiguration") or {})}
        tenths = _tenths(canary["canaryPercent"]) or 50
        if tenths >= 1000:
            return [(100.0, 0)]
        return [(tenths / 10, int(canary["canaryBakeTimeInMinutes"])), (100.0, 0)]
    if strategy == "LINEAR":
        linear = {**LINEAR_DEFAULTS, **(configuration.get("linearConfiguration") or {})}
        step = _tenths(linear["stepPercent"]) or 100
        shares = [min(k * step, 1000) for k in range(1, -(-1000 // step) + 1)]
        bake = int(linear["stepBakeTimeInMinutes"])
        return [(share / 10, bake if share < 1000 else 0) for share in shares]
    return [(100.0, 0)]


def weights(green_percent: float) -> tuple[int, int]:
    """The (green, blue) weights of a forward action that sends ``green_percent`` of requests to green."""
    tenths = round(green_percent * 10)
    if tenths % 10 == 0:
        return tenths // 10, 100 - tenths // 10
    return tenths, 1000 - tenths


def report(entry: dict[str, Any], blue_arn: str | None, kind: str, green_percent: float) -> None:
    """The service deployment's revisions carry the share of ``kind`` (Production or Test) traffic each one gets:
    the target revision ``green_percent``, the blue one the rest, any other source revision none."""
    key = f"requested{kind}TrafficWeight"
    entry["targetServiceRevision"][key] = float(green_percent)
    for source in entry.get("sourceServiceRevisions") or []:
        source[key] = round(100.0 - green_percent, 1) if source["arn"] == blue_arn else 0.0
