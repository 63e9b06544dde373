"""Stage conditions of V2 pipelines (user guide, "Configure conditions for a stage" and "How do stage conditions
work?"): what a pipeline may declare, checked when it is created or updated, and the rules the sandbox evaluates.

A condition is a list of rules; it is met when every rule succeeds. ``beforeEntry`` and ``onSuccess`` engage their
result when the condition is *not* met ("The stage performs the specified result only when the condition fails");
``onFailure``'s conditions engage theirs when it *is* met (botocore's ``Condition.result``: "The action to be done
when the condition is met. For example, rolling back an execution for a failure condition"), and an ``onFailure``
without conditions engages its result whenever the stage fails.

The sandbox evaluates ``VariableCheck`` and ``DeploymentWindow`` rules. ``LambdaInvoke``, ``CloudWatchAlarm`` and
``Commands`` rules need a function, an alarm or a build the sandbox does not run as AWS does, so a pipeline that
declares one is refused with a message saying so, rather than evaluated as if it had passed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moto.codepipeline.exceptions import InvalidStructureException

from ... import clock

#: The results each kind of condition may engage (user guide, "Configure conditions for a stage"; ``RETRY`` is
#: onFailure's ``result`` with a ``retryConfiguration``, "Configure a stage for automatic retry on failure").
RESULTS = {"beforeEntry": ("FAIL", "SKIP"), "onSuccess": ("ROLLBACK", "FAIL"), "onFailure": ("ROLLBACK", "RETRY")}
KINDS = tuple(RESULTS)
EVALUATED = ("VariableCheck", "DeploymentWindow")
NOT_EVALUATED = ("LambdaInvoke", "CloudWatchAlarm", "Commands")
OPERATORS = ("EQ", "NE", "CONTAINS", "MATCHES")
#: Time zones by the abbreviations the rule reference's examples use, for zoneinfo, which knows the IANA names.
ZONE_ALIASES = {"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "EST": "America/New_York",
                "EDT": "America/New_York", "CST": "America/Chicago", "MST": "America/Denver"}  # fmt: skip


@dataclass
class ConditionRun:
    """One evaluation of a stage's conditions of one kind, as GetPipelineState's ``StageConditionState`` shows it."""

    kind: str
    status: str = "InProgress"
    summary: str = ""
    updated: datetime = field(default_factory=clock.now)
    rules: list[dict[str, Any]] = field(default_factory=list)  # one per rule: name, status, summary, id, updated

    def state(self) -> dict[str, Any]:
        rule_states = [
            {
                "ruleName": r["name"],
                "latestExecution": {
                    "ruleExecutionId": r["id"],
                    "status": r["status"],
                    "summary": r["summary"],
                    "lastStatusChange": r["updated"],
                },
            }
            for r in self.rules
        ]
        return {
            "latestExecution": {"status": self.status, "summary": self.summary},
            "conditionStates": [
                {
                    "latestExecution": {
                        "status": self.status,
                        "summary": self.summary,
                        "lastStatusChange": self.updated,
                    },
                    "ruleStates": rule_states,
                }
            ],
        }


# -- validation (CreatePipeline, UpdatePipeline) ---------------------------------------------------------------------
def check(pipeline: dict[str, Any]) -> None:
    """Refuse stage conditions a pipeline may not have: any on a V1 pipeline, a result its kind does not engage, a
    rollback of a source stage, a rule the sandbox does not evaluate or one it cannot read."""
    v2 = (pipeline.get("pipelineType") or "V1") == "V2"
    for stage in pipeline.get("stages", []):
        declared = [kind for kind in KINDS if stage.get(kind)]
        if declared and not v2:
            raise InvalidStructureException(
                f"Stage conditions ({', '.join(declared)} in stage {stage['name']}) can only be used with V2 pipelines"
            )
        for kind in declared:
            _check_kind(stage, kind, stage[kind])


def _check_kind(stage: dict[str, Any], kind: str, block: dict[str, Any]) -> None:
    where = f"stage {stage['name']}, {kind}"
    results = [block["result"]] if block.get("result") else []
    results += [c.get("result") for c in block.get("conditions") or [] if c.get("result")]
    for result in results:
        if result not in RESULTS[kind]:
            allowed = " or ".join(RESULTS[kind])
            raise InvalidStructureException(f"Result {result} is not valid for {where}: it must be {allowed}")
    if kind == "onFailure" and not results:
        raise InvalidStructureException(f"The {where} condition needs a result (ROLLBACK or RETRY)")
    if kind == "onFailure" and "RETRY" in results and not (block.get("retryConfiguration") or {}).get("retryMode"):
        raise InvalidStructureException(f"The {where} condition with result RETRY needs retryConfiguration.retryMode")
    sources = any(a["actionTypeId"]["category"] == "Source" for a in stage.get("actions", []))
    if sources and "ROLLBACK" in results:
        raise InvalidStructureException(f"You cannot roll back a source stage ({where})")
    for condition in block.get("conditions") or []:
        for rule in condition.get("rules") or []:
            _check_rule(rule, where)


def _check_rule(rule: dict[str, Any], where: str) -> None:
    provider = rule.get("ruleTypeId", {}).get("provider")
    configuration = rule.get("configuration") or {}
    if provider in NOT_EVALUATED:
        raise InvalidStructureException(
            f"The sandbox does not evaluate {provider} rules (rule {rule.get('name')} in {where}); it evaluates "
            f"{' and '.join(EVALUATED)} rules. On AWS this rule would run; here it is refused rather than assumed "
            "to pass."
        )
    if provider not in EVALUATED:
        raise InvalidStructureException(f"Rule provider {provider} (rule {rule.get('name')} in {where}) does not exist")
    needed = ("Operator", "Variable", "Value") if provider == "VariableCheck" else ("Cron",)
    missing = [key for key in needed if not configuration.get(key)]
    if missing:
        raise InvalidStructureException(
            f"Rule {rule.get('name')} in {where} lacks the required configuration {', '.join(missing)}"
        )
    if provider == "VariableCheck" and configuration["Operator"] not in OPERATORS:
        raise InvalidStructureException(
            f"Operator {configuration['Operator']} of rule {rule.get('name')} is not one of {', '.join(OPERATORS)}"
        )
    if provider == "DeploymentWindow":
        try:
            _fields(configuration["Cron"])
            _zone(configuration.get("TimeZone"))
        except ValueError as error:
            raise InvalidStructureException(f"Rule {rule.get('name')} in {where}: {error}") from None


# -- evaluation ------------------------------------------------------------------------------------------------------
def evaluate(kind: str, block: dict[str, Any], variables: dict[str, dict[str, str]]) -> ConditionRun:
    """Run the rules of a stage's ``kind`` conditions: Succeeded when every rule succeeded (the condition is met)."""
    run = ConditionRun(kind)
    for condition in block.get("conditions") or []:
        for rule in condition.get("rules") or []:
            ok, summary = _rule(rule, variables)
            run.rules.append(
                {
                    "name": rule["name"],
                    "id": str(uuid.uuid4()),
                    "status": "Succeeded" if ok else "Failed",
                    "summary": summary,
                    "updated": clock.now(),
                }
            )
    failed = [r for r in run.rules if r["status"] == "Failed"]
    run.status = "Failed" if failed else "Succeeded"
    run.summary = f"Rule {failed[0]['name']} failed: {failed[0]['summary']}" if failed else "All rules succeeded"
    run.updated = clock.now()
    return run


