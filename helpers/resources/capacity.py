"""The EC2 capacity of EC2-launch-type clusters: per environment a launch template with the current
ECS-optimized AMI, an Auto Scaling group of one instance (two during a deployment), and an ECS capacity
provider that scales it. ``clusters.ensure`` makes them before each cluster; they have no step of their own.

Cleanup takes them apart in the order AWS needs: the capacity providers detached from their cluster,
the Auto Scaling groups deleted (and awaited), their instances, the providers, and after the clusters
the launch templates (``launch_templates.py``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..core.aws_errors import error_message, is_code
from ..core.context import Row, Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import ResourceConflictError
from .base import Entry, Found, Kind, recorded_names, retry_while_iam_propagates, wait_until
from .network import recorded_network

ASG_MAX_SIZE = 2  # room for a second instance while a deployment runs old and new tasks side by side
_SUFFIX_KEY = "capacity_provider_suffix"
_SUFFIX_DRAWN = threading.Lock()

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import FilterTypeDef


def capacity_provider_name(workshop: Workshop, env: str) -> str:
    """``cp-<prefix>-<env>-<6 hex>``: the suffix is drawn once per workshop run and kept in the state
    file, because ECS refuses the name of a provider deleted not long ago. The three environments' clusters
    are made at once, so the suffix is drawn under a lock: one draw, the same suffix for every environment."""
    with _SUFFIX_DRAWN:
        suffix = workshop.state.extra.get(_SUFFIX_KEY)
        if not suffix:
            suffix = secrets.token_hex(3)
            workshop.state.extra[_SUFFIX_KEY] = suffix
            workshop.state.save()
    return workshop.names.capacity_provider(env, str(suffix))


def forget_capacity_provider_suffix(workshop: Workshop) -> None:
    """After cleanup: the next run draws new provider names."""
    workshop.state.extra.pop(_SUFFIX_KEY, None)


def ensure_auto_scaling_group(workshop: Workshop, env: str, template_id: str) -> Row:
    """``env``'s group of one instance (up to ``ASG_MAX_SIZE`` during a deployment) from the latest version of
    ``template_id``, in the network's subnets; an existing group is kept as it is, and one not tagged as ours
    raises ResourceConflictError. Creation is retried while IAM propagates the new instance profile."""
    autoscaling = workshop.client("autoscaling")
    name = workshop.names.auto_scaling_group(env)
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if found:
        if not workshop.is_ours(found[0].get("Tags")):
            raise ResourceConflictError("Auto Scaling group", name, workshop.prefix)
        action = "exists"
    else:
        subnets = recorded_network(workshop).subnet_ids
        tags: list[Any] = [
            {**t, "PropagateAtLaunch": False, "ResourceId": name, "ResourceType": "auto-scaling-group"}
            for t in workshop.tag_list(env)
        ]

        def create() -> object:
            return autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=name,
                MinSize=1,
                MaxSize=ASG_MAX_SIZE,
                DesiredCapacity=1,
                LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Latest"},
                VPCZoneIdentifier=",".join(subnets),
                NewInstancesProtectedFromScaleIn=False,
                Tags=tags,
            )

        # The launch template names the instance profile notebook 01 created seconds ago; the ASG
        # validates it at once and refuses it until IAM has propagated it.
        retry_while_iam_propagates(workshop, f"Auto Scaling group {name}", create, _instance_profile_not_ready)
        found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        action = "created"
    arn = found[0]["AutoScalingGroupARN"]
    return AUTO_SCALING_GROUPS.record(
        workshop, f"auto-scaling-group/{env}", name=name, arn=arn, action=action, environment=env
    )


def ensure_capacity_provider(workshop: Workshop, env: str, group_arn: str) -> Row:
    """``env``'s capacity provider with managed scaling over ``group_arn``, named with this run's suffix
    (``capacity_provider_name``); creation is retried while ECS's service-linked role is new. Managed
    termination protection is off, as the group's instances are not protected from scale-in."""
    ecs = workshop.client("ecs")
    name = capacity_provider_name(workshop, env)
    found = [
        p
        for p in ecs.describe_capacity_providers(capacityProviders=[name], include=["TAGS"])["capacityProviders"]
        if p.get("status", "ACTIVE") == "ACTIVE"
    ]
    if found:
        if not workshop.is_ours(found[0].get("tags")):
            raise ResourceConflictError("capacity provider", name, workshop.prefix)
        provider, action = found[0], "exists"
    else:
        provider = retry_while_iam_propagates(
            workshop,
            f"capacity provider {name}",
            lambda: ecs.create_capacity_provider(
                name=name,
                tags=workshop.tag_list(env, key="key", value="value"),
                autoScalingGroupProvider={
                    "autoScalingGroupArn": group_arn,
                    "managedTerminationProtection": "DISABLED",
                    "managedScaling": {
                        "status": "ENABLED",
                        "targetCapacity": 100,
                        "minimumScalingStepSize": 1,
                        "maximumScalingStepSize": 1,
                    },
                },
            )["capacityProvider"],
            service_linked_role_not_ready,
        )
        action = "created"
    return CAPACITY_PROVIDERS.record(
        workshop,
        f"capacity-provider/{env}",
        name=name,
        arn=provider["capacityProviderArn"],
        action=action,
        environment=env,
    )


