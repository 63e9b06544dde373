"""One Application Load Balancer with a listener and a target group per environment, so each
environment keeps a stable URL; and the ownership check every load-balancing resource shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.context import Row, Workshop, normalise_tags
from ..core.environments import ENVIRONMENTS, LISTENER_PORTS, TEST_LISTENER_PORT
from ..core.errors import ResourceConflictError
from ..core.naming import CONTAINER_PORT
from .base import Entry, Found, Kind, entry_id, retry_on_codes
from .network import recorded_network

_LOAD_BALANCER_KEY = "load-balancer"
_LISTENER = "AWS::ElasticLoadBalancingV2::Listener"


def _target_group_key(env: str) -> str:
    return f"target-group/{env}"


def _listener_key(env: str) -> str:
    return f"listener/{env}"


#: Prod's second target group and its test listener (the advanced module's blue/green deployments).
GREEN_KEY = "target-group/prod-green"
TEST_LISTENER_KEY = "listener/prod-test"


def recorded_dns_name(workshop: Workshop) -> str | None:
    """The load balancer's DNS name as recorded; None before notebook 01 created it."""
    entry = workshop.state.resources.get(_LOAD_BALANCER_KEY)
    return None if entry is None else str(entry.get("dns_name") or "") or None


def recorded_listener_arn(workshop: Workshop, env: str) -> str | None:
    """The ARN of ``env``'s listener as recorded; None before notebook 01 created it."""
    entry = workshop.state.resources.get(_listener_key(env))
    return None if entry is None else entry.get("arn")


def recorded_target_group_arn(workshop: Workshop, env: str) -> str:
    """The ARN of ``env``'s target group as recorded (the services register their tasks in it)."""
    return str(workshop.state.resources[_target_group_key(env)]["arn"])


def ensure(workshop: Workshop) -> list[Row]:
    """The load balancer in the network's subnets, then a target group and a listener per environment."""
    network = recorded_network(workshop)
    balancer = ensure_load_balancer(workshop, network.subnet_ids, network.load_balancer_sg)
    rows = [balancer]
    for env in ENVIRONMENTS:
        target_group = ensure_target_group(workshop, env, network.vpc_id)
        rows += [target_group, ensure_listener(workshop, env, balancer["arn"], target_group["arn"])]
    return rows


def ensure_load_balancer(workshop: Workshop, subnet_ids: list[str], security_group: str) -> Row:
    """Create the internet-facing ALB in ``subnet_ids`` with ``security_group``, or check that the existing one
    is tagged as ours. A new one is still provisioning: ``wait_for_load_balancer`` waits before the services
    need it. The row keeps its ``dns_name``, the host of every environment's URL."""
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
    return LOAD_BALANCERS.record(
        workshop,
        _LOAD_BALANCER_KEY,
        name=name,
        arn=balancer["LoadBalancerArn"],
        action=action,
        dns_name=balancer["DNSName"],
    )


def ensure_target_group(workshop: Workshop, env: str, vpc_id: str, green: bool = False) -> Row:
    """``env``'s HTTP target group on the container port: ``ip`` targets for Fargate tasks, ``instance`` targets
    for EC2. Its deregistration delay is set to 5 s on every run, so a deployment does not wait ELB's 300 s
    default for each old task. ``green``: Prod's second (alternate) group for blue/green deployments."""
    elbv2 = workshop.client("elbv2")
    name = workshop.names.green_target_group if green else workshop.names.target_group(env)
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
    key = GREEN_KEY if green else _target_group_key(env)
    return TARGET_GROUPS.record(workshop, key, name=name, arn=group["TargetGroupArn"], action=action, environment=env)


def ensure_test_listener(workshop: Workshop) -> Row:
    """Prod's test listener on ``TEST_LISTENER_PORT``: it answers 404 until a listener rule (``listener_rules``)
    forwards its requests to the revision under test. An existing listener on that port of the workshop's load
    balancer is the workshop's."""
    elbv2 = workshop.client("elbv2")
    balancer_arn = workshop.state.resources[_LOAD_BALANCER_KEY]["arn"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]
    existing = next((item for item in listeners if item["Port"] == TEST_LISTENER_PORT), None)
    action = "exists"
    if existing is None:
        existing = elbv2.create_listener(
            LoadBalancerArn=balancer_arn,
            Protocol="HTTP",
            Port=TEST_LISTENER_PORT,
            Tags=workshop.tag_list("prod"),
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]
        action = "created"
    return LOAD_BALANCERS.record(
        workshop,
        TEST_LISTENER_KEY,
        type=_LISTENER,
        shown_as="test listener",
        name=f"HTTP:{TEST_LISTENER_PORT}",
        arn=existing["ListenerArn"],
        action=action,
        environment="prod",
        port=TEST_LISTENER_PORT,
    )


def ensure_listener(workshop: Workshop, env: str, balancer_arn: str, target_group_arn: str) -> Row:
    """``env``'s HTTP listener on its own port (``LISTENER_PORTS``), forwarding to ``target_group_arn``. The
    load balancer is the workshop's (checked before), so a listener already on that port is too; one that
    forwards elsewhere (changed by hand in the console) is pointed back at the environment's target group."""
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
    elif _forwards_to(existing) != target_group_arn:
        elbv2.modify_listener(
            ListenerArn=existing["ListenerArn"],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group_arn}],
        )
        action = "updated (it forwarded elsewhere)"
    else:
        action = "exists"
    shown = LOAD_BALANCERS.record(
        workshop,
        _listener_key(env),
        type=_LISTENER,
        shown_as="listener",
        name=f"HTTP:{port}",
        arn=existing["ListenerArn"],
        action=action,
        environment=env,
        port=port,
    )
    return {**shown, "name": f"HTTP:{port} → {workshop.names.target_group(env)}"}  # the row says where it forwards


