"""ECS's built-in canary and linear deployments (``deploymentConfiguration.strategy`` CANARY, LINEAR), through boto3
and the AWS CLI: production traffic moves to the green revision in the steps AWS documents, real requests split by the
listener rule's weights, DescribeServiceDeployments reports each revision's share as it moves, and a rollback puts
the weights back on blue.

AWS: "Amazon ECS canary deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html): "traffic is shifted in two
phases: first to the canary percentage, then to complete the deployment", the canary bake time between them, then the
deployment bake time before the blue revision stops. "Amazon ECS linear deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html): "equal percentage
increments with configurable wait times between each increment"; hooks "configured for PRODUCTION_TRAFFIC_SHIFT will
be invoked at every production traffic shift step". Ranges and defaults: API_CanaryConfiguration.html (canaryPercent
multiples of 0.1 from 0.1 to 100.0; canaryBakeTimeInMinutes 0 to 1440) and API_LinearConfiguration.html (stepPercent
multiples of 0.1 from 3.0 to 100.0; stepBakeTimeInMinutes 0 to 1440, "not applied after reaching 100 percent
traffic"). The shares reported: ServiceRevisionSummary's requestedProductionTrafficWeight
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceRevisionSummary.html). Rollback:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html and the deployment circuit
breaker (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).

Sandbox time: a minute of any bake time passes in one second, or at once when the sandbox's clock is moved on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws import api as sandbox
from localaws.services.ecs import traffic_shift
from tests.helpers_for_tests import assert_matches_output_shape, cli_json, sandbox_client
from tests.sandbox.test_ecs_blue_green import (  # noqa: F401 (fixture)
    STABLE,
    _balancers,
    _paused_at,
    _weights,
    blue_green,
)
from tests.sandbox.test_ecs_serving import container, get, listener_url, server, stack  # noqa: F401 (fixture)

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:check"
ROLE = "arn:aws:iam::123456789012:role/ecsLifecycleHookRole"
STAGES = ["", "RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT"]
STAGES += ["POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]


@pytest.fixture
def shifting(blue_green):  # noqa: F811
    """The stack with an alternate target group, a test listener, and production and test listener rules."""
    return blue_green


def _service(setup: dict, configuration: dict, first: list[str] | None = None) -> str:
    """A service with this deployment configuration serving v1; the ARN of a v2 task definition."""
    ecs = sandbox_client("ecs")
    v1 = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(first or server("v1"))])
    ecs.create_service(
        cluster=setup["name"],
        serviceName="web",
        taskDefinition=v1["taskDefinition"]["taskDefinitionArn"],
        desiredCount=1,
        loadBalancers=_balancers(setup),
        deploymentConfiguration=configuration,
    )
    ecs.get_waiter("services_stable").wait(cluster=setup["name"], services=["web"], WaiterConfig=STABLE)
    v2 = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(server("v2"))])
    return v2["taskDefinition"]["taskDefinitionArn"]


def _update(setup: dict, definition: str, **extra: Any) -> str:
    """UpdateService to ``definition`` (and ``extra``); the ARN of the service deployment it starts."""
    ecs = sandbox_client("ecs")
    ecs.update_service(cluster=setup["name"], service="web", taskDefinition=definition, **extra)
    listed = ecs.list_service_deployments(cluster=setup["name"], service="web")["serviceDeployments"]
    return str(listed[0]["serviceDeploymentArn"])


def _deployment(arn: str) -> dict[str, Any]:
    (record,) = sandbox_client("ecs").describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return dict(record)


def _until(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def _green_share(setup: dict) -> float:
    """The alternate (green) group's share of the production rule's requests, in percent, from its weights."""
    weights = _weights(setup["rules"]["production"])
    return round(100 * weights[setup["alternate"]] / sum(weights.values()), 1)


def _sample(setup: dict, arn: str) -> list[tuple[float, float, str]]:
    """What a notebook draws: (share the service reports for the new revision, share the rule's weights give it,
    lifecycle stage), sampled until the deployment ends, consecutive repeats dropped."""
    samples: list[tuple[float, float, str]] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        record = _deployment(arn)
        reported = record["targetServiceRevision"].get("requestedProductionTrafficWeight", 0.0)
        sample = (reported, _green_share(setup), record.get("lifecycleStage", ""))
        if not samples or samples[-1] != sample:
            samples.append(sample)
        if record["status"] != "IN_PROGRESS":
            return samples
        time.sleep(0.05)
    raise AssertionError(f"the deployment never ended: {samples}")


def _shares(samples: list[tuple[float, float, str]], index: int) -> list[float]:
    shares: list[float] = []
    for sample in samples:
        if not shares or shares[-1] != sample[index]:
            shares.append(sample[index])
    return shares


def test_canary_shifts_the_canary_share_then_the_rest_as_the_service_reports(shifting):
    """CANARY 20 % with a canary bake of 3 minutes, held by a PAUSE hook after SCALE_UP: sampled from there on,
    DescribeServiceDeployments and the production rule's weights both give the new revision 0 %, then 20 % (at
    PRODUCTION_TRAFFIC_SHIFT), then 100 %; the old revision's reported share is the rest; then BAKE_TIME, CLEAN_UP, and
    only the new revision serves."""
    ecs, setup = sandbox_client("ecs"), shifting
    configuration = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 3},
        "bakeTimeInMinutes": 1,
        "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}],
    }
    second = _service(setup, configuration)
    described = ecs.describe_services(cluster=setup["name"], services=["web"])["services"][0]
    assert described["deploymentConfiguration"]["canaryConfiguration"] == configuration["canaryConfiguration"]
    arn = _update(setup, second)
    paused = _paused_at(setup, "POST_SCALE_UP")
    assert [s["requestedProductionTrafficWeight"] for s in paused["sourceServiceRevisions"]] == [100.0]
    hook = paused["lifecycleHookDetails"][0]["hookId"]
    ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook)
    samples = [(paused["targetServiceRevision"]["requestedProductionTrafficWeight"], 0.0, "POST_SCALE_UP")]
    samples += _sample(setup, arn)

    assert _shares(samples, 0) == [0.0, 20.0, 100.0], samples
    assert _shares(samples, 1) == [0.0, 20.0, 100.0], samples
    assert next(stage for reported, _, stage in samples if reported == 20.0) == "PRODUCTION_TRAFFIC_SHIFT"
    stages = _shares(samples, 2)
    order = [*STAGES, "BAKE_TIME", "CLEAN_UP"]
    assert stages == sorted(stages, key=order.index), stages
    assert {"PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"} <= set(stages), stages
    done = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    assert_matches_output_shape(ecs, "DescribeServiceDeployments", done)
    (record,) = done["serviceDeployments"]
    assert record["status"] == "SUCCESSFUL"
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert record["targetServiceRevision"]["requestedTestTrafficWeight"] == 100.0
    assert [s["requestedProductionTrafficWeight"] for s in record["sourceServiceRevisions"]] == [0.0]
    assert record["deploymentConfiguration"]["strategy"] == "CANARY"
    ecs.get_waiter("services_stable").wait(cluster=setup["name"], services=["web"], WaiterConfig=STABLE)
    assert [get(listener_url(setup["listener"])) for _ in range(4)] == [(200, "v2")] * 4


def test_canary_splits_real_requests_by_the_weights_and_the_clock_ends_its_bake(shifting):
    """During the canary phase (25 %, an hour's bake) 400 requests through the production listener reach v2 about a
    quarter of the time (a tolerance of four standard deviations); moving the sandbox's clock on an hour ends the
    canary bake, and then every request reaches v2."""
    setup = shifting
    configuration = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 25.0, "canaryBakeTimeInMinutes": 60},
        "bakeTimeInMinutes": 0,
    }
    arn = _update(setup, _service(setup, configuration))
    _until("the canary share", lambda: _green_share(setup) == 25.0)
    url = listener_url(setup["listener"])
    answers = [get(url) for _ in range(400)]
    assert {status for status, _ in answers} == {200}
    share = sum(body == "v2" for _, body in answers) / len(answers)
    assert 0.25 - 4 * 0.0217 < share < 0.25 + 4 * 0.0217, share  # sd of a share of 400 draws at p = 0.25
    assert _deployment(arn)["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT"

    sandbox.advance_clock(3600)
    _until("the deployment's end", lambda: _deployment(arn)["status"] == "SUCCESSFUL", timeout=30)
    assert [get(url) for _ in range(10)] == [(200, "v2")] * 10


def test_linear_moves_production_in_equal_steps_and_calls_its_hook_at_each(shifting):
    """A BLUE_GREEN service updated to LINEAR 40 % steps, 2 minutes apart, with its new revision: the service reports
    40, 80, 100 % in that order (the last step is capped at 100, and no step bake follows it); an AWS_LAMBDA hook at
    PRODUCTION_TRAFFIC_SHIFT runs at each of the 3 steps."""
    ecs, setup = sandbox_client("ecs"), shifting
    hook = {"targetType": "AWS_LAMBDA", "hookTargetArn": LAMBDA, "roleArn": ROLE}
    configuration = {
        "strategy": "LINEAR",
        "linearConfiguration": {"stepPercent": 40.0, "stepBakeTimeInMinutes": 2},
        "bakeTimeInMinutes": 0,
        "lifecycleHooks": [{**hook, "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}],
    }
    second = _service(setup, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
    arn = _update(setup, second, deploymentConfiguration=configuration)
    assert _deployment(arn)["deploymentConfiguration"]["strategy"] == "LINEAR"
    samples = _sample(setup, arn)  # the green task may start before the first sample: 0 % may be missed here
    assert [share for share in _shares(samples, 0) if share] == [40.0, 80.0, 100.0], samples
    assert [share for share in _shares(samples, 1) if share] == [40.0, 80.0, 100.0], samples
    assert _deployment(arn)["status"] == "SUCCESSFUL"
    events = ecs.describe_services(cluster=setup["name"], services=["web"])["services"][0]["events"]
    messages = [e["message"] for e in events]
    assert sum("at PRODUCTION_TRAFFIC_SHIFT counts as SUCCEEDED" in m for m in messages) == 3
    assert sum("% of production traffic" in m for m in messages) == 2  # 40 and 80; 0 and 100 are no split


def test_a_pause_hook_holds_a_linear_deployment_before_production_traffic(shifting):
    """A PAUSE hook at POST_TEST_TRAFFIC_SHIFT: the test listener serves v2 while production is still all v1 (0 %
    reported); ContinueServiceDeployment lets the first step through."""
    ecs, setup = sandbox_client("ecs"), shifting
    configuration = {
        "strategy": "LINEAR",
        "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 1},
        "bakeTimeInMinutes": 0,
        "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}],
    }
    arn = _update(setup, _service(setup, configuration))
    paused = _paused_at(setup, "POST_TEST_TRAFFIC_SHIFT")
    assert paused["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0.0
    assert paused["targetServiceRevision"]["requestedTestTrafficWeight"] == 100.0
    assert _green_share(setup) == 0.0
    assert get(listener_url(setup["test_listener"])) == (200, "v2")
    assert [get(listener_url(setup["listener"])) for _ in range(4)] == [(200, "v1")] * 4

    ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=paused["lifecycleHookDetails"][0]["hookId"])
    samples = [(0.0, 0.0, "POST_TEST_TRAFFIC_SHIFT"), *_sample(setup, arn)]
    assert _shares(samples, 0) == [0.0, 50.0, 100.0], samples
    assert _shares(samples, 1) == [0.0, 50.0, 100.0], samples


def test_stop_service_deployment_during_the_canary_puts_the_weights_back_on_blue_through_the_cli(shifting):
    """StopServiceDeployment (ROLLBACK, through the CLI) while 30 % goes to the canary: the production rule is blue 100
    again, the service reports 0 % for the new revision and 100 % for the old, the deployment is
    ROLLBACK_SUCCESSFUL, and production serves v1 only."""
    ecs, setup = sandbox_client("ecs"), shifting
    configuration = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 30.0, "canaryBakeTimeInMinutes": 60},
        "bakeTimeInMinutes": 1,
    }
    arn = _update(setup, _service(setup, configuration))
    first = ecs.list_service_deployments(cluster=setup["name"], service="web")["serviceDeployments"][1]
    _until("the canary share", lambda: _green_share(setup) == 30.0)
    stopped = cli_json("ecs", "stop-service-deployment", "--service-deployment-arn", arn, "--stop-type", "ROLLBACK")
    assert stopped["serviceDeploymentArn"] == arn
    _until("the rollback", lambda: _deployment(arn)["status"] == "ROLLBACK_SUCCESSFUL", timeout=30)
    assert _weights(setup["rules"]["production"]) == {setup["group"]: 100, setup["alternate"]: 0}
    (record,) = cli_json("ecs", "describe-service-deployments", "--service-deployment-arns", arn)["serviceDeployments"]
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0.0
    assert [s["requestedProductionTrafficWeight"] for s in record["sourceServiceRevisions"]] == [100.0]
    assert record["rollback"]["reason"] == "StopServiceDeployment asked for a rollback."
    assert first["status"] == "SUCCESSFUL"
    ecs.get_waiter("services_stable").wait(cluster=setup["name"], services=["web"], WaiterConfig=STABLE)
    assert [get(listener_url(setup["listener"])) for _ in range(10)] == [(200, "v1")] * 10


def test_the_circuit_breaker_rolls_back_a_canary_whose_tasks_fail(shifting):
    """A release whose task exits at once: after three failed launches the circuit breaker rolls the canary back before
    any production traffic moved; the rule stays blue 100 and production serves v1."""
    ecs, setup = sandbox_client("ecs"), shifting
    configuration = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1},
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }
    _service(setup, configuration)
    broken = ecs.register_task_definition(
        family=setup["name"], containerDefinitions=[container(["node", "-e", "process.exit(1)"])]
    )
    arn = _update(setup, broken["taskDefinition"]["taskDefinitionArn"])
    record = _until("the rollback", lambda: (r := _deployment(arn))["status"] == "ROLLBACK_SUCCESSFUL" and r)
    assert "circuit breaker" in record["statusReason"]
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0.0
    assert _weights(setup["rules"]["production"]) == {setup["group"]: 100, setup["alternate"]: 0}
    assert [get(listener_url(setup["listener"])) for _ in range(4)] == [(200, "v1")] * 4


def test_the_circuit_breaker_rolls_back_a_canary_whose_task_stops_while_it_serves(shifting):
    """A release that passes its health check, takes its canary share, then exits: with the circuit breaker's rollback
    on, the deployment rolls back during the canary bake; the weights go back to blue 100 and production serves v1."""
    ecs, setup = sandbox_client("ecs"), shifting
    configuration = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 50.0, "canaryBakeTimeInMinutes": 60},
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }
    _service(setup, configuration)
    js = (
        "require('http').createServer((q,s)=>s.end('v2')).listen(Number(process.env.PORT), process.env.HOST);"
        "setTimeout(()=>process.exit(1), 4000)"
    )
    dying = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(["node", "-e", js])])
    arn = _update(setup, dying["taskDefinition"]["taskDefinitionArn"])
    _until("the canary share", lambda: _green_share(setup) == 50.0)
    record = _until("the rollback", lambda: (r := _deployment(arn))["status"] == "ROLLBACK_SUCCESSFUL" and r)
    assert "circuit breaker" in record["rollback"]["reason"] and "stopped" in record["rollback"]["reason"]
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0.0
    assert _weights(setup["rules"]["production"]) == {setup["group"]: 100, setup["alternate"]: 0}
    assert [get(listener_url(setup["listener"])) for _ in range(6)] == [(200, "v1")] * 6


@pytest.mark.parametrize(
    ("configuration", "message"),
    [
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.0}}, "canaryPercent"),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.5}}, "canaryPercent"),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.25}}, "multiples of 0.1"),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTimeInMinutes": 1441}}, "canaryBakeTimeInMinutes"),
        ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.9}}, "from 3.0 to 100.0"),
        ({"strategy": "LINEAR", "linearConfiguration": {"stepBakeTimeInMinutes": -1}}, "stepBakeTimeInMinutes"),
        ({"strategy": "LINEAR", "bakeTimeInMinutes": 1441}, "bakeTimeInMinutes"),
    ],
    ids=["canary-0", "canary-over-100", "canary-hundredths", "canary-bake", "step-under-3", "step-bake", "bake"],
)
def test_create_service_refuses_values_outside_the_documented_ranges(shifting, configuration, message):
    """Each value outside the ranges of API_CanaryConfiguration / API_LinearConfiguration is an
    InvalidParameterException naming the field."""
    ecs, setup = sandbox_client("ecs"), shifting
    definition = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(server("v1"))])
    with pytest.raises(ClientError) as refused:
        ecs.create_service(
            cluster=setup["name"],
            serviceName="web",
            taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
            desiredCount=1,
            loadBalancers=_balancers(setup),
            deploymentConfiguration=configuration,
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert message in refused.value.response["Error"]["Message"]


def test_canary_needs_an_alternate_target_group_as_blue_green_does(shifting):
    """CANARY and LINEAR shift traffic between two target groups: a load balancer without advancedConfiguration is
    refused with the strategy's name ("Application Load Balancer resources for blue/green, linear, and canary
    deployments", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html)."""
    ecs, setup = sandbox_client("ecs"), shifting
    balancers = _balancers(setup)
    del balancers[0]["advancedConfiguration"]
    definition = ecs.register_task_definition(family=setup["name"], containerDefinitions=[container(server("v1"))])
    with pytest.raises(ClientError) as refused:
        ecs.create_service(
            cluster=setup["name"],
            serviceName="web",
            taskDefinition=definition["taskDefinition"]["taskDefinitionArn"],
            desiredCount=1,
            loadBalancers=balancers,
            deploymentConfiguration={"strategy": "LINEAR"},
        )
    assert (
        "The LINEAR deployment strategy requires an advancedConfiguration" in refused.value.response["Error"]["Message"]
    )


@pytest.mark.parametrize(
    ("configuration", "steps"),
    [
        ({"strategy": "BLUE_GREEN"}, [(100.0, 0)]),
        ({"strategy": "CANARY"}, [(5.0, 10), (100.0, 0)]),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.0}}, [(100.0, 0)]),
        ({"strategy": "LINEAR"}, [(float(p), 6 if p < 100 else 0) for p in range(10, 101, 10)]),
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 33.3, "stepBakeTimeInMinutes": 2}},
            [(33.3, 2), (66.6, 2), (99.9, 2), (100.0, 0)],
        ),
    ],
    ids=["blue-green", "canary-defaults", "canary-100", "linear-defaults", "linear-thirds"],
)
def test_production_steps_follow_the_documented_defaults(configuration, steps):
    """The shares and bake minutes of each strategy, with the API reference's defaults (canary 5 % for 10 minutes,
    linear 10 % steps 6 minutes apart, no step bake after 100 %)."""
    assert traffic_shift.production_steps(configuration) == steps


def test_weights_in_tenths_keep_the_share():
    """An ALB weight is an integer: 10 % is weights 10/90, 10.5 % is 105/895; the share is weight over their sum."""
    assert traffic_shift.weights(10.0) == (10, 90)
    assert traffic_shift.weights(10.5) == (105, 895)
    assert traffic_shift.weights(100.0) == (100, 0)
    assert traffic_shift.weights(0) == (0, 100)