def service_linked_role_not_ready(error: Exception) -> bool:
    """ECS's answers while its service-linked role is missing or not yet propagated."""
    if not isinstance(error, ClientError) or not is_code(error, "InvalidParameterException", "ClientException"):
        return False
    message = error_message(error)
    return "service linked role" in message.lower() or "Service Linked Role" in message


def _instance_profile_not_ready(error: Exception) -> bool:
    if not (isinstance(error, ClientError) and is_code(error, "ValidationError")):
        return False
    message = error_message(error)
    return "Invalid IAM Instance Profile" in message or "iamInstanceProfile" in message


# -- cleanup ------------------------------------------------------------------------------------------
def find_auto_scaling_groups(workshop: Workshop) -> Iterable[Found]:
    """The environments' groups by name; Auto Scaling answers an empty list, not an error, for a name it lacks."""
    autoscaling = workshop.client("autoscaling")
    names = [workshop.names.auto_scaling_group(env) for env in ENVIRONMENTS]
    for group in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=names)["AutoScalingGroups"]:
        name = group["AutoScalingGroupName"]
        yield Found("Auto Scaling group", name, name, workshop.is_ours(group.get("Tags")))


def delete_auto_scaling_group(workshop: Workshop, found: Found) -> None:
    """Detach the environment's capacity provider, scale the group to zero and force-delete it (its instances
    are terminated with it). ``wait_until_auto_scaling_group_deleted`` waits for the end."""
    autoscaling = workshop.client("autoscaling")
    # Detach the capacity provider from its cluster first: the known deletion deadlock is a provider
    # that keeps asking for instances while the group is being deleted.
    env = next((e for e in ENVIRONMENTS if workshop.names.auto_scaling_group(e) == found.name), None)
    if env is not None:
        _detach_capacity_providers(workshop, env)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=found.ident, MinSize=0, DesiredCapacity=0)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=found.ident, ForceDelete=True)


def wait_until_auto_scaling_group_deleted(workshop: Workshop, found: Found) -> None:
    """Until the group is no longer listed: a force delete takes minutes while its instances terminate.
    WaitTimeout after ``auto_scaling_group_delete_timeout``."""
    autoscaling = workshop.client("autoscaling")
    wait_until(
        lambda: not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[found.ident])["AutoScalingGroups"],
        workshop.timing.auto_scaling_group_delete_timeout,
        workshop.timing.poll,
        f"Auto Scaling group {found.ident} is being deleted",
    )


def _detach_capacity_providers(workshop: Workshop, env: str) -> None:
    ecs = workshop.client("ecs")
    clusters = ecs.describe_clusters(clusters=[workshop.names.cluster(env)], include=["TAGS"])["clusters"]
    for cluster in clusters:
        if cluster["status"] == "ACTIVE" and workshop.is_ours(cluster.get("tags")) and cluster.get("capacityProviders"):
            ecs.put_cluster_capacity_providers(
                cluster=cluster["clusterName"], capacityProviders=[], defaultCapacityProviderStrategy=[]
            )


