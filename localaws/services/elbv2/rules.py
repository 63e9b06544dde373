"""Which targets a listener sends a request to: the first of its rules, in priority order, whose conditions the
request meets, else its default action; a forward action's target groups share the traffic by their weights.

AWS: "Listener rules" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html):
rules are evaluated in priority order, lowest first, the default rule last; a forward action to several target
groups routes "based on the weight you specify for each target group", and a group of weight 0 gets no traffic.
Conditions the sandbox evaluates: ``path-pattern`` and ``host-header`` (``*`` and ``?`` wildcards), and
``http-request-method``; a rule with any other condition does not match here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from moto.elbv2.models import FakeListenerRule

Endpoint = tuple[str, int]
Serving = Callable[[str], list[Endpoint]]


def listener_rules(listener: Any) -> list[Any]:
    """A listener's own rules by priority, without its default action (moto's public ``rules`` holds both)."""
    own = [rule for rule in listener.rules.values() if isinstance(rule, FakeListenerRule)]
    return sorted(own, key=lambda rule: int(rule.priority))


def route(listener: Any, method: str, path: str, host: str, serving: Serving) -> list[Endpoint]:
    """The endpoints that may take this request (one target group's, chosen by weight), given ``serving``: a target
    group's ARN -> the endpoints it sends requests to now."""
    for rule in listener_rules(listener):
        if all(_meets(condition, method, path, host) for condition in rule.conditions):
            return forward(rule.actions, serving)
    return forward(listener.default_actions, serving)


def weighted_groups(actions: list[Any]) -> list[tuple[str, int]]:
    """The (target group ARN, weight) pairs of the first forward action (weight 1 for a plain ``TargetGroupArn``)."""
    for action in actions:
        data = action.data if hasattr(action, "data") else action
        if data.get("Type") != "forward":
            continue
        groups = data.get("ForwardConfig", {}).get("TargetGroups", [])
        if groups:
            return [(str(g["TargetGroupArn"]), int(g.get("Weight", 1))) for g in groups]
        if data.get("TargetGroupArn"):
            return [(str(data["TargetGroupArn"]), 1)]
    return []


def forward(actions: list[Any], serving: Serving) -> list[Endpoint]:
    """Equal weights pool the groups' targets (as before weights mattered); unequal ones pick one group per request."""
    live = [(arn, weight) for arn, weight in weighted_groups(actions) if weight > 0]
    if len({weight for _, weight in live}) <= 1:
        return [endpoint for arn, _ in live for endpoint in serving(arn)]
    (chosen,) = random.choices([arn for arn, _ in live], weights=[weight for _, weight in live])
    return serving(chosen)


def _meets(condition: dict[str, Any], method: str, path: str, host: str) -> bool:
    field = condition.get("Field")
    configs = {
        "path-pattern": "PathPatternConfig",
        "host-header": "HostHeaderConfig",
        "http-request-method": "HttpRequestMethodConfig",
    }
    if field not in configs:
        return False
    values = condition.get(configs[field], {}).get("Values") or condition.get("Values") or []
    if field == "path-pattern":
        return any(fnmatchcase(path.split("?")[0], value) for value in values)
    if field == "host-header":
        name = host.split(":")[0].lower()
        return any(fnmatchcase(name, value.lower()) for value in values)
    return method.upper() in [value.upper() for value in values]
