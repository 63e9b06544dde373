"""The advanced module's blue/green helpers against the sandbox, on a workshop through notebook 01:
``ensure_blue_green`` (idempotent, tagged, recorded; a rule on the listener that is not the workshop's is refused),
Prod's switch to BLUE_GREEN, a canary redeploy sampled from DescribeServiceDeployments and drawn, a paused
deployment rolled back with ContinueServiceDeployment, and cleanup leaving nothing."""

from __future__ import annotations

from typing import Any, cast

import pytest

from helpers import blue_green, cleanup, paused_deployment, prerequisites, setup
from helpers.core.errors import ResourceConflictError
from helpers.resources import listener_rules, load_balancer, registry
from helpers.views.traffic import draw_traffic
from tests.helpers_for_tests import sandbox_client, unique

pytestmark = pytest.mark.slow  # a whole notebook 01 and three deployments


@pytest.fixture(scope="module")
def workshop():
    """A workshop through 01 of its own, not a shared one (tests/shared_workshops.py): its tests switch Prod to
    blue/green deployments and clean that up, which the files sharing a workshop would notice."""
    prefix = unique("bgh")
    setup.configure(prefix=prefix, launch_type="FARGATE")
    opened = setup.open_workshop(prefix)
    prerequisites.ensure_all(opened)
    yield opened
    cleanup.cleanup(opened)


def _names(table: Any) -> list[tuple[str, str]]:
    return [(row["type"], row["action"]) for _, row in table.frame.iterrows()]


def test_ensure_blue_green_creates_tagged_recorded_parts_and_is_idempotent(workshop):
    first = blue_green.ensure_blue_green(workshop)
    assert [t for t, _ in _names(first)] == [
        "security group",
        "target group",
        "test listener",
        "listener rule",
        "listener rule",
        "IAM role",
    ]
    assert [a for _, a in _names(first)][1:5] == ["created"] * 4
    again = blue_green.ensure_blue_green(workshop)
    assert [a for _, a in _names(again)][1:5] == ["exists", "exists", *["exists (ECS owns its weights)"] * 2]
    elbv2, ec2 = sandbox_client("elbv2"), sandbox_client("ec2")
    green = elbv2.describe_target_groups(Names=[workshop.names.green_target_group])["TargetGroups"]
    assert len(green) == 1 and load_balancer.is_ours(workshop, green[0]["TargetGroupArn"])
    assert listener_rules.weights(workshop, "production") == {
        workshop.names.target_group("prod"): 100,
        workshop.names.green_target_group: 0,
    }
    group = ec2.describe_security_groups(GroupIds=[workshop.state.resources["security-group/load-balancer"]["arn"]])
    assert 9000 in {p.get("FromPort") for p in group["SecurityGroups"][0]["IpPermissions"]}
    role = workshop.state.resources["iam-role/ecs-infrastructure-role"]
    trust = sandbox_client("iam").get_role(RoleName=role["name"])["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}
    kinds = {registry.kind_of(entry["type"]) for key, entry in workshop.state.resources.items() if "rule" in key}
    assert kinds == {listener_rules.LISTENER_RULES}


def test_a_rule_that_is_not_the_workshops_is_refused(workshop):
    elbv2 = sandbox_client("elbv2")
    listener = load_balancer.recorded_listener_arn(workshop, "prod")
    rule_key = listener_rules.RULE_KEYS["production"]
    ours = workshop.state.resources[rule_key]["arn"]
    elbv2.delete_rule(RuleArn=ours)
    foreign = elbv2.create_rule(
        ListenerArn=listener,
        Priority=int(listener_rules.PRIORITY),
        Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}],
    )["Rules"][0]["RuleArn"]
    with pytest.raises(ResourceConflictError):
        listener_rules.ensure_rule(workshop, "production", cast(str, listener))
    elbv2.delete_rule(RuleArn=foreign)
    assert listener_rules.ensure_rule(workshop, "production", cast(str, listener))["action"] == "created"


def test_switch_pause_roll_back_then_canary_and_cleanup(workshop):
    blue_green.ensure_blue_green(workshop)
    switched = blue_green.switch_to_blue_green(workshop)
    assert switched["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert switched["deploymentConfiguration"]["lifecycleHooks"] == [blue_green.PAUSE_HOOK]
    advanced = switched["loadBalancers"][0]["advancedConfiguration"]
    assert advanced["roleArn"].endswith("/" + workshop.names.infrastructure_role)
    before = blue_green.answers(workshop)
    assert before["test"] == before["production"]  # the test rule forwards to the one revision there is

    # A release with the PAUSE hook: it waits at POST_TEST_TRAFFIC_SHIFT; ROLLBACK leaves the old revision serving.
    ecs = sandbox_client("ecs")
    cluster, service = workshop.names.cluster("prod"), workshop.names.service("prod")
    serving = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    arn = blue_green.redeploy(workshop, "BLUE_GREEN", pause=True)
    paused = _until_paused(workshop)
    assert paused["serviceDeploymentArn"] == arn and paused["lifecycleStage"] == blue_green.PAUSE_STAGE
    hook = paused_deployment.waiting_hook(paused)
    assert hook is not None
    # The panel shows both URLs with what each answers, and its Roll back button calls ContinueServiceDeployment.
    panel = paused_deployment.pause_panel(workshop, paused, hook)
    title, comparison, buttons, result = panel.children
    assert blue_green.PAUSE_STAGE in title.value and "production URL" in comparison.value
    assert comparison.value.count(before["production"]) == 2  # the same image on both: a redeploy of one release
    continue_button, roll_back = buttons.children
    roll_back.click()
    assert result.value == f"<b>ContinueServiceDeployment: ROLLBACK at {blue_green.PAUSE_STAGE}</b>"
    assert continue_button.disabled and roll_back.disabled
    samples = blue_green.follow_traffic(workshop, arn, timeout=60)
    assert samples[-1]["status"] == "ROLLBACK_SUCCESSFUL"
    now = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    assert now == serving
    assert blue_green.answers(workshop)["production"] == before["production"]

    # CANARY: the new revision's reported share goes 0 -> 10 -> 100.
    canary = blue_green.redeploy(workshop, "CANARY")
    samples = blue_green.follow_traffic(workshop, canary, timeout=120)
    shares = [s["new"] for s in samples]
    assert 10.0 in shares and shares[-1] == 100.0 and samples[-1]["status"] == "SUCCESSFUL"
    assert shares.index(10.0) < shares.index(100.0)
    picture = draw_traffic(samples, "CANARY")
    assert "<polyline" in picture.svg and "PRODUCTION_TRAFFIC_SHIFT" in repr(picture)

    cleanup.cleanup(workshop)
    assert [r for r in cleanup.leftovers(workshop) if r.is_problem] == []
    elbv2 = sandbox_client("elbv2")
    with pytest.raises(elbv2.exceptions.TargetGroupNotFoundException):
        elbv2.describe_target_groups(Names=[workshop.names.green_target_group])


def _until_paused(workshop: Any) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        deployment = paused_deployment.newest_deployment(workshop)
        if paused_deployment.waiting_hook(deployment):
            return cast(dict[str, Any], deployment)
        time.sleep(0.2)
    raise AssertionError("the deployment never paused")