def _forwards_to(listener: Any) -> str | None:
    """The target group a listener's default action forwards to (None: it redirects, answers, or splits)."""
    actions = listener.get("DefaultActions") or []
    if len(actions) != 1 or actions[0].get("Type") != "forward":
        return None
    groups = actions[0].get("ForwardConfig", {}).get("TargetGroups") or []
    return actions[0].get("TargetGroupArn") or (groups[0]["TargetGroupArn"] if len(groups) == 1 else None)


def is_ours(workshop: Workshop, arn: str) -> bool:
    """Whether a load balancer, target group or listener carries the workshop's tag."""
    descriptions = workshop.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return bool(descriptions) and workshop.is_ours(normalise_tags(descriptions[0].get("Tags")))


def _require_ours(workshop: Workshop, arn: str, kind: str, name: str) -> None:
    if not is_ours(workshop, arn):
        raise ResourceConflictError(kind, name, workshop.prefix)


def wait_for_load_balancer(workshop: Workshop) -> None:
    """Until the load balancer is active: ECS refuses services whose target group has none yet."""
    arn = workshop.state.resources[_LOAD_BALANCER_KEY]["arn"]
    workshop.client("elbv2").get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[arn], WaiterConfig={"Delay": workshop.timing.waiter_delay, "MaxAttempts": 90}
    )


# -- cleanup ------------------------------------------------------------------------------------------
def load_balancers_named(workshop: Workshop) -> list[Any]:
    """The load balancer with the workshop's name (ours or not: its tags say), or none."""
    elbv2 = workshop.client("elbv2")
    try:
        return list(elbv2.describe_load_balancers(Names=[workshop.names.load_balancer])["LoadBalancers"])
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return []


def find_load_balancers(workshop: Workshop) -> Iterable[Found]:
    """The workshop's load balancer by name when it exists; its tags say whether it is ours."""
    for balancer in load_balancers_named(workshop):
        arn = balancer["LoadBalancerArn"]
        yield Found("load balancer", balancer["LoadBalancerName"], arn, is_ours(workshop, arn))


def delete_load_balancer(workshop: Workshop, found: Found) -> None:
    """Delete the load balancer and wait here until ELB reports it gone (this kind has no ``settle``); a
    wait that runs out raises botocore's WaiterError."""
    elbv2 = workshop.client("elbv2")
    elbv2.delete_load_balancer(LoadBalancerArn=found.ident)
    elbv2.get_waiter("load_balancers_deleted").wait(
        LoadBalancerArns=[found.ident], WaiterConfig={"Delay": workshop.timing.waiter_delay, "MaxAttempts": 60}
    )


def find_target_groups(workshop: Workshop) -> Iterable[Found]:
    """The environments' target groups (and Prod's green one) that exist, with their tags read to tell ours."""
    elbv2 = workshop.client("elbv2")
    names = [workshop.names.target_group(env) for env in ENVIRONMENTS] + [workshop.names.green_target_group]
    for name in names:
        try:
            groups = elbv2.describe_target_groups(Names=[name])["TargetGroups"]
        except elbv2.exceptions.TargetGroupNotFoundException:
            continue
        for group in groups:
            arn = group["TargetGroupArn"]
            yield Found("target group", group["TargetGroupName"], arn, is_ours(workshop, arn))


def delete_target_group(workshop: Workshop, found: Found) -> None:
    """Delete the group, retried while ELB answers ResourceInUse: it stays in use until the listeners that
    forward to it have gone with their load balancer."""
    elbv2 = workshop.client("elbv2")
    retry_on_codes(
        lambda: elbv2.delete_target_group(TargetGroupArn=found.ident),
        {"ResourceInUse"},
        workshop.timing.target_group_in_use_timeout,
        2,
    )


def load_balancer_part_exists(workshop: Workshop, entry: Entry) -> bool:
    """The load balancer, or one of its listeners (deleted with it)."""
    elbv2 = workshop.client("elbv2")
    try:
        if entry.get("type") == _LISTENER:
            elbv2.describe_listeners(ListenerArns=[entry_id(entry)])
        else:
            elbv2.describe_load_balancers(LoadBalancerArns=[entry_id(entry)])
    except (elbv2.exceptions.ListenerNotFoundException, elbv2.exceptions.LoadBalancerNotFoundException):
        return False
    return True


def target_group_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded ARN; only TargetGroupNotFound means gone."""
    elbv2 = workshop.client("elbv2")
    try:
        elbv2.describe_target_groups(TargetGroupArns=[entry_id(entry)])
    except elbv2.exceptions.TargetGroupNotFoundException:
        return False
    return True


#: The load balancer; its ensure also makes the target groups and a listener per environment.
LOAD_BALANCERS = Kind(
    "load balancers",
    find_load_balancers,
    delete_load_balancer,
    cfn_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
    part_types=(_LISTENER,),
    noun="load balancer",
    ensure=ensure,
    exists=load_balancer_part_exists,
)
TARGET_GROUPS = Kind(
    "target groups",
    find_target_groups,
    delete_target_group,
    cfn_type="AWS::ElasticLoadBalancingV2::TargetGroup",
    noun="target group",
    exists=target_group_exists,
)
