"""The advanced module's ECS blue/green, canary and linear deployments of Prod (section 2).

Since 2025 ECS shifts traffic itself (``deploymentConfiguration.strategy`` = ``BLUE_GREEN``, ``CANARY`` or
``LINEAR``): the new revision's (green) tasks start in a second target group, the *test* listener rule sends the
test port's requests to them, a ``PAUSE`` lifecycle hook can stop there until ``ContinueServiceDeployment``, then
the *production* rule's weights move (all at once, a canary share first, or in equal steps), both revisions run
for ``bakeTimeInMinutes``, and the old (blue) tasks stop. AWS: "Amazon ECS blue/green deployments"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html), canary
(.../canary-deployment.html) and linear (.../deployment-type-linear.html) deployments, and the API's
``DeploymentConfiguration``, ``AdvancedConfiguration`` and ``DeploymentLifecycleHook``.

``ensure_blue_green`` makes what that needs (each part recorded, tagged, cleaned up by notebook 05):
the test listener's port in the load balancer's security group, Prod's green target group, the test listener,
the production and test listener rules, and ECS's infrastructure role that may change them. The calls that carry
the lesson (``update_service`` with the strategy, ``describe_service_deployments``) are here in plain sight.
"""

from __future__ import annotations

import time
from typing import Any, cast

import pandas as pd

from .changes.app_message import APP_FILE, read_app, with_message
from .changes.gitflow import commit_file
from .core import sandbox
from .core.context import Workshop
from .core.environments import TEST_LISTENER_PORT
from .core.errors import WorkshopError
from .core.naming import CONTAINER_PORT
from .inventory import environment_urls, fetch
from .resources import listener_rules
from .resources.base import retry_while_iam_propagates
from .resources.load_balancer import (
    GREEN_KEY,
    TEST_LISTENER_KEY,
    ensure_target_group,
    ensure_test_listener,
    recorded_dns_name,
    recorded_target_group_arn,
)
from .resources.network import open_listener_port, recorded_network
from .resources.roles import INFRASTRUCTURE_ROLE, ensure_role
from .stage_rollback import FAILING_CHECK
from .views.pictures import Picture
from .views.table import StatusTable
from .views.traffic import draw_traffic

#: Where the PAUSE hook stops a deployment: the test URL serves the new revision, production still the old one.
PAUSE_STAGE = "POST_TEST_TRAFFIC_SHIFT"
PAUSE_HOOK = {"targetType": "PAUSE", "lifecycleStages": [PAUSE_STAGE]}
#: Minutes both revisions run after production moved, before the old one stops (on the sandbox: seconds).
BAKE_MINUTES = 2
CANARY = {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5}
LINEAR = {"stepPercent": 25.0, "stepBakeTimeInMinutes": 3}
#: What a task definition's copy keeps (as CodePipeline's ECS deploy action registers it).
_REGISTERED = "family taskRoleArn executionRoleArn networkMode containerDefinitions volumes placementConstraints"
_REGISTERED += " requiresCompatibilities cpu memory runtimePlatform"
#: A service deployment's statuses before it ends (API_ServiceDeployment: SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL
#: and ROLLBACK_FAILED end it).
ONGOING = frozenset({"PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"})
#: The rolling update's settings of notebook 01, kept by every strategy: the circuit breaker rolls back.
CIRCUIT_BREAKER = {"enable": True, "rollback": True}


def ensure_blue_green(workshop: Workshop) -> StatusTable:
    """What Prod's service needs for ECS blue/green deployments, created or checked (idempotent; a resource with
    the name that is not the workshop's is refused): the test port in the load balancer's security group, the
    green target group, the test listener, the production and test listener rules, ECS's infrastructure role.

    Returns
    -------
    StatusTable
        A row per resource: what it is, its name and what was done.
    """
    rows = [open_listener_port(workshop, TEST_LISTENER_PORT)]
    rows.append(ensure_target_group(workshop, "prod", recorded_network(workshop).vpc_id, green=True))
    rows.append(ensure_test_listener(workshop))
    rows += listener_rules.ensure(workshop)
    rows.append(ensure_role(workshop, INFRASTRUCTURE_ROLE))
    frame = pd.DataFrame(rows).fillna("")
    return StatusTable(frame[["type", "name", "action", "arn"]], f"Blue/green for Prod: {len(rows)} resources ready.")


