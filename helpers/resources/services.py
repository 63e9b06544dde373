"""Three ECS services, one per environment, behind the load balancer. Each starts from a placeholder
task definition so its URL answers before the first pipeline run; the pipelines later register new
revisions with the built image. Circuit breaker with rollback is on; logs go to CloudWatch Logs (the
groups are ``log_groups``'s, made just before in the same step).

Cleanup scales each service to zero, deletes it and waits until ECS has drained it; then, after the
clusters, it deregisters and deletes every revision of the three task-definition families."""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from tqdm.auto import tqdm

from ..core.context import Row, Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import ResourceConflictError, WorkshopError
from ..core.naming import CONTAINER_PORT
from .base import Entry, Found, Kind, at_once, entry_id, recorded_names
from .capacity import capacity_provider_name
from .load_balancer import recorded_target_group_arn, wait_for_load_balancer
from .network import recorded_network
from .roles import task_execution_role_arn

PLACEHOLDER_IMAGE = "public.ecr.aws/docker/library/node:22-alpine"
PLACEHOLDER_SERVER = (
    "require('http').createServer((q, s) => {"
    " s.writeHead(200, {'Content-Type': 'text/plain'});"
    " s.end('Placeholder for ' + process.env.WORKSHOP_ENVIRONMENT + ': waiting for the first pipeline run');"
    "}).listen(Number(process.env.PORT || 8080), process.env.HOST || '0.0.0.0')"
)
#: CodePipeline's ECS deploy action copies the task definition and replaces only the image, so the
#: placeholder's command stays in every revision the pipelines register. It therefore starts the app
#: when the image has one (the sample app's image has app.js in its WORKDIR) and the placeholder
#: server otherwise (the public node image).
PLACEHOLDER_COMMAND = [
    "sh",
    "-c",
    f'if [ -f app.js ]; then exec node app.js; else exec node -e "{PLACEHOLDER_SERVER}"; fi',
]


def ensure(workshop: Workshop) -> list[Row]:
    """A service per environment, the three created at once (after the load balancer is active), then
    waited for until stable."""
    wait_for_load_balancer(workshop)
    rows = at_once(
        [(f"ECS service {workshop.names.service(env)}", partial(ensure_service, workshop, env)) for env in ENVIRONMENTS]
    )
    wait_for_services(workshop)
    return rows


def placeholder_task_definition(workshop: Workshop, env: str) -> dict[str, Any]:
    """RegisterTaskDefinition arguments for the placeholder that answers before the first deployment."""
    fargate = workshop.settings.launch_type == "FARGATE"
    container: dict[str, Any] = {
        "name": workshop.settings.container_name,
        "image": PLACEHOLDER_IMAGE,
        "command": PLACEHOLDER_COMMAND,
        "essential": True,
        "portMappings": [{"containerPort": CONTAINER_PORT, "protocol": "tcp", **({} if fargate else {"hostPort": 0})}],
        "environment": [{"name": "WORKSHOP_ENVIRONMENT", "value": env}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": workshop.names.log_group(env),
                "awslogs-region": workshop.settings.region,
                "awslogs-stream-prefix": "app",
            },
        },
    }
    arguments: dict[str, Any] = {
        "family": workshop.names.task_family(env),
        "executionRoleArn": task_execution_role_arn(workshop),
        "containerDefinitions": [container],
        "requiresCompatibilities": [workshop.settings.launch_type],
        "networkMode": "awsvpc" if fargate else "bridge",
        "tags": workshop.tag_list(env, key="key", value="value"),
    }
    if fargate:
        arguments.update(
            cpu="256", memory="512", runtimePlatform={"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
        )
    else:
        container["memory"] = 256
    return arguments


def ensure_service(workshop: Workshop, env: str) -> Row:
    """Create the service with the placeholder; an existing service is left as the pipeline left it.
    A service still DRAINING from a cleanup is awaited first: ECS refuses its name until it is gone."""
    ecs = workshop.client("ecs")
    names = workshop.names
    cluster, name = names.cluster(env), names.service(env)
    found = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"]
    if any(s["status"] == "DRAINING" for s in found):
        wait_until_inactive(workshop, cluster, name)
        found = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"]
    active = [s for s in found if s["status"] != "INACTIVE"]
    if active:
        if not workshop.is_ours(active[0].get("tags")):
            raise ResourceConflictError("ECS service", name, workshop.prefix)
        service, action = active[0], "exists (keeps its current deployment)"
    else:
        service, action = _create_service(workshop, env), "created (placeholder)"
    TASK_DEFINITIONS.record(
        workshop,
        f"task-definition-family/{env}",
        name=names.task_family(env),
        arn=service["taskDefinition"],
        environment=env,
    )
    return SERVICES.record(
        workshop,
        f"ecs-service/{env}",
        name=name,
        arn=service["serviceArn"],
        action=action,
        environment=env,
        cluster=cluster,
    )


def _create_service(workshop: Workshop, env: str) -> Any:
    """``env``'s service on a new placeholder revision, behind its target group: on Fargate in the
    workshop's subnets, on EC2 through the cluster's capacity provider."""
    ecs = workshop.client("ecs")
    cluster, name = workshop.names.cluster(env), workshop.names.service(env)
    definition = ecs.register_task_definition(**placeholder_task_definition(workshop, env))["taskDefinition"]
    arguments: dict[str, Any] = {
        "cluster": cluster,
        "serviceName": name,
        "taskDefinition": definition["taskDefinitionArn"],
        "desiredCount": 1,
        "loadBalancers": [
            {
                "targetGroupArn": recorded_target_group_arn(workshop, env),
                "containerName": workshop.settings.container_name,
                "containerPort": CONTAINER_PORT,
            }
        ],
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        "healthCheckGracePeriodSeconds": 30,
        "propagateTags": "SERVICE",
        "enableECSManagedTags": True,
        "tags": workshop.tag_list(env, key="key", value="value"),
    }
    if workshop.settings.launch_type == "FARGATE":
        network = recorded_network(workshop)
        arguments.update(
            launchType="FARGATE",
            platformVersion="LATEST",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": network.subnet_ids,
                    "securityGroups": [network.tasks_sg],
                    "assignPublicIp": "ENABLED",
                }
            },
        )
    else:
        arguments["capacityProviderStrategy"] = [
            {"capacityProvider": capacity_provider_name(workshop, env), "weight": 1, "base": 0}
        ]
    return ecs.create_service(**arguments)["service"]