def result_of(block: dict[str, Any]) -> str | None:
    """The result a kind's block engages: its condition's, else the block's own (onFailure's ``result``)."""
    for condition in block.get("conditions") or []:
        if condition.get("result"):
            return str(condition["result"])
    return block.get("result")


def _rule(rule: dict[str, Any], variables: dict[str, dict[str, str]]) -> tuple[bool, str]:
    provider = rule["ruleTypeId"]["provider"]
    configuration = rule.get("configuration") or {}
    if provider == "VariableCheck":
        return _variable_check(configuration, variables)
    return _deployment_window(configuration)


def _variable_check(configuration: dict[str, str], variables: dict[str, dict[str, str]]) -> tuple[bool, str]:
    """VariableCheck (rule reference): EQ, NE, CONTAINS or MATCHES (a regular expression, Java's syntax on AWS,
    Python's here) of the resolved ``Variable`` against ``Value``."""
    unresolved: list[str] = []

    def resolve(match: re.Match[str]) -> str:
        namespace, name = match.group(1), match.group(2)
        value = variables.get(namespace, {}).get(name)
        if value is None:
            unresolved.append(match.group(0))
            return ""
        return value

    actual = re.sub(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_.]+)\}", resolve, configuration["Variable"])
    if unresolved:
        return False, f"The variable {unresolved[0]} could not be resolved"
    expected, operator = configuration["Value"], configuration["Operator"]
    passed = {
        "EQ": actual == expected,
        "NE": actual != expected,
        "CONTAINS": expected in actual,
        "MATCHES": re.fullmatch(expected, actual) is not None,
    }[operator]
    verdict = "passed" if passed else "failed"
    return passed, f"{configuration['Variable']} = {actual!r} {operator} {expected!r}: {verdict}"