def find_instances(workshop: Workshop) -> Iterable[Found]:
    """Every instance tagged with the workshop's prefix that is pending, running, stopping or stopped: what the
    Auto Scaling groups launched (the launch template tags them) and left behind."""
    ec2 = workshop.client("ec2")
    filters: list[FilterTypeDef] = [
        {"Name": "tag:workshop:prefix", "Values": [workshop.prefix]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ]
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                yield Found("EC2 instance", instance["InstanceId"], instance["InstanceId"], True)


def delete_instance(workshop: Workshop, found: Found) -> None:
    """Terminate the instance; nothing waits for it (the security groups' delete retries while its network
    interface lingers)."""
    workshop.client("ec2").terminate_instances(InstanceIds=[found.ident])


def find_capacity_providers(workshop: Workshop) -> Iterable[Found]:
    """Every active provider of this workshop: first by name (the names the state file recorded and this
    run's suffix gives), then, for providers a lost state file no longer names, every ``cp-<prefix>-...``
    in a listing of the account's providers. A provider is ours by its tag or by the name recorded.

    The participant policy names the providers (``cp-<prefix>-<env>-??????``), so AWS refuses them the
    listing; their lookup by name is all they may see, and is enough while their state file lasts."""
    ecs = workshop.client("ecs")
    recorded = recorded_names(workshop, "AWS::ECS::CapacityProvider")
    suffix = workshop.state.extra.get(_SUFFIX_KEY)
    named = recorded | (
        {workshop.names.capacity_provider(env, str(suffix)) for env in ENVIRONMENTS} if suffix else set()
    )
    seen: set[str] = set()
    if named:
        answer = ecs.describe_capacity_providers(capacityProviders=sorted(named), include=["TAGS"])
        for provider in answer["capacityProviders"]:
            seen.add(provider["name"])
            if provider.get("status", "ACTIVE") == "ACTIVE":
                yield _found_provider(workshop, provider, recorded)
    try:
        for provider in _every_provider(workshop):
            name = provider["name"]
            if name in seen or not name.startswith(workshop.names.capacity_provider_prefix):
                continue
            if provider.get("status", "ACTIVE") == "ACTIVE":
                yield _found_provider(workshop, provider, recorded)
    except ecs.exceptions.AccessDeniedException:
        return  # a participant: the providers they may see were looked up by name above


def _found_provider(workshop: Workshop, provider: Any, recorded: set[str]) -> Found:
    name = str(provider["name"])
    return Found("ECS capacity provider", name, name, workshop.is_ours(provider.get("tags")) or name in recorded)


def _every_provider(workshop: Workshop) -> Iterable[Any]:
    ecs = workshop.client("ecs")
    token: str | None = None
    while True:
        page = (
            ecs.describe_capacity_providers(include=["TAGS"], nextToken=token)
            if token
            else ecs.describe_capacity_providers(include=["TAGS"])
        )
        yield from page["capacityProviders"]
        token = page.get("nextToken")
        if not token:
            return


def delete_capacity_provider(workshop: Workshop, found: Found) -> None:
    """Detach the providers from the cluster of the environment the name belongs to, then delete this one:
    ECS refuses to delete a provider a cluster still uses."""
    env = next(
        (e for e in ENVIRONMENTS if found.name.startswith(f"{workshop.names.capacity_provider_prefix}{e}-")), None
    )
    if env is not None:
        _detach_capacity_providers(workshop, env)
    workshop.client("ecs").delete_capacity_provider(capacityProvider=found.ident)


# -- presence -----------------------------------------------------------------------------------------
def auto_scaling_group_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded name; an empty answer is how Auto Scaling says the group is gone."""
    groups = workshop.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[entry["name"]])
    return bool(groups["AutoScalingGroups"])


def capacity_provider_exists(workshop: Workshop, entry: Entry) -> bool:
    """Only an ACTIVE provider counts: ECS goes on describing a deleted one, as INACTIVE, for a while."""
    answer = workshop.client("ecs").describe_capacity_providers(capacityProviders=[entry["name"]])
    return any(p.get("status") == "ACTIVE" for p in answer["capacityProviders"])


AUTO_SCALING_GROUPS = Kind(
    "Auto Scaling groups",
    find_auto_scaling_groups,
    delete_auto_scaling_group,
    wait_until_auto_scaling_group_deleted,
    cfn_type="AWS::AutoScaling::AutoScalingGroup",
    noun="Auto Scaling group",
    exists=auto_scaling_group_exists,
)

#: Launched by the Auto Scaling groups, never recorded: found by the workshop's tag.
INSTANCES = Kind("EC2 instances", find_instances, delete_instance)

CAPACITY_PROVIDERS = Kind(
    "ECS capacity providers",
    find_capacity_providers,
    delete_capacity_provider,
    cfn_type="AWS::ECS::CapacityProvider",
    noun="capacity provider",
    exists=capacity_provider_exists,
    forget=forget_capacity_provider_suffix,
)
