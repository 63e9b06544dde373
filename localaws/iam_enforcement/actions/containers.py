"""The container services' rows: ECR repositories and ECS task definitions, clusters, services and capacity
providers. Creates that carry tags need the service's TagResource too (ECS's with ``ecs:CreateAction``), and a
task definition's roles are passed to ECS tasks (``iam:PassRole``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ecs.models import ecs_backends

from .request import UNSCOPED, Check, Context, NotInTable, Request, json_tags, last_segment, tags_context

_TAGGING = ("ListTagsForResource", "TagResource", "UntagResource")


def ecr(r: Request) -> list[Check]:
    """ECR's row: a repository's ARN for the operations that name one (CreateRepository with tags needs
    ``ecr:TagResource`` too), ``repository/*`` for DescribeRepositories without names, ``*`` for
    GetAuthorizationToken, and the tagged resource's ARN for the tagging operations."""
    op = r.operation
    if op == "GetAuthorizationToken":
        return r.checks([UNSCOPED])
    if op in _TAGGING:
        return r.checks([str(r.param("resourceArn"))])
    if op == "DescribeRepositories":
        names = r.param("repositoryNames") or []
        return r.checks([r.arn("ecr", f"repository/{n}") for n in names] or [r.arn("ecr", "repository/*")])
    name = r.param("repositoryName")
    if name is None:
        raise NotInTable(r.action)
    arn = r.arn("ecr", f"repository/{name}")
    tags = json_tags(r.param("tags"))
    found = r.checks([arn], tags_context(tags))
    if op == "CreateRepository" and tags:
        found.append(("ecr:TagResource", arn, tags_context(tags)))
    return found


def _cluster_arn(r: Request, value: Any) -> str:
    return r.arn("ecs", f"cluster/{last_segment(value or 'default')}")


def _with_create_tags(r: Request, found: list[Check], arn: str) -> list[Check]:
    """``found`` and, when the create carries tags, the ``ecs:TagResource`` it needs for them."""
    tags = json_tags(r.param("tags"))
    if tags:
        found.append(("ecs:TagResource", arn, {**tags_context(tags), "ecs:CreateAction": r.operation}))
    return found


def _unscoped(r: Request) -> list[Check]:
    # Resource types "*" only (service authorization reference); CreateCapacityProvider is listed unscoped
    # by the kit's policy as well.
    return r.checks([UNSCOPED])


def _register_task_definition(r: Request) -> list[Check]:
    family = str(r.param("family"))
    definitions = ecs_backends[r.account][r.region].task_definitions.get(family, {})
    arn = r.arn("ecs", f"task-definition/{family}:{(max(definitions) if definitions else 0) + 1}")
    found = r.checks([arn])
    for key in ("executionRoleArn", "taskRoleArn"):
        if r.param(key):
            found.append(("iam:PassRole", str(r.param(key)), {"iam:PassedToService": "ecs-tasks.amazonaws.com"}))
    return _with_create_tags(r, found, arn)


def _delete_task_definitions(r: Request) -> list[Check]:
    return r.checks([r.arn("ecs", f"task-definition/{last_segment(d)}") for d in r.param("taskDefinitions") or []])


def _create_cluster(r: Request) -> list[Check]:
    arn = _cluster_arn(r, r.param("clusterName"))
    return _with_create_tags(r, r.checks([arn]), arn)


def _in_cluster(r: Request) -> list[Check]:
    return r.checks([_cluster_arn(r, r.param("cluster"))])


def _describe_clusters(r: Request) -> list[Check]:
    return r.checks([_cluster_arn(r, c) for c in r.param("clusters") or ["default"]])


def _services(r: Request) -> list[Check]:
    names = r.param("services") or [r.param("serviceName") or r.param("service")]
    name_of_cluster = last_segment(r.param("cluster") or "default")
    arns = [r.arn("ecs", f"service/{name_of_cluster}/{last_segment(n)}") for n in names]
    context: Context = {"ecs:cluster": _cluster_arn(r, name_of_cluster)}
    found = r.checks(arns, context)
    balancers = r.param("loadBalancers")
    for balancer in balancers if isinstance(balancers, list) else []:  # blue/green: ECS gets the traffic role
        advanced = balancer.get("advancedConfiguration") if isinstance(balancer, dict) else None
        role = (advanced or {}).get("roleArn")
        if role:
            found.append(("iam:PassRole", str(role), {"iam:PassedToService": "ecs.amazonaws.com"}))
    return _with_create_tags(r, found, arns[0]) if r.operation == "CreateService" else found


def _tasks(r: Request) -> list[Check]:
    """DescribeTasks: each task's ARN (``task/<cluster>/<id>``, an id or an ARN as given), with ``ecs:cluster``."""
    cluster = last_segment(r.param("cluster") or "default")
    arns = [r.arn("ecs", f"task/{cluster}/{last_segment(t)}") for t in r.param("tasks") or []]
    return r.checks(arns or [UNSCOPED], {"ecs:cluster": _cluster_arn(r, cluster)})


def _capacity_providers(r: Request) -> list[Check]:
    names = [n for n in r.param("capacityProviders") or [r.param("capacityProvider")] if n]
    return r.checks([r.arn("ecs", f"capacity-provider/{last_segment(n)}") for n in names] or [UNSCOPED])


def _service_deployments(r: Request) -> list[Check]:
    """The service deployments named (``service-deployment/<cluster>/<service>/<id>``, as their ARNs are)."""
    arns = r.param("serviceDeploymentArns") or [r.param("serviceDeploymentArn")]
    return r.checks([str(arn) for arn in arns if arn] or [UNSCOPED])


def _tagging(r: Request) -> list[Check]:
    return r.checks([str(r.param("resourceArn"))])


_ECS_ROWS: dict[str, Callable[[Request], list[Check]]] = {
    **dict.fromkeys(
        ("DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition", "CreateCapacityProvider"),
        _unscoped,
    ),
    "RegisterTaskDefinition": _register_task_definition,
    "DeleteTaskDefinitions": _delete_task_definitions,
    "CreateCluster": _create_cluster,
    **dict.fromkeys(("DeleteCluster", "PutClusterCapacityProviders", "ListServices", "ListTasks"), _in_cluster),
    "DescribeClusters": _describe_clusters,
    "DescribeTasks": _tasks,
    **dict.fromkeys(
        ("CreateService", "UpdateService", "DeleteService", "DescribeServices", "ListServiceDeployments"), _services
    ),
    **dict.fromkeys(
        ("DescribeServiceDeployments", "ContinueServiceDeployment", "StopServiceDeployment"), _service_deployments
    ),
    **dict.fromkeys(("DescribeCapacityProviders", "DeleteCapacityProvider"), _capacity_providers),
    **dict.fromkeys(_TAGGING, _tagging),
}


def ecs(r: Request) -> list[Check]:
    """ECS's row: each operation on the resource AWS evaluates it against (cluster, service, task definition, capacity
    provider, or ``*``), with the implicit ``iam:PassRole`` of a task definition's roles and ``ecs:TagResource`` of a
    create with tags."""
    row = _ECS_ROWS.get(r.operation)
    if row is None:
        raise NotInTable(r.action)
    return row(r)
