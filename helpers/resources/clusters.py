"""Three ECS clusters, one per environment. FARGATE clusters use the Fargate capacity providers; an
EC2 cluster gets its capacity first (``capacity``: a launch template with the current ECS-optimized AMI,
an Auto Scaling group and a capacity provider), with the instance type chosen in notebook 00 or the
first default the region offers.

Cleanup deletes the clusters after their capacity (see ``capacity``) and before the launch templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..core.context import Row, Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import ResourceConflictError, WorkshopError
from .base import Entry, Found, Kind, at_once, entry_id, retry_while_iam_propagates
from .capacity import ensure_auto_scaling_group, ensure_capacity_provider, service_linked_role_not_ready
from .launch_templates import ensure_launch_template

ECS_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
#: When no instance type is chosen: the first of these the region offers (T2 is missing in some regions).
DEFAULT_INSTANCE_TYPES = ("t3.micro", "t2.micro")

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ecs.type_defs import CapacityProviderStrategyItemTypeDef


def ensure(workshop: Workshop) -> list[Row]:
    """A cluster per environment, the three at once; for EC2 first its launch template, Auto Scaling group
    and capacity provider (in that order: each needs the one before)."""
    ec2_path = workshop.settings.launch_type == "EC2"
    image_id = _ecs_ami(workshop) if ec2_path else None
    instance = instance_type(workshop) if ec2_path else None
    jobs = [
        (f"ECS cluster {workshop.names.cluster(env)}", partial(_ensure_environment, workshop, env, image_id, instance))
        for env in ENVIRONMENTS
    ]
    return [row for rows in at_once(jobs) for row in rows]


def _ensure_environment(workshop: Workshop, env: str, image_id: str | None, instance: str | None) -> list[Row]:
    """One environment's cluster, after its EC2 capacity when the launch type is EC2."""
    if image_id is None or instance is None:
        return [ensure_cluster(workshop, env, ["FARGATE", "FARGATE_SPOT"])]
    template = ensure_launch_template(workshop, env, image_id, instance)
    group = ensure_auto_scaling_group(workshop, env, template["arn"])
    provider = ensure_capacity_provider(workshop, env, group["arn"])
    return [template, group, provider, ensure_cluster(workshop, env, [provider["name"]])]


def offered_instance_types(ec2: EC2Client, candidates: Iterable[str]) -> list[str]:
    """``candidates`` that the client's region offers, in the order given."""
    wanted = list(candidates)
    offerings = ec2.describe_instance_type_offerings(
        LocationType="region", Filters=[{"Name": "instance-type", "Values": wanted}]
    )["InstanceTypeOfferings"]
    offered = {o["InstanceType"] for o in offerings}
    return [c for c in wanted if c in offered]


def instance_type(workshop: Workshop) -> str:
    """The chosen instance type, or the first of DEFAULT_INSTANCE_TYPES the region offers; an
    instance type the region does not offer is an error (the ASG would never launch one)."""
    chosen = workshop.settings.instance_type
    candidates = (chosen,) if chosen else DEFAULT_INSTANCE_TYPES
    offered = offered_instance_types(workshop.client("ec2"), candidates)
    if not offered:
        raise WorkshopError(
            f"{' and '.join(candidates)} {'is' if len(candidates) == 1 else 'are'} not offered in "
            f"{workshop.settings.region}. Choose an instance type the region offers in notebook 00 "
            "(the preflight lists it), or another region."
        )
    return offered[0]


def ensure_cluster(workshop: Workshop, env: str, providers: list[str]) -> Row:
    """``env``'s cluster with ``providers``, the first as its default strategy. An existing cluster of ours gets
    these providers if it has others; one not tagged as ours raises ResourceConflictError. Creation is
    retried while ECS's service-linked role propagates."""
    ecs = workshop.client("ecs")
    name = workshop.names.cluster(env)
    found = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
    active = [c for c in found if c["status"] in ("ACTIVE", "PROVISIONING")]
    strategy: list[CapacityProviderStrategyItemTypeDef] = [{"capacityProvider": providers[0], "weight": 1, "base": 0}]
    if active:
        cluster = active[0]
        if not workshop.is_ours(cluster.get("tags")):
            raise ResourceConflictError("ECS cluster", name, workshop.prefix)
        action = "exists"
        if sorted(cluster.get("capacityProviders", [])) != sorted(providers):
            ecs.put_cluster_capacity_providers(
                cluster=name, capacityProviders=providers, defaultCapacityProviderStrategy=strategy
            )
            action = "updated"
    else:

        def create() -> Any:
            return ecs.create_cluster(
                clusterName=name,
                tags=workshop.tag_list(env, key="key", value="value"),
                capacityProviders=providers,
                defaultCapacityProviderStrategy=strategy,
                settings=[{"name": "containerInsights", "value": "disabled"}],
            )["cluster"]

        # In an account that never used ECS the service-linked role is seconds old here, and ECS refuses
        # capacity providers until IAM has propagated it (a retry succeeds, as on AWS).
        cluster = retry_while_iam_propagates(workshop, f"ECS cluster {name}", create, service_linked_role_not_ready)
        action = "created"
    return CLUSTERS.record(
        workshop,
        f"ecs-cluster/{env}",
        name=name,
        arn=cluster["clusterArn"],
        action=f"{action} ({', '.join(providers)})",
        environment=env,
    )


def _ecs_ami(workshop: Workshop) -> str:
    return str(workshop.client("ssm").get_parameter(Name=ECS_AMI_PARAMETER)["Parameter"]["Value"])


# -- cleanup ------------------------------------------------------------------------------------------
def find_clusters(workshop: Workshop) -> Iterable[Found]:
    """The environments' clusters that are not INACTIVE (ECS describes a deleted cluster as INACTIVE for a
    while after)."""
    ecs = workshop.client("ecs")
    names = [workshop.names.cluster(env) for env in ENVIRONMENTS]
    for cluster in ecs.describe_clusters(clusters=names, include=["TAGS"])["clusters"]:
        if cluster["status"] != "INACTIVE":
            yield Found(
                "ECS cluster", cluster["clusterName"], cluster["clusterArn"], workshop.is_ours(cluster.get("tags"))
            )


def delete_cluster(workshop: Workshop, found: Found) -> None:
    """Delete the cluster; ECS refuses while it still has services or container instances, which cleanup
    deletes first."""
    workshop.client("ecs").delete_cluster(cluster=found.ident)


# -- presence -----------------------------------------------------------------------------------------
def cluster_exists(workshop: Workshop, entry: Entry) -> bool:
    """An ACTIVE cluster counts, and one still PROVISIONING its capacity providers, as ``ensure_cluster`` treats it
    (a deleted one stays INACTIVE for a while). ``raise_if_resources_gone`` asks it to notice a reset sandbox."""
    answer = workshop.client("ecs").describe_clusters(clusters=[entry_id(entry)])
    return any(c.get("status") in ("ACTIVE", "PROVISIONING") for c in answer["clusters"])


#: The clusters; for EC2 their ensure first makes each one's launch template, Auto Scaling group and
#: capacity provider.
CLUSTERS = Kind(
    "ECS clusters",
    find_clusters,
    delete_cluster,
    cfn_type="AWS::ECS::Cluster",
    noun="ECS cluster",
    ensure=ensure,
    exists=cluster_exists,
)
