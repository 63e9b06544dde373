"""ECS's built-in blue/green deployments (``deploymentConfiguration.strategy`` BLUE_GREEN), through boto3 and the
AWS CLI: the green tasks serve the test listener while production still serves blue, then production moves.

AWS: "Amazon ECS blue/green deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html), "Application Load
Balancer resources for blue/green deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html): two target groups,
production and test listener rules whose forward action weights ECS changes; lifecycle stages and PAUSE hooks:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html and
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html; continuing and stopping:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html,
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html.
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import assert_matches_output_shape, cli_json, sandbox_client
from tests.sandbox.test_ecs_serving import container, get, listener_url, server, stack  # noqa: F401 (fixture)

ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"
STABLE = {"Delay": 1, "MaxAttempts": 60}


@pytest.fixture
def blue_green(stack):  # noqa: F811
    """The stack plus what a blue/green service needs: an alternate target group, a test listener, and a
    production and a test listener rule forwarding to both groups (primary 100, alternate 0)."""
    elbv2 = sandbox_client("elbv2")
    vpc = elbv2.describe_target_groups(TargetGroupArns=[stack["group"]])["TargetGroups"][0]["VpcId"]
    alternate = elbv2.create_target_group(
        Name=stack["name"] + "-g", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", HealthCheckPath="/"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=alternate, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "1"}]
    )
    test_listener = elbv2.create_listener(
        LoadBalancerArn=stack["balancer"],
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    weighted = [{"TargetGroupArn": stack["group"], "Weight": 100}, {"TargetGroupArn": alternate, "Weight": 0}]
    rules = {}
    for key, listener in (("production", stack["listener"]), ("test", test_listener)):
        rules[key] = elbv2.create_rule(
            ListenerArn=listener,
            Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": weighted}}],
        )["Rules"][0]["RuleArn"]
    return {**stack, "alternate": alternate, "test_listener": test_listener, "rules": rules}


def _balancers(setup: dict) -> list[dict]:
    advanced = {
        "alternateTargetGroupArn": setup["alternate"],
        "productionListenerRule": setup["rules"]["production"],
        "testListenerRule": setup["rules"]["test"],
        "roleArn": ROLE,
    }
    return [
        {
            "targetGroupArn": setup["group"],
            "containerName": "web",
            "containerPort": 8080,
            "advancedConfiguration": advanced,
        }
    ]


def _blue_green_service(setup: dict, hooks: list[dict]) -> str:
    """A BLUE_GREEN service serving v1; the ARN of a v2 task definition."""
    ecs = sandbox_client("ecs")
    first = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(server("v1"))])
    ecs.create_service(
        cluster=setup["name"],
        serviceName="web",
        taskDefinition=first["taskDefinition"]["taskDefinitionArn"],
        desiredCount=1,
        loadBalancers=_balancers(setup),
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2, "lifecycleHooks": hooks},
    )
    ecs.get_waiter("services_stable").wait(cluster=setup["name"], services=["web"], WaiterConfig=STABLE)
    second = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(server("v2"))])
    return second["taskDefinition"]["taskDefinitionArn"]


def _paused_at(setup: dict, stage: str) -> dict:
    """Update to the new revision's deployment, once it waits at its PAUSE hook in ``stage``."""
    ecs = sandbox_client("ecs")
    arn = ecs.list_service_deployments(cluster=setup["name"], service="web")["serviceDeployments"][0][
        "serviceDeploymentArn"
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (deployment,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
        hooks = [h for h in deployment.get("lifecycleHookDetails", []) if h["status"] == "AWAITING_ACTION"]
        if deployment.get("lifecycleStage") == stage and hooks:
            return deployment
        time.sleep(0.2)
    raise AssertionError(f"the deployment never paused at {stage}")


def _weights(rule_arn: str) -> dict[str, int]:
    (rule,) = sandbox_client("elbv2").describe_rules(RuleArns=[rule_arn])["Rules"]
    groups = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    return {g["TargetGroupArn"]: g["Weight"] for g in groups}


def test_test_listener_serves_green_while_production_serves_blue(blue_green):
    """During the update the test listener answers v2 and production v1; after ContinueServiceDeployment,
    production moves to v2 (the rule's weights), both run for the bake time, then the blue task stops."""
    ecs, setup = sandbox_client("ecs"), blue_green
    second = _blue_green_service(setup, [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}])
    production, test = listener_url(setup["listener"]), listener_url(setup["test_listener"])
    assert get(production) == (200, "v1") and get(test) == (200, "v1")

    ecs.update_service(cluster=setup["name"], service="web", taskDefinition=second)
    paused = _paused_at(setup, "POST_TEST_TRAFFIC_SHIFT")
    assert paused["status"] == "IN_PROGRESS"
    assert [get(test) for _ in range(4)] == [(200, "v2")] * 4
    assert [get(production) for _ in range(4)] == [(200, "v1")] * 4
    assert _weights(setup["rules"]["test"]) == {setup["alternate"]: 100, setup["group"]: 0}
    assert _weights(setup["rules"]["production"]) == {setup["group"]: 100, setup["alternate"]: 0}
    green = sandbox_client("elbv2").describe_target_health(TargetGroupArn=setup["alternate"])
    assert [t["TargetHealth"]["State"] for t in green["TargetHealthDescriptions"]] == ["healthy"]

    hook = paused["lifecycleHookDetails"][0]["hookId"]
    ecs.continue_service_deployment(serviceDeploymentArn=paused["serviceDeploymentArn"], hookId=hook)
    ecs.get_waiter("services_stable").wait(cluster=setup["name"], services=["web"], WaiterConfig=STABLE)
    assert [get(production) for _ in range(4)] == [(200, "v2")] * 4
    assert _weights(setup["rules"]["production"]) == {setup["alternate"]: 100, setup["group"]: 0}
    done = ecs.describe_service_deployments(serviceDeploymentArns=[paused["serviceDeploymentArn"]])
    assert_matches_output_shape(ecs, "DescribeServiceDeployments", done)
    (record,) = done["serviceDeployments"]
    assert (record["status"], record["lifecycleStage"]) == ("SUCCESSFUL", "CLEAN_UP")
    service = ecs.describe_services(cluster=setup["name"], services=["web"])["services"][0]
    assert [d["taskDefinition"] for d in service["deployments"]] == [second]
    assert "has stopped 1 running tasks" in " ".join(e["message"] for e in service["events"])
    blue = sandbox_client("elbv2").describe_target_health(TargetGroupArn=setup["group"])
    assert blue["TargetHealthDescriptions"] == []


def test_stop_service_deployment_rolls_back_to_blue_through_the_cli(blue_green):
    """StopServiceDeployment (ROLLBACK) while paused after the green tasks started: they stop, blue keeps serving,
    the deployment is ROLLBACK_SUCCESSFUL (read through the CLI)."""
    ecs, setup = sandbox_client("ecs"), blue_green
    second = _blue_green_service(setup, [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}])
    first = ecs.describe_services(cluster=setup["name"], services=["web"])["services"][0]["taskDefinition"]
    ecs.update_service(cluster=setup["name"], service="web", taskDefinition=second)
    paused = _paused_at(setup, "POST_SCALE_UP")
    assert get(listener_url(setup["test_listener"])) == (200, "v1")  # no test traffic before TEST_TRAFFIC_SHIFT

    ecs.stop_service_deployment(serviceDeploymentArn=paused["serviceDeploymentArn"], stopType="ROLLBACK")
    ecs.get_waiter("services_stable").wait(cluster=setup["name"], services=["web"], WaiterConfig=STABLE)
    (record,) = cli_json(
        "ecs", "describe-service-deployments", "--service-deployment-arns", paused["serviceDeploymentArn"]
    )["serviceDeployments"]
    assert record["status"] == "ROLLBACK_SUCCESSFUL"
    assert record["rollback"]["reason"]
    service = ecs.describe_services(cluster=setup["name"], services=["web"])["services"][0]
    assert service["taskDefinition"] == first
    assert get(listener_url(setup["listener"])) == (200, "v1")
    listed = cli_json("ecs", "list-service-deployments", "--cluster", setup["name"], "--service", "web")
    assert [d["status"] for d in listed["serviceDeployments"]] == ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"advancedConfiguration": None}, "alternateTargetGroupArn"),
        ({"roleArn": None}, "roleArn"),
        ({"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}]}, "PAUSE hooks"),
        ({"bakeTimeInMinutes": 1441}, "bakeTimeInMinutes"),
    ],
    ids=["no-alternate-group", "no-role", "pause-at-traffic-shift", "bake-too-long"],
)
def test_create_service_refuses_an_incomplete_blue_green_configuration(blue_green, change, message):
    ecs, setup = sandbox_client("ecs"), blue_green
    balancers = _balancers(setup)
    if "advancedConfiguration" in change:
        del balancers[0]["advancedConfiguration"]
    if "roleArn" in change:
        del balancers[0]["advancedConfiguration"]["roleArn"]
    configuration = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}
    configuration.update({k: v for k, v in change.items() if k in ("lifecycleHooks", "bakeTimeInMinutes")})
    definition = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(server("v1"))])
    with pytest.raises(ClientError) as refused:
        ecs.create_service(
            cluster=setup["name"],
            serviceName="web",
            taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
            desiredCount=1,
            loadBalancers=balancers,
            deploymentConfiguration=configuration,
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert message in refused.value.response["Error"]["Message"]
