"""Rolling updates as ECS runs them: ``minimumHealthyPercent`` and ``maximumPercent`` decide how many old
and new tasks run while a service moves to a new task definition, and DescribeServices shows each
deployment's counts and ``rolloutState`` as they move.

AWS: "Deploy Amazon ECS services by replacing tasks"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html): the maximum percent
is "the upper limit on the number of your service's tasks that are allowed in the RUNNING or PENDING state
during a deployment" (rounded down), the minimum healthy percent "the lower limit on the number of your
service's tasks that must remain in the RUNNING state" (rounded up); defaults 200 and 100.
DescribeServices' deployments: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html
(``rolloutState`` IN_PROGRESS, then COMPLETED or FAILED). ECS answers UpdateService at once; the caller
waits (https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/services-stable.html).
"""

from __future__ import annotations

import pytest

from localaws.services.ecs.deployments import deployment_bounds
from tests.helpers_for_tests import aws_cli, cli_json, quick_ecs_waiters, sandbox_client
from tests.sandbox.test_ecs_serving import container, get, listener_url, server, stack  # noqa: F401 (fixture)


def _service(name: str, desired: int, configuration: dict) -> str:
    ecs = sandbox_client("ecs")
    first = ecs.register_task_definition(family=name, containerDefinitions=[container(server("v1"))])
    ecs.create_service(
        cluster=name,
        serviceName="web",
        taskDefinition=first["taskDefinition"]["taskDefinitionArn"],
        desiredCount=desired,
        deploymentConfiguration=configuration,
    )
    ecs.get_waiter("services_stable").wait(cluster=name, services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return ecs.register_task_definition(family=name, containerDefinitions=[container(server("v2"))])["taskDefinition"][
        "taskDefinitionArn"
    ]


def _task_events(service: dict, since: str) -> list[str]:
    """The service's 'started' / 'stopped' events after the event ``since``, oldest first."""
    events = [e["message"] for e in reversed(service["events"])]
    later = events[events.index(since) + 1 :]
    return ["started" if "has started" in m else "stopped" for m in later if "has started" in m or "has stopped" in m]


@pytest.mark.parametrize(
    ("configuration", "expected"),
    [
        ({"minimumHealthyPercent": 50, "maximumPercent": 100}, ["stopped", "started", "stopped", "started"]),
        ({"minimumHealthyPercent": 100, "maximumPercent": 200}, ["started", "started", "stopped"]),
    ],
    ids=["replace-in-place", "start-before-stop"],
)
def test_the_percentages_decide_the_order_of_old_and_new_tasks(stack, configuration, expected):  # noqa: F811
    ecs = sandbox_client("ecs")
    second = _service(stack["name"], 2, configuration)
    before = ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]
    steady = before["events"][0]["message"]

    ecs.update_service(cluster=stack["name"], service="web", taskDefinition=second)
    moving = ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]
    primary, active = moving["deployments"]
    assert (primary["status"], primary["rolloutState"], primary["desiredCount"]) == ("PRIMARY", "IN_PROGRESS", 2)
    assert (active["status"], active["rolloutState"]) == ("ACTIVE", "COMPLETED")
    maximum, minimum = deployment_bounds(configuration, 2)
    assert minimum <= primary["runningCount"] + active["runningCount"] <= maximum

    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    done = ecs.describe_services(cluster=stack["name"], services=["web"])["services"][0]
    (only,) = done["deployments"]
    assert (only["rolloutState"], only["runningCount"], only["pendingCount"]) == ("COMPLETED", 2, 0)
    assert only["taskDefinition"] == second
    assert _task_events(done, steady) == expected


def test_the_bounds_round_as_ecs_documents():
    """Maximum rounded down, minimum rounded up; 200 and 100 when the configuration leaves them out."""
    assert deployment_bounds({}, 3) == (6, 3)
    assert deployment_bounds({"maximumPercent": 150, "minimumHealthyPercent": 50}, 3) == (4, 2)
    assert deployment_bounds({"maximumPercent": 100, "minimumHealthyPercent": 0}, 1) == (1, 0)


def test_update_service_answers_at_once_through_the_cli(stack, tmp_path):  # noqa: F811
    """The CLI's update-service returns while the new deployment is IN_PROGRESS next to the old one;
    ``aws ecs wait services-stable`` then waits for it."""
    second = _service(stack["name"], 1, {"minimumHealthyPercent": 0, "maximumPercent": 100})
    updated = cli_json(
        "ecs", "update-service", "--cluster", stack["name"], "--service", "web", "--task-definition", second
    )
    deployments = updated["service"]["deployments"]
    assert [(d["status"], d["rolloutState"]) for d in deployments] == [
        ("PRIMARY", "IN_PROGRESS"),
        ("ACTIVE", "COMPLETED"),
    ]
    waiters = quick_ecs_waiters(tmp_path)
    aws_cli("ecs", "wait", "services-stable", "--cluster", stack["name"], "--services", "web", env=waiters)
    (only,) = cli_json("ecs", "describe-services", "--cluster", stack["name"], "--services", "web")["services"][0][
        "deployments"
    ]
    assert (only["taskDefinition"], only["runningCount"], only["rolloutState"]) == (second, 1, "COMPLETED")