def deployment_configuration(strategy: str, pause: bool = True) -> dict[str, Any]:
    """Prod's ``deploymentConfiguration`` for ``strategy`` (ROLLING, BLUE_GREEN, CANARY or LINEAR).

    BLUE_GREEN, CANARY and LINEAR bake ``BAKE_MINUTES``; CANARY moves 10 % first and waits 5 minutes, LINEAR
    moves 25 % every 3 minutes; with ``pause`` a PAUSE hook waits at ``PAUSE_STAGE``. Every strategy keeps the
    circuit breaker of notebook 01.

    Returns
    -------
    dict
        What ``update_service(deploymentConfiguration=...)`` takes.
    """
    if strategy == "ROLLING":
        return {
            "strategy": "ROLLING",
            "deploymentCircuitBreaker": CIRCUIT_BREAKER,
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        }
    if strategy not in ("BLUE_GREEN", "CANARY", "LINEAR"):
        raise WorkshopError(f"Unknown deployment strategy {strategy!r}: ROLLING, BLUE_GREEN, CANARY or LINEAR.")
    configuration: dict[str, Any] = {
        "strategy": strategy,
        "deploymentCircuitBreaker": CIRCUIT_BREAKER,
        "bakeTimeInMinutes": BAKE_MINUTES,
        "lifecycleHooks": [PAUSE_HOOK] if pause else [],
    }
    if strategy == "CANARY":
        configuration["canaryConfiguration"] = CANARY
    if strategy == "LINEAR":
        configuration["linearConfiguration"] = LINEAR
    return configuration


def load_balancers(workshop: Workshop) -> list[dict[str, Any]]:
    """Prod's ``loadBalancers`` with the ``advancedConfiguration`` ECS's traffic shifting needs: the green
    (alternate) target group, the production and test listener rules, and the role ECS changes them with.

    Returns
    -------
    list of dict
        What ``update_service(loadBalancers=...)`` takes.
    """
    state = workshop.state.resources
    return [
        {
            "targetGroupArn": recorded_target_group_arn(workshop, "prod"),
            "containerName": workshop.settings.container_name,
            "containerPort": CONTAINER_PORT,
            "advancedConfiguration": {
                "alternateTargetGroupArn": str(state[GREEN_KEY]["arn"]),
                "productionListenerRule": listener_rules.recorded_rule_arn(workshop, "production"),
                "testListenerRule": listener_rules.recorded_rule_arn(workshop, "test"),
                "roleArn": str(state[f"iam-role/{INFRASTRUCTURE_ROLE.key}"]["arn"]),
            },
        }
    ]


def switch_to_blue_green(workshop: Workshop) -> dict[str, Any]:
    """UpdateService: Prod's service deploys with ``BLUE_GREEN`` from now on, pausing at ``PAUSE_STAGE``.

    A new infrastructure role takes seconds to reach ECS: the call is retried while ECS refuses it.

    Returns
    -------
    dict
        The service's ``deploymentConfiguration`` and ``loadBalancers`` as ECS now describes them.
    """
    ecs = workshop.client("ecs")
    cluster, service = workshop.names.cluster("prod"), workshop.names.service("prod")
    balancers, configuration = load_balancers(workshop), deployment_configuration("BLUE_GREEN")

    def update() -> Any:
        return ecs.update_service(
            cluster=cluster,
            service=service,
            loadBalancers=cast(Any, balancers),
            deploymentConfiguration=cast(Any, configuration),
        )

    retry_while_iam_propagates(
        workshop, "UpdateService", update, lambda error: "role" in str(error).lower() and "Invalid" in str(error)
    )
    described = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    return {
        "deploymentConfiguration": described["deploymentConfiguration"],
        "loadBalancers": described["loadBalancers"],
    }


def ship_release(workshop: Workshop, message: str) -> dict[str, str]:
    """Commit to ``prod`` an ``app.js`` that answers ``message``, without section 1's failing start-up check (a
    fix forward). The Prod pipeline builds and deploys it (after its approval); the same commit again starts the
    pipeline instead (StartPipelineExecution).

    Returns
    -------
    dict
        The branch, commit and message (or that the pipeline was started again).
    """
    source = with_message(read_app(workshop, "prod").replace(FAILING_CHECK, ""), message)
    committed = commit_file(workshop, APP_FILE, source, f"Release: {message}", branch="prod")
    if committed["message"].startswith("unchanged"):
        pipeline = workshop.names.pipeline("prod")
        started = workshop.client("codepipeline").start_pipeline_execution(name=pipeline)["pipelineExecutionId"]
        return {"branch": "prod", "commit": "unchanged", "message": f"already committed; started again: {started}"}
    return committed


def urls(workshop: Workshop) -> dict[str, str | None]:
    """Prod's production URL (its listener) and test URL (the test listener), as this machine reaches them."""
    production = environment_urls(workshop)["prod"]
    test_arn = str((workshop.state.resources.get(TEST_LISTENER_KEY) or {}).get("arn", ""))
    if workshop.on_sandbox:
        local = {str(row["listenerArn"]): str(row["localUrl"]) for row in sandbox.listener_urls()}
        return {"production": production, "test": local.get(test_arn)}
    dns = recorded_dns_name(workshop)
    return {"production": production, "test": f"http://{dns}:{TEST_LISTENER_PORT}" if dns else None}