def wait_until_inactive(workshop: Workshop, cluster: str, service: str) -> None:
    """Until a deleted service has drained (its tasks stopped) and become INACTIVE."""
    timing = workshop.timing
    workshop.client("ecs").get_waiter("services_inactive").wait(
        cluster=cluster,
        services=[service],
        WaiterConfig={
            "Delay": timing.waiter_delay,
            "MaxAttempts": max(1, int(timing.service_drain_timeout / timing.waiter_delay)),
        },
    )


def wait_for_services(workshop: Workshop, envs: tuple[str, ...] = ENVIRONMENTS, timeout: float | None = None) -> None:
    """Until every service has one deployment and its desired tasks running (what ``services_stable``
    checks), with a progress bar; a deployment that fails raises with the service's last events."""
    ecs = workshop.client("ecs")
    timeout = timeout or workshop.timing.services_stable_timeout
    deadline = time.monotonic() + timeout
    pending = list(envs)
    last: dict[str, Any] = {}
    with tqdm(total=len(envs), desc="ECS services stable", unit="service", leave=True) as bar:
        while pending:
            for env in list(pending):
                service = last[env] = ecs.describe_services(
                    cluster=workshop.names.cluster(env), services=[workshop.names.service(env)]
                )["services"][0]
                primary = service["deployments"][0] if service["deployments"] else {}
                if primary.get("rolloutState") == "FAILED" and len(service["deployments"]) == 1:
                    raise WorkshopError(
                        f"The {env} service failed to deploy: {primary.get('rolloutStateReason')}. "
                        f"Last events: {_events(service)}"
                    )
                if len(service["deployments"]) == 1 and service["runningCount"] == service["desiredCount"]:
                    pending.remove(env)
                    bar.update(1)
            if pending and time.monotonic() > deadline:
                raise WorkshopError(
                    f"Services {pending} were not stable after {timeout:.0f} s: "
                    + "; ".join(_progress(env, last[env]) for env in pending)
                    + ". Re-run this cell to wait longer; the ECS console shows every event."
                )
            if pending:
                time.sleep(workshop.timing.poll)


def _progress(env: str, service: Any) -> str:
    """Where a service that is not stable yet stands: its tasks, its deployments and its last events."""
    return (
        f"{env} runs {service['runningCount']} of {service['desiredCount']} tasks in "
        f"{len(service['deployments'])} deployment(s) (last events: {_events(service) or 'none'})"
    )


def _events(service: Any) -> str:
    return " | ".join(e["message"] for e in service.get("events", [])[:3])


