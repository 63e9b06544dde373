"""DescribeTargetHealth lists an ECS service's tasks as targets, in the states AWS shows while a rolling
update moves them.

AWS: TargetHealth (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html):
``initial`` with ``Elb.RegistrationInProgress`` while a target registers, ``healthy`` (no reason) once it
passes its health checks, ``unhealthy`` with ``Target.FailedHealthChecks`` (``Target.Timeout``,
``Target.ResponseCodeMismatch``) when it fails them, ``draining`` with ``Target.DeregistrationInProgress``
once deregistered. "Elastic Load Balancing stops sending requests to targets that are deregistering" and
waits the target group's ``deregistration_delay.timeout_seconds`` before the deregistration completes, except
that "if a deregistering target has no in-flight requests and no active connections, Elastic Load Balancing
immediately completes the deregistration process"
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html);
ECS stops a task it replaces only after its target has drained
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html).
An unknown target group is ``TargetGroupNotFound``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from localaws import api as process
from tests.helpers_for_tests import assert_matches_output_shape, sandbox_client
from tests.sandbox.test_ecs_serving import container, create_service, get, listener_url, server, stack  # noqa: F401


def slow_server(message: str, delay_ms: int) -> list[str]:
    """A server that starts listening only after ``delay_ms``: its target stays ``initial`` that long."""
    js = (
        f"setTimeout(()=>require('http').createServer((q,s)=>s.end({json.dumps(message)}))"
        f".listen(Number(process.env.PORT), process.env.HOST), {delay_ms})"
    )
    return ["node", "-e", js]


def health(group: str) -> list[dict]:
    answer = sandbox_client("elbv2").describe_target_health(TargetGroupArn=group)
    return list(answer["TargetHealthDescriptions"])


def states(group: str) -> dict[tuple[str, int], dict]:
    return {(d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"] for d in health(group)}


def task_rows() -> list[dict]:
    with urllib.request.urlopen(process.endpoint() + "/_sandbox/ecs/tasks") as answer:
        return list(json.load(answer))


def watch(group: str, until, timeout: float = 30) -> list[tuple[float, dict]]:
    """Poll DescribeTargetHealth every 0.1 s until ``until(states)``; every answer seen, with its time."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = states(group)
        seen.append((time.monotonic(), now))
        if until(now):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout} s; last seen {seen[-1][1] if seen else None}")


def test_a_new_task_is_initial_until_its_health_check_passes_then_healthy(stack):  # noqa: F811
    elbv2 = sandbox_client("elbv2")
    create_service(stack, slow_server("v1", 2000), launchType="FARGATE")
    seen = watch(stack["group"], lambda now: any(h["State"] == "healthy" for h in now.values()))
    first = next(now for _, now in seen if now)
    ((target, state),) = first.items()
    assert state == {
        "State": "initial",
        "Reason": "Elb.RegistrationInProgress",
        "Description": "Target registration is in progress",
    }
    assert sum(1 for _, now in seen if now.get(target, {}).get("State") == "initial") >= 5  # about 2 s of polls
    assert target[0] == "127.0.0.1"  # an ip target group: the task's address and the port it listens on
    assert [row["port"] for row in task_rows() if row["cluster"] == stack["name"]] == [target[1]]
    answer = elbv2.describe_target_health(TargetGroupArn=stack["group"])
    assert_matches_output_shape(elbv2, "DescribeTargetHealth", answer)
    (description,) = answer["TargetHealthDescriptions"]
    assert description["TargetHealth"] == {"State": "healthy"}
    assert description["HealthCheckPort"] == str(target[1])
    named = elbv2.describe_target_health(TargetGroupArn=stack["group"], Targets=[{"Id": target[0], "Port": target[1]}])
    assert [d["TargetHealth"]["State"] for d in named["TargetHealthDescriptions"]] == ["healthy"]
    assert get(listener_url(stack["listener"])) == (200, "v1")


def slow_on_request(message: str, slow_ms: int) -> list[str]:
    """A server that answers ``/slow`` after ``slow_ms`` and everything else at once."""
    js = (
        "require('http').createServer((q,s)=>q.url==='/slow'"
        f"?setTimeout(()=>s.end({json.dumps(message)}),{slow_ms}):s.end({json.dumps(message)}))"
        ".listen(Number(process.env.PORT), process.env.HOST)"
    )
    return ["node", "-e", js]