def answers(workshop: Workshop) -> dict[str, str]:
    """What Prod's production URL and test URL answer now.

    Returns
    -------
    dict
        ``production`` and ``test``: the body of each answer, or the HTTP status and why there is none.
    """
    found = {}
    for which, url in urls(workshop).items():
        status, body = fetch(url)
        found[which] = body if status == 200 else f"HTTP {status}: {body}"
    return found


def redeploy(workshop: Workshop, strategy: str, pause: bool = False) -> str:
    """Deploy Prod's release again as a new task definition revision (a copy, as CodePipeline's ECS action
    registers), with ``strategy`` (and the PAUSE hook with ``pause``): one UpdateService with both.

    Returns
    -------
    str
        The ARN of the service deployment it started (ListServiceDeployments).
    """
    ecs = workshop.client("ecs")
    cluster, service = workshop.names.cluster("prod"), workshop.names.service("prod")
    current = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    described = ecs.describe_task_definition(taskDefinition=current, include=["TAGS"])
    definition: dict[str, Any] = dict(described["taskDefinition"])
    arguments = {k: definition[k] for k in _REGISTERED.split() if definition.get(k) not in (None, [], "")}
    if described.get("tags"):
        arguments["tags"] = described["tags"]
    revision = ecs.register_task_definition(**cast(Any, arguments))["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(
        cluster=cluster,
        service=service,
        taskDefinition=revision,
        deploymentConfiguration=cast(Any, deployment_configuration(strategy, pause)),
    )
    listed = ecs.list_service_deployments(cluster=cluster, service=service)["serviceDeployments"]
    return str(listed[0]["serviceDeploymentArn"])


def follow_traffic(workshop: Workshop, arn: str, timeout: float | None = None) -> list[dict[str, Any]]:
    """Sample the service deployment ``arn`` (DescribeServiceDeployments) until it ends (a status not in
    ``ONGOING``): each change of its lifecycle stage or of the production traffic the service reports for the old
    and new revisions.

    Returns
    -------
    list of dict
        Per sample: seconds since the first, the lifecycle stage, the old and the new revision's share of
        production traffic (``requestedProductionTrafficWeight``, percent) and the deployment's status.
    """
    ecs = workshop.client("ecs")
    started = time.monotonic()
    deadline = started + (timeout or workshop.timing.prod_timeout)
    samples: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        (record,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
        sources = record.get("sourceServiceRevisions") or []
        old = sum(float(s.get("requestedProductionTrafficWeight", 0.0)) for s in sources)
        new = float(record.get("targetServiceRevision", {}).get("requestedProductionTrafficWeight", 0.0))
        sample = {"stage": record.get("lifecycleStage", ""), "old": old, "new": new, "status": record["status"]}
        if not samples or {k: samples[-1][k] for k in sample} != sample:
            samples.append({"seconds": round(time.monotonic() - started, 1), **sample})
        if record["status"] not in ONGOING:
            return samples
        time.sleep(min(workshop.timing.poll, 0.5))
    raise WorkshopError(f"The service deployment did not end in time; the last sample: {samples[-1:]}")


def traffic_picture(samples: list[dict[str, Any]], strategy: str) -> Picture:
    """Draw the old and new revisions' share of production traffic over the deployment ``follow_traffic`` sampled.

    Returns
    -------
    Picture
        The steps over time (SVG), with the lifecycle stages; its text form lists the samples.
    """
    took = samples[-1]["seconds"] if samples else 0
    return draw_traffic(samples, f"{strategy}: production traffic per revision ({took:.0f} s on this clock)")


def service_deployments(workshop: Workshop, limit: int = 4) -> pd.DataFrame:
    """Prod's newest service deployments (ListServiceDeployments, DescribeServiceDeployments), newest first.

    Returns
    -------
    pandas.DataFrame
        Per deployment: its status, strategy, the lifecycle stage it got to, when it finished and why.
    """
    ecs = workshop.client("ecs")
    listed = ecs.list_service_deployments(
        cluster=workshop.names.cluster("prod"), service=workshop.names.service("prod"), maxResults=limit
    )["serviceDeployments"]
    if not listed:
        return pd.DataFrame()
    arns = [item["serviceDeploymentArn"] for item in listed][:limit]
    described = {
        d["serviceDeploymentArn"]: d
        for d in ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"]
    }
    rows = [
        {
            "deployment": arn.rsplit("/", 1)[-1][:10],
            "status": described[arn]["status"],
            "strategy": described[arn].get("deploymentConfiguration", {}).get("strategy", "ROLLING"),
            "lifecycleStage": described[arn].get("lifecycleStage", ""),
            "finished": described[arn].get("finishedAt", ""),
            "reason": (described[arn].get("rollback") or {}).get("reason", described[arn].get("statusReason", "")),
        }
        for arn in arns
    ]
    return pd.DataFrame(rows).set_index("deployment")