def _deployment_window(configuration: dict[str, str]) -> tuple[bool, str]:
    """DeploymentWindow (rule reference): succeeds when the sandbox's clock, in ``TimeZone`` (UTC by default), falls
    in the minute the ``Cron`` expression names."""
    zone = _zone(configuration.get("TimeZone"))
    at = clock.now().astimezone(zone)
    inside = _matches(_fields(configuration["Cron"]), at)
    where = "inside" if inside else "outside"
    return inside, f"{at:%Y-%m-%d %H:%M %Z} is {where} the deployment window {configuration['Cron']}"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(ZONE_ALIASES.get(name or "UTC", name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TimeZone {name} is not a time zone") from None


# -- cron: seconds minutes hours day-of-month month day-of-week [year] (rule reference, DeploymentWindow) -------------
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)]


def _fields(expression: str) -> list[set[int] | None]:
    """Each field as the set of values it allows (None for ``*`` or ``?``). The sandbox does not read the ``L``,
    ``W`` and ``#`` forms and says so."""
    parts = expression.split()
    if len(parts) not in (6, 7):
        raise ValueError(f"Cron {expression!r} must have 6 fields and an optional year")
    return [_field(part, index) for index, part in enumerate(parts)]


def _field(text: str, index: int) -> set[int] | None:
    if text in ("*", "?"):
        return None
    if re.search(r"[LW#]", text.upper().replace("JUL", "").replace("WED", "")):
        raise ValueError(f"the sandbox does not evaluate the cron forms L, W and # ({text!r})")
    low, high = RANGES[index]
    values: set[int] = set()
    for item in text.upper().split(","):
        base, _, step = item.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _value(first, index), _value(last, index)
        else:
            start = _value(base, index)
            end = high if step else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"{item!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, int(step) if step else 1))
    return values


def _value(text: str, index: int) -> int:
    if index == 4 and text in MONTHS:
        return MONTHS.index(text) + 1
    if index == 5 and text in DAYS:
        return DAYS.index(text) + 1
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a value of a cron field")
    return int(text)


def _matches(fields: list[set[int] | None], at: datetime) -> bool:
    """Minute granularity: the seconds field is not checked (the window is the minute the expression names)."""
    actual = [at.second, at.minute, at.hour, at.day, at.month, (at.isoweekday() % 7) + 1, at.year]
    return all(allowed is None or value in allowed for allowed, value in zip(fields[1:], actual[1:], strict=False))