def _roll_to_v2(made: dict, delay: int, first: list[str]) -> tuple[tuple[str, int], str]:
    """A stable service on ``first`` behind the group of ``made`` (the ``stack`` fixture), now with ``delay``: the
    task's target and the listener's URL."""
    ecs, elbv2 = sandbox_client("ecs"), sandbox_client("elbv2")
    elbv2.modify_target_group_attributes(
        TargetGroupArn=made["group"], Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}]
    )
    create_service(made, first)
    ecs.get_waiter("services_stable").wait(
        cluster=made["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    (old,) = states(made["group"])
    return old, listener_url(made["listener"])


def _update_to_v2(made: dict) -> None:
    ecs = sandbox_client("ecs")
    second = ecs.register_task_definition(family=made["name"], containerDefinitions=[container(server("v2"))])
    ecs.update_service(
        cluster=made["name"], service="web", taskDefinition=second["taskDefinition"]["taskDefinitionArn"]
    )


def test_an_old_task_drains_while_a_request_is_in_flight_then_is_gone(stack):  # noqa: F811
    """The old target is ``draining`` and gets no new request while one it was serving is still in flight; the
    deregistration completes when that request does, before the delay (ALB user guide, "Deregistration delay")."""
    ecs, delay = sandbox_client("ecs"), 30
    old, url = _roll_to_v2(stack, delay, slow_on_request("v1", 4000))
    slow: list[tuple[int, str]] = []
    request = threading.Thread(target=lambda: slow.append(get(url + "/slow")))
    request.start()
    time.sleep(0.3)  # the slow request is in flight to the old task
    _update_to_v2(stack)

    seen = watch(stack["group"], lambda now: old in now and now[old]["State"] == "draining")
    now = seen[-1][1]
    assert now[old] == {
        "State": "draining",
        "Reason": "Target.DeregistrationInProgress",
        "Description": "Target deregistration is in progress",
    }
    assert [h["State"] for key, h in now.items() if key != old] == ["healthy"]  # the new task serves
    assert any(row["port"] == old[1] and row["running"] for row in task_rows())  # still running while it drains
    assert {get(url) for _ in range(4)} == {(200, "v2")}  # no request goes to a draining target
    moving = ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]
    assert moving["deployments"][0]["rolloutState"] == "IN_PROGRESS"  # ECS waits for the drain

    request.join(timeout=15)
    assert slow == [(200, "v1")]  # the request in flight was answered by the old task
    seen = watch(stack["group"], lambda now: old not in now, timeout=delay / 2)  # gone once nothing is in flight
    assert [h["State"] for h in seen[-1][1].values()] == ["healthy"]
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    assert not any(row["port"] == old[1] for row in task_rows())  # stopped once drained


def test_an_idle_old_task_is_deregistered_without_waiting_out_the_delay(stack):  # noqa: F811
    """With no request in flight, ELB completes the deregistration at once, and ECS stops the task: the rolling
    update does not wait the group's delay of 60 s."""
    ecs, delay = sandbox_client("ecs"), 60
    old, url = _roll_to_v2(stack, delay, server("v1"))
    _update_to_v2(stack)
    watch(stack["group"], lambda now: old not in now and len(now) == 1, timeout=delay / 3)
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 15}
    )
    assert get(url) == (200, "v2")
    assert not any(row["port"] == old[1] for row in task_rows())


def test_a_target_whose_task_stopped_is_unhealthy(stack):  # noqa: F811
    exits = "require('http').createServer((q,s)=>s.end('x')).listen(Number(process.env.PORT), process.env.HOST);"
    create_service(stack, ["node", "-e", exits + "setTimeout(()=>process.exit(1), 2500)"])
    watch(stack["group"], lambda now: [h["State"] for h in now.values()] == ["healthy"])
    seen = watch(stack["group"], lambda now: [h["State"] for h in now.values()] == ["unhealthy"])
    (state,) = seen[-1][1].values()
    assert state == {"State": "unhealthy", "Reason": "Target.FailedHealthChecks", "Description": "Health checks failed"}


def test_an_unknown_target_group_is_target_group_not_found():
    elbv2 = sandbox_client("elbv2")
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nothing-here/0123456789abcdef"
    with pytest.raises(ClientError) as raised:
        elbv2.describe_target_health(TargetGroupArn=arn)
    assert raised.value.response["Error"]["Code"] == "TargetGroupNotFound"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
