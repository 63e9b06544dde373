"""One Application Load Balancer with a listener and a target group per environment, so each
environment keeps a stable URL; and the ownership check every load-balancing resource shares."""

from __future__ import annotations

from collections.abc import Iterable

from ..context import Workshop, normalise_tags
from ..errors import ResourceConflictError
from ..naming import CONTAINER_PORT, ENVIRONMENTS, LISTENER_PORTS
from .base import Found, Kind, Row, retry_on_codes


def ensure(workshop: Workshop) -> list[Row]:
    """The load balancer in the network's subnets, then a target group and a listener per environment."""
    network = workshop.state.extra["network"]
    rows: list[Row] = []
    balancer_arn = ensure_load_balancer(workshop, network["subnet_ids"], network["load_balancer_sg"], rows)
    for env in ENVIRONMENTS:
        target_group_arn = ensure_target_group(workshop, env, network["vpc_id"], rows)
        ensure_listener(workshop, env, balancer_arn, target_group_arn, rows)
    return rows


def ensure_load_balancer(workshop: Workshop, subnet_ids: list[str], security_group: str, rows: list[Row]) -> str:
    elbv2 = workshop.client("elbv2")
    name = workshop.names.load_balancer
    try:
        balancer = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
        _require_ours(workshop, balancer["LoadBalancerArn"], "load balancer", name)
        action = "exists"
    except elbv2.exceptions.LoadBalancerNotFoundException:
        balancer = elbv2.create_load_balancer(
            Name=name,
            Subnets=subnet_ids,
            SecurityGroups=[security_group],
            Scheme="internet-facing",
            Type="application",
            IpAddressType="ipv4",
            Tags=workshop.tag_list(),
        )["LoadBalancers"][0]
        action = "created (provisioning; notebook waits for it before creating services)"
    workshop.record(
        "load-balancer",
        type="AWS::ElasticLoadBalancingV2::LoadBalancer",
        name=name,
        arn=balancer["LoadBalancerArn"],
        dns_name=balancer["DNSName"],
    )
    rows.append({"type": "load balancer", "name": name, "arn": balancer["LoadBalancerArn"], "action": action})
    return str(balancer["LoadBalancerArn"])


def ensure_target_group(workshop: Workshop, env: str, vpc_id: str, rows: list[Row]) -> str:
    elbv2 = workshop.client("elbv2")
    name = workshop.names.target_group(env)
    try:
        group = elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]
        _require_ours(workshop, group["TargetGroupArn"], "target group", name)
        action = "exists"
    except elbv2.exceptions.TargetGroupNotFoundException:
        group = elbv2.create_target_group(
            Name=name,
            Protocol="HTTP",
            Port=CONTAINER_PORT,
            VpcId=vpc_id,
            TargetType="ip" if workshop.settings.launch_type == "FARGATE" else "instance",
            HealthCheckProtocol="HTTP",
            HealthCheckPath="/",
            HealthCheckIntervalSeconds=10,
            HealthCheckTimeoutSeconds=5,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=3,
            Matcher={"HttpCode": "200-399"},
            Tags=workshop.tag_list(env),
        )["TargetGroups"][0]
        action = "created"
    elbv2.modify_target_group_attributes(
        TargetGroupArn=group["TargetGroupArn"],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}],
    )
    workshop.record(
        f"target-group/{env}",
        type="AWS::ElasticLoadBalancingV2::TargetGroup",
        name=name,
        arn=group["TargetGroupArn"],
        environment=env,
    )
    rows.append(
        {"type": "target group", "name": name, "arn": group["TargetGroupArn"], "environment": env, "action": action}
    )
    return str(group["TargetGroupArn"])


def ensure_listener(workshop: Workshop, env: str, balancer_arn: str, target_group_arn: str, rows: list[Row]) -> str:
    elbv2 = workshop.client("elbv2")
    port = LISTENER_PORTS[env]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]
    existing = next((item for item in listeners if item["Port"] == port), None)
    if existing is None:
        existing = elbv2.create_listener(
            LoadBalancerArn=balancer_arn,
            Protocol="HTTP",
            Port=port,
            Tags=workshop.tag_list(env),
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group_arn}],
        )["Listeners"][0]
        action = "created"
    else:
        action = "exists"
    workshop.record(
        f"listener/{env}",
        type="AWS::ElasticLoadBalancingV2::Listener",
        name=f"HTTP:{port}",
        arn=existing["ListenerArn"],
        environment=env,
        port=port,
    )
    rows.append(
        {
            "type": "listener",
            "name": f"HTTP:{port} → {workshop.names.target_group(env)}",
            "arn": existing["ListenerArn"],
            "environment": env,
            "action": action,
        }
    )
    return str(existing["ListenerArn"])


def is_ours(workshop: Workshop, arn: str) -> bool:
    """Whether a load balancer, target group or listener carries the workshop's tag."""
    descriptions = workshop.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return bool(descriptions) and workshop.is_ours(normalise_tags(descriptions[0].get("Tags")))


def _require_ours(workshop: Workshop, arn: str, kind: str, name: str) -> None:
    if not is_ours(workshop, arn):
        raise ResourceConflictError(kind, name, workshop.prefix)


def wait_for_load_balancer(workshop: Workshop) -> None:
    """Until the load balancer is active: ECS refuses services whose target group has none yet."""
    arn = workshop.state.resources["load-balancer"]["arn"]
    workshop.client("elbv2").get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[arn], WaiterConfig={"Delay": workshop.timing.waiter_delay, "MaxAttempts": 90}
    )


# -- cleanup ------------------------------------------------------------------------------------------
def find_load_balancers(workshop: Workshop) -> Iterable[Found]:
    elbv2 = workshop.client("elbv2")
    try:
        balancers = elbv2.describe_load_balancers(Names=[workshop.names.load_balancer])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return
    for balancer in balancers:
        arn = balancer["LoadBalancerArn"]
        yield Found("load balancer", balancer["LoadBalancerName"], arn, is_ours(workshop, arn))


def delete_load_balancer(workshop: Workshop, found: Found) -> None:
    elbv2 = workshop.client("elbv2")
    elbv2.delete_load_balancer(LoadBalancerArn=found.ident)
    elbv2.get_waiter("load_balancers_deleted").wait(
        LoadBalancerArns=[found.ident], WaiterConfig={"Delay": workshop.timing.waiter_delay, "MaxAttempts": 60}
    )


def find_target_groups(workshop: Workshop) -> Iterable[Found]:
    elbv2 = workshop.client("elbv2")
    for env in ENVIRONMENTS:
        try:
            groups = elbv2.describe_target_groups(Names=[workshop.names.target_group(env)])["TargetGroups"]
        except elbv2.exceptions.TargetGroupNotFoundException:
            continue
        for group in groups:
            arn = group["TargetGroupArn"]
            yield Found("target group", group["TargetGroupName"], arn, is_ours(workshop, arn))


def delete_target_group(workshop: Workshop, found: Found) -> None:
    elbv2 = workshop.client("elbv2")
    retry_on_codes(
        lambda: elbv2.delete_target_group(TargetGroupArn=found.ident),
        {"ResourceInUse"},
        workshop.timing.target_group_in_use_timeout,
        2,
    )


LOAD_BALANCERS = Kind("load balancers", find_load_balancers, delete_load_balancer)
TARGET_GROUPS = Kind("target groups", find_target_groups, delete_target_group)
