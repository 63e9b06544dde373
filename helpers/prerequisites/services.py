"""Three ECS services, one per environment, behind the load balancer. Each starts from a placeholder
task definition so its URL answers before the first pipeline run; the pipelines later register new
revisions with the built image. Circuit breaker with rollback is on; logs go to CloudWatch Logs."""

from __future__ import annotations

import time
from typing import Any

from tqdm import tqdm

from ..context import Workshop
from ..errors import ResourceConflictError, WorkshopError
from ..naming import CONTAINER_PORT, ENVIRONMENTS

PLACEHOLDER_IMAGE = "public.ecr.aws/docker/library/node:20-alpine"
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
LOG_RETENTION_DAYS = 7
STABLE_TIMEOUT = {"sandbox": 60.0, "aws": 20 * 60.0}


def ensure_services(workshop: Workshop) -> list[dict[str, str]]:
    rows = [ensure_log_group(workshop, env) for env in ENVIRONMENTS]
    wait_for_load_balancer(workshop)
    rows += [ensure_service(workshop, env) for env in ENVIRONMENTS]
    wait_for_services(workshop)
    return rows


def ensure_log_group(workshop: Workshop, env: str) -> dict[str, str]:
    logs = workshop.client("logs")
    name = workshop.names.log_group(env)
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
    if found:
        arn = found[0]["arn"].removesuffix(":*")
        if not workshop.is_ours(logs.list_tags_for_resource(resourceArn=arn)["tags"]):
            raise ResourceConflictError("log group", name, workshop.prefix)
        action = "exists"
    else:
        logs.create_log_group(logGroupName=name, tags=workshop.tags(env))
        arn = f"arn:{workshop.partition}:logs:{workshop.settings.region}:{workshop.account}:log-group:{name}"
        action = "created"
    logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
    workshop.record(f"log-group/{env}", type="AWS::Logs::LogGroup", name=name, arn=arn, environment=env)
    return {"type": "log group", "name": name, "arn": arn, "environment": env, "action": action}


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
        "executionRoleArn": workshop.state.resources["iam-role/ecs-task-execution-role"]["arn"],
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


def ensure_service(workshop: Workshop, env: str) -> dict[str, str]:
    """Create the service with the placeholder; an existing service is left as the pipeline left it."""
    ecs = workshop.client("ecs")
    names = workshop.names
    cluster, name = names.cluster(env), names.service(env)
    found = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"]
    active = [s for s in found if s["status"] != "INACTIVE"]
    if active:
        if not workshop.is_ours(active[0].get("tags")):
            raise ResourceConflictError("ECS service", name, workshop.prefix)
        service, action = active[0], "exists (keeps its current deployment)"
    else:
        definition = ecs.register_task_definition(**placeholder_task_definition(workshop, env))["taskDefinition"]
        arguments: dict[str, Any] = {
            "cluster": cluster,
            "serviceName": name,
            "taskDefinition": definition["taskDefinitionArn"],
            "desiredCount": 1,
            "loadBalancers": [
                {
                    "targetGroupArn": workshop.state.resources[f"target-group/{env}"]["arn"],
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
            network = workshop.state.extra["network"]
            arguments.update(
                launchType="FARGATE",
                platformVersion="LATEST",
                networkConfiguration={
                    "awsvpcConfiguration": {
                        "subnets": network["subnet_ids"],
                        "securityGroups": [network["tasks_sg"]],
                        "assignPublicIp": "ENABLED",
                    }
                },
            )
        else:
            arguments["capacityProviderStrategy"] = [
                {"capacityProvider": names.capacity_provider(env), "weight": 1, "base": 0}
            ]
        service, action = ecs.create_service(**arguments)["service"], "created (placeholder)"
    workshop.record(
        f"ecs-service/{env}",
        type="AWS::ECS::Service",
        name=name,
        arn=service["serviceArn"],
        environment=env,
        cluster=cluster,
    )
    workshop.record(
        f"task-definition-family/{env}",
        type="AWS::ECS::TaskDefinition",
        name=names.task_family(env),
        arn=service["taskDefinition"],
        environment=env,
    )
    return {"type": "ECS service", "name": name, "arn": service["serviceArn"], "environment": env, "action": action}


def wait_for_load_balancer(workshop: Workshop) -> None:
    arn = workshop.state.resources["load-balancer"]["arn"]
    delay = 1 if workshop.on_sandbox else 15
    workshop.client("elbv2").get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[arn], WaiterConfig={"Delay": delay, "MaxAttempts": 60}
    )


def wait_for_services(workshop: Workshop, envs: tuple[str, ...] = ENVIRONMENTS, timeout: float | None = None) -> None:
    """Until every service has one deployment and its desired tasks running (what ``services_stable``
    checks), with a progress bar; a deployment that fails raises with the service's last events."""
    ecs = workshop.client("ecs")
    timeout = timeout or STABLE_TIMEOUT[workshop.settings.backend]
    deadline = time.monotonic() + timeout
    pending = list(envs)
    with tqdm(total=len(envs), desc="ECS services stable", unit="service", leave=True) as bar:
        while pending:
            for env in list(pending):
                service = ecs.describe_services(
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
                    f"Services {pending} were not stable after {timeout:.0f} s; check their events in "
                    "the ECS console (or the summary below) and re-run this cell."
                )
            if pending:
                time.sleep(workshop.poll_delay())


def _events(service: dict[str, Any]) -> str:
    return " | ".join(e["message"] for e in service.get("events", [])[:3])