# -- cleanup ------------------------------------------------------------------------------------------
def find_services(workshop: Workshop) -> Iterable[Found]:
    """Each environment's service that is not INACTIVE, with its cluster and status kept for
    ``delete_service``; a cluster that is already gone is skipped."""
    ecs = workshop.client("ecs")
    for env in ENVIRONMENTS:
        cluster, name = workshop.names.cluster(env), workshop.names.service(env)
        try:
            services = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"]
        except ecs.exceptions.ClusterNotFoundException:
            continue
        for service in services:
            if service["status"] != "INACTIVE":
                yield Found(
                    "ECS service",
                    f"{cluster}/{name}",
                    service["serviceArn"],
                    workshop.is_ours(service.get("tags")),
                    {"cluster": cluster, "service": name, "status": service["status"]},
                )


def delete_service(workshop: Workshop, found: Found) -> None:
    """Scale to zero and delete (``settle`` then waits until it has drained). A service already
    DRAINING (an earlier cleanup) is left to drain: ECS refuses UpdateService on it."""
    ecs = workshop.client("ecs")
    cluster = found.extra["cluster"]
    if found.extra.get("status") != "DRAINING":
        ecs.update_service(cluster=cluster, service=found.ident, desiredCount=0)
        ecs.delete_service(cluster=cluster, service=found.ident, force=True)


def wait_until_service_drained(workshop: Workshop, found: Found) -> None:
    """Until the deleted service has drained and become INACTIVE, at most ``service_drain_timeout``."""
    wait_until_inactive(workshop, found.extra["cluster"], found.ident)


def find_task_definitions(workshop: Workshop) -> Iterable[Found]:
    """Every ACTIVE revision of the three families, matched exactly (not every family the prefix matches). A
    family is ours when the state file recorded it or its first listed revision carries the tag."""
    ecs = workshop.client("ecs")
    recorded = recorded_names(workshop, "AWS::ECS::TaskDefinition")
    for env in ENVIRONMENTS:
        family = workshop.names.task_family(env)
        arns = [
            arn
            for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
            for arn in page["taskDefinitionArns"]
            if arn.split("/")[-1].rsplit(":", 1)[0] == family
        ]
        if not arns:
            continue
        ours = family in recorded or workshop.is_ours(
            ecs.describe_task_definition(taskDefinition=arns[0], include=["TAGS"]).get("tags")
        )
        for arn in arns:
            yield Found("ECS task definition", arn.split("/")[-1], arn, ours)


def delete_task_definition(workshop: Workshop, found: Found) -> None:
    """Deregister the revision, then delete it (ECS only deletes deregistered revisions)."""
    ecs = workshop.client("ecs")
    ecs.deregister_task_definition(taskDefinition=found.ident)
    failures = ecs.delete_task_definitions(taskDefinitions=[found.ident]).get("failures", [])
    if failures:
        raise WorkshopError(
            f"ECS did not delete {found.name}: {failures[0].get('reason')} {failures[0].get('detail', '')}"
        )


# -- presence -----------------------------------------------------------------------------------------
def service_exists(workshop: Workshop, entry: Entry) -> bool:
    """Only an ACTIVE service counts (a deleted one is DRAINING, then INACTIVE). The cluster is the entry's,
    else the one in the service's ARN; a cluster that is gone means the service is too."""
    ecs = workshop.client("ecs")
    arn = entry_id(entry)
    cluster = entry.get("cluster") or (arn.split("/")[-2] if arn.count("/") >= 2 else "default")
    try:
        services = ecs.describe_services(cluster=cluster, services=[arn])["services"]
    except ecs.exceptions.ClusterNotFoundException:
        return False
    return any(s.get("status") == "ACTIVE" for s in services)


def task_definition_exists(workshop: Workshop, entry: Entry) -> bool:
    """Whether the family has an active revision (the pipelines register new ones after the recorded one)."""
    family = entry["name"]
    pages = workshop.client("ecs").get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
    return any(
        arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family for page in pages for arn in page["taskDefinitionArns"]
    )


SERVICES = Kind(
    "ECS services",
    find_services,
    delete_service,
    wait_until_service_drained,
    cfn_type="AWS::ECS::Service",
    noun="ECS service",
    ensure=ensure,
    exists=service_exists,
)
#: Each service's placeholder family; ``SERVICES``'s ensure registers the first revision.
TASK_DEFINITIONS = Kind(
    "ECS task definitions",
    find_task_definitions,
    delete_task_definition,
    cfn_type="AWS::ECS::TaskDefinition",
    noun="ECS task definition",
    exists=task_definition_exists,
)
