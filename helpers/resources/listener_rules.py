"""Prod's two listener rules for ECS blue/green, canary and linear deployments (the advanced module).

ECS moves traffic between a service's two target groups by changing the weights of a listener *rule*'s forward
action, not the listener's default action ("Application Load Balancer resources for blue/green deployments",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html): the *production*
rule on Prod's listener (port 80) and the *test* rule on the test listener (``TEST_LISTENER_PORT``). Both start
forwarding everything to Prod's target group (weight 100) and none to the green one (weight 0); from then on ECS
owns the weights, so an ``ensure`` run again never resets them. Each rule is tagged and recorded; cleanup deletes
them before the load balancer (which would take them with it anyway).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.context import Row, Workshop
from ..core.errors import ResourceConflictError, WorkshopError
from .base import Entry, Found, Kind, entry_id
from .load_balancer import (
    GREEN_KEY,
    TEST_LISTENER_KEY,
    is_ours,
    load_balancers_named,
    recorded_listener_arn,
    recorded_target_group_arn,
)

_TYPE = "AWS::ElasticLoadBalancingV2::ListenerRule"
#: Every request: the rule matches any path, so it decides where all of a listener's traffic goes.
PATH_PATTERN = "/*"
PRIORITY = "10"
#: The rules, by state key: the production rule on Prod's listener and the test rule on the test listener.
RULE_KEYS = {"production": "listener-rule/prod-production", "test": "listener-rule/prod-test"}


def _listener_arns(workshop: Workshop) -> dict[str, str]:
    production = recorded_listener_arn(workshop, "prod")
    test = (workshop.state.resources.get(TEST_LISTENER_KEY) or {}).get("arn")
    if not production or not test:
        raise WorkshopError(
            "Prod's listener and its test listener come first (notebook 01, then ensure_test_listener)."
        )
    return {"production": production, "test": str(test)}


def recorded_rule_arn(workshop: Workshop, which: str) -> str:
    """The ARN of the ``"production"`` or ``"test"`` rule as recorded."""
    return str(workshop.state.resources[RULE_KEYS[which]]["arn"])


def ensure(workshop: Workshop) -> list[Row]:
    """The production rule and the test rule (created, or checked to be ours)."""
    return [ensure_rule(workshop, which, listener) for which, listener in _listener_arns(workshop).items()]


def ensure_rule(workshop: Workshop, which: str, listener_arn: str) -> Row:
    """One rule at ``PRIORITY`` forwarding every path to Prod's two target groups (weights 100 and 0 when new).
    A rule already at that priority must carry the workshop's tag (else ResourceConflictError); its weights are
    left as they are: ECS changed them in the last deployment."""
    elbv2 = workshop.client("elbv2")
    rules = elbv2.describe_rules(ListenerArn=listener_arn)["Rules"]
    existing = next((rule for rule in rules if rule.get("Priority") == PRIORITY), None)
    if existing is not None:
        if not is_ours(workshop, existing["RuleArn"]):
            raise ResourceConflictError("listener rule", f"{which} (priority {PRIORITY})", workshop.prefix)
        arn, action = existing["RuleArn"], "exists (ECS owns its weights)"
    else:
        blue = recorded_target_group_arn(workshop, "prod")
        green = str(workshop.state.resources[GREEN_KEY]["arn"])
        arn = elbv2.create_rule(
            ListenerArn=listener_arn,
            Priority=int(PRIORITY),
            Conditions=[{"Field": "path-pattern", "Values": [PATH_PATTERN]}],
            Actions=[
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": blue, "Weight": 100},
                            {"TargetGroupArn": green, "Weight": 0},
                        ]
                    },
                }
            ],
            Tags=workshop.tag_list("prod"),
        )["Rules"][0]["RuleArn"]
        action = "created"
    return LISTENER_RULES.record(
        workshop, RULE_KEYS[which], name=f"{which} rule", arn=arn, action=action, environment="prod"
    )


def weights(workshop: Workshop, which: str) -> dict[str, int]:
    """The rule's forward weights by target group name (DescribeRules)."""
    elbv2 = workshop.client("elbv2")
    (rule,) = elbv2.describe_rules(RuleArns=[recorded_rule_arn(workshop, which)])["Rules"]
    groups = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    return {str(group["TargetGroupArn"]).split("/")[-2]: int(group.get("Weight", 0)) for group in groups}


# -- cleanup ------------------------------------------------------------------------------------------
def find_rules(workshop: Workshop) -> Iterable[Found]:
    """The non-default rules of the workshop's load balancer's listeners, each ours by its tag."""
    elbv2 = workshop.client("elbv2")
    for balancer in load_balancers_named(workshop):
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                if rule.get("IsDefault"):
                    continue
                name = f"HTTP:{listener['Port']} rule {rule['Priority']}"
                yield Found("listener rule", name, rule["RuleArn"], is_ours(workshop, rule["RuleArn"]))


def delete_rule(workshop: Workshop, found: Found) -> None:
    """DeleteRule: the listener's traffic goes back to its default action."""
    workshop.client("elbv2").delete_rule(RuleArn=found.ident)


def rule_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded ARN; RuleNotFound (or its listener gone with the load balancer) means gone."""
    elbv2 = workshop.client("elbv2")
    try:
        elbv2.describe_rules(RuleArns=[entry_id(entry)])
    except (elbv2.exceptions.RuleNotFoundException, elbv2.exceptions.ListenerNotFoundException):
        return False
    return True


LISTENER_RULES = Kind(
    "listener rules",
    find_rules,
    delete_rule,
    cfn_type=_TYPE,
    noun="listener rule",
    exists=rule_exists,
)
