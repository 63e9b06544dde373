"""A service's tasks through the ECS API, in process mode (Docker mode: test_docker_tasks.py): ListTasks and
DescribeTasks show them with ECS's fields, a task that exits is reported STOPPED with ECS's reason, stop code and its
exit code, and the service scheduler replaces it; StopTask stops one (UserInitiated) and the service replaces it too.
The circuit breaker's threshold is AWS's.

AWS: "Essential container in task exited" with stopCode EssentialContainerExited (ECS developer guide, "Stopped
tasks error codes"); a service's tasks have ``group`` ``service:NAME`` and ``startedBy`` the deployment's id; the
ServiceDeploymentCircuitBreaker threshold is "0.5 * desired task count" with "a minimum threshold of 3 and a maximum
threshold of 200" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html).
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from localaws import api as process
from localaws.services.ecs.deployments import breaker_threshold
from tests.helpers_for_tests import sandbox_client, wait_for
from tests.sandbox.test_ecs_serving import create_service, get, listener_url, stack  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(
    os.environ.get("LOCALAWS_CONTAINERS") == "docker", reason="process mode; Docker mode is test_docker_tasks.py"
)


def crashing_server(message: str) -> list[str]:
    """A server that answers ``message`` and exits with code 3 on GET /crash."""
    js = (
        "require('http').createServer((q,s)=>{if(q.url==='/crash'){s.end('bye');setTimeout(()=>process.exit(3),10);"
        f"return}}s.end({json.dumps(message)})}}).listen(Number(process.env.PORT), process.env.HOST)"
    )
    return ["node", "-e", js]


def running_tasks(cluster: str) -> list[dict]:
    ecs = sandbox_client("ecs")
    arns = ecs.list_tasks(cluster=cluster, serviceName="web")["taskArns"]
    return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []


def stable(cluster: str) -> None:
    sandbox_client("ecs").get_waiter("services_stable").wait(
        cluster=cluster, services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 20}
    )


def test_a_crashed_task_is_reported_and_replaced(stack):  # noqa: F811 - the fixture
    ecs = sandbox_client("ecs")
    create_service(stack, crashing_server("v1"))
    stable(stack["name"])
    [task] = running_tasks(stack["name"])
    assert task["lastStatus"] == "RUNNING" and task["group"] == "service:web"
    assert task["startedBy"].startswith("ecs-svc/")
    port = task["containers"][0]["networkBindings"][0]["hostPort"]

    assert get(f"http://127.0.0.1:{port}/crash") == (200, "bye")  # the task exits with code 3

    def stopped() -> dict | None:
        """the crashed task is STOPPED"""
        found = ecs.describe_tasks(cluster=stack["name"], tasks=[task["taskArn"]])["tasks"]
        return found[0] if found and found[0]["lastStatus"] == "STOPPED" else None

    record = wait_for(stopped)
    assert record["stoppedReason"] == "Essential container in task exited"
    assert record["stopCode"] == "EssentialContainerExited"
    assert record["containers"][0]["exitCode"] == 3

    def replaced() -> list[dict]:
        """another task of the service runs"""
        return [t for t in running_tasks(stack["name"]) if t["taskArn"] != task["taskArn"]]

    [replacement] = wait_for(replaced)
    assert replacement["lastStatus"] == "RUNNING"
    assert get(listener_url(stack["listener"])) == (200, "v1")  # the listener serves through the new task
    stopped_arns = ecs.list_tasks(cluster=stack["name"], serviceName="web", desiredStatus="STOPPED")["taskArns"]
    assert task["taskArn"] in stopped_arns
    events = [
        e["message"] for e in ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]["events"]
    ]
    assert any(task["taskArn"].split("/")[-1] in m and "has stopped 1 running tasks" in m for m in events)


def test_a_killed_task_reports_137_and_stop_task_is_user_initiated(stack):  # noqa: F811 - the fixture
    ecs = sandbox_client("ecs")
    create_service(stack, crashing_server("v1"))
    stable(stack["name"])
    [task] = running_tasks(stack["name"])
    [row] = [r for r in process.task_summaries() if r["taskId"] == task["taskArn"].split("/")[-1]]
    os.kill(int(row["pid"]), signal.SIGKILL)

    def killed() -> dict | None:
        """the killed task is STOPPED"""
        found = ecs.describe_tasks(cluster=stack["name"], tasks=[task["taskArn"]])["tasks"][0]
        return found if found["lastStatus"] == "STOPPED" else None

    assert wait_for(killed)["containers"][0]["exitCode"] == 137  # 128 + SIGKILL, as ECS reports a killed container

    [second] = wait_for(lambda: running_tasks(stack["name"]))
    ecs.stop_task(cluster=stack["name"], task=second["taskArn"], reason="testing StopTask")

    def user_stopped() -> dict | None:
        """the task StopTask stopped is STOPPED"""
        found = ecs.describe_tasks(cluster=stack["name"], tasks=[second["taskArn"]])["tasks"][0]
        return found if found["lastStatus"] == "STOPPED" else None

    record = wait_for(user_stopped)
    assert (record["stoppedReason"], record["stopCode"]) == ("testing StopTask", "UserInitiated")
    wait_for(lambda: [t for t in running_tasks(stack["name"]) if t["taskArn"] != second["taskArn"]])


def test_the_circuit_breaker_threshold_is_awss():
    assert [breaker_threshold(n) for n in (1, 2, 6, 7, 8, 10, 400, 1000)] == [3, 3, 3, 4, 4, 5, 200, 200]


def sickening_server() -> list[str]:
    """A server whose /health answers 200 until GET /sick, then 500."""
    js = (
        "let sick=false;require('http').createServer((q,s)=>{if(q.url==='/sick'){sick=true;return s.end('ok')}"
        "if(q.url==='/health'){s.statusCode=sick?500:200;return s.end()}s.end('v1')})"
        ".listen(Number(process.env.PORT), process.env.HOST)"
    )
    return ["node", "-e", js]


def test_periodic_health_checks_use_the_groups_settings_and_ecs_replaces_an_unhealthy_task(stack):  # noqa: F811
    """ALB user guide, "Health checks for Application Load Balancer target groups": a check every
    HealthCheckIntervalSeconds on HealthCheckPath, the Matcher's codes pass, UnhealthyThresholdCount consecutive
    failures make the target unhealthy (Target.ResponseCodeMismatch); ECS then stops the task ("Task failed ELB health
    checks in (target-group ...)") and starts another."""
    ecs, elbv2 = sandbox_client("ecs"), sandbox_client("elbv2")
    elbv2.modify_target_group(
        TargetGroupArn=stack["group"],
        HealthCheckPath="/health",
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
        Matcher={"HttpCode": "200"},
    )
    definition = ecs.register_task_definition(
        family=stack["name"],
        containerDefinitions=[{"name": "web", "image": "node:20", "memory": 128, "command": sickening_server()}],
    )["taskDefinition"]
    ecs.create_service(
        cluster=stack["name"],
        serviceName="web",
        taskDefinition=definition["taskDefinitionArn"],
        desiredCount=1,
        loadBalancers=[{"targetGroupArn": stack["group"], "containerName": "web", "containerPort": 8080}],
    )
    stable(stack["name"])
    [task] = running_tasks(stack["name"])
    port = task["containers"][0]["networkBindings"][0]["hostPort"]
    assert get(f"http://127.0.0.1:{port}/sick") == (200, "ok")
    sick_at = time.monotonic()

    def unhealthy() -> dict | None:
        """the task's target is unhealthy"""
        found = elbv2.describe_target_health(TargetGroupArn=stack["group"])["TargetHealthDescriptions"]
        states = [d["TargetHealth"] for d in found if d["Target"]["Port"] == port]
        return states[0] if states and states[0]["State"] == "unhealthy" else None

    state = wait_for(unhealthy, 30)
    waited = time.monotonic() - sick_at
    assert state["Reason"] == "Target.ResponseCodeMismatch" and "[500]" in state["Description"]
    assert waited > 6, waited  # two failed checks 5 s apart (the first comes at most 5 s after /sick)

    def stopped() -> dict | None:
        """the unhealthy task is STOPPED"""
        found = ecs.describe_tasks(cluster=stack["name"], tasks=[task["taskArn"]])["tasks"][0]
        return found if found["lastStatus"] == "STOPPED" else None

    record = wait_for(stopped)
    assert record["stoppedReason"] == f"Task failed ELB health checks in (target-group {stack['group']})"
    assert record["stopCode"] == "ServiceSchedulerInitiated"
    wait_for(lambda: [t for t in running_tasks(stack["name"]) if t["taskArn"] != task["taskArn"]])
    assert get(listener_url(stack["listener"])) == (200, "v1")


def test_a_matcher_accepts_its_codes():
    from localaws.services.ecs.health_checks import accepts

    assert accepts("200", 200) and not accepts("200", 204)
    assert accepts("200,202", 202) and not accepts("200,202", 201)
    assert accepts("200-299", 204) and not accepts("200-299", 302)


def test_tasks_that_never_start_are_stopped_as_ecs_reports_them(stack):  # noqa: F811 - the fixture
    """ECS developer guide, "Stopped tasks error codes": a task whose image cannot be pulled stops with stopCode
    TaskFailedToStart and a CannotPullContainerError reason; one whose container exits at once with
    EssentialContainerExited and its exit code."""
    ecs = sandbox_client("ecs")
    create_service(stack, ["node", "-e", "process.exit(4)"])

    def exited() -> list[dict]:
        """the service's failed tasks are listed as STOPPED"""
        arns = ecs.list_tasks(cluster=stack["name"], serviceName="web", desiredStatus="STOPPED")["taskArns"]
        return ecs.describe_tasks(cluster=stack["name"], tasks=arns)["tasks"] if arns else []

    record = wait_for(exited)[0]
    assert (record["stopCode"], record["stoppedReason"]) == (
        "EssentialContainerExited",
        "Essential container in task exited",
    )
    assert record["containers"][0]["exitCode"] == 4

    definition = ecs.register_task_definition(
        family=stack["name"],
        containerDefinitions=[{"name": "web", "image": "nginx:latest", "memory": 128, "portMappings": []}],
    )["taskDefinition"]
    ecs.update_service(cluster=stack["name"], service="web", taskDefinition=definition["taskDefinitionArn"])

    def failed_to_start() -> list[dict]:
        """a task of the nginx revision is STOPPED with TaskFailedToStart"""
        return [t for t in exited() if t["taskDefinitionArn"] == definition["taskDefinitionArn"]]

    record = wait_for(failed_to_start)[0]
    assert record["stopCode"] == "TaskFailedToStart"
    assert record["stoppedReason"].startswith("CannotPullContainerError")
