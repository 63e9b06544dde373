"""Networking: the default VPC's public subnets when the account has one (a shared workshop account
would otherwise hit the VPC quota), else a small VPC; security groups; and one Application Load
Balancer with a listener per environment, so each environment keeps a stable URL."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..context import Workshop
from ..errors import ResourceConflictError
from ..naming import CONTAINER_PORT, ENVIRONMENTS, LISTENER_PORTS

VPC_CIDR = "10.215.0.0/16"
SUBNET_CIDRS = ("10.215.10.0/24", "10.215.20.0/24")
EPHEMERAL_PORTS = (32768, 65535)  # dynamic host ports of EC2 bridge-mode tasks


def ensure_network(workshop: Workshop) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    vpc_id, subnet_ids = ensure_vpc(workshop, rows)
    names = workshop.names
    listener_ports = sorted(set(LISTENER_PORTS.values()))
    alb_sg = ensure_security_group(
        workshop,
        names.load_balancer_security_group,
        vpc_id,
        "Workshop load balancer: HTTP from anywhere",
        [
            {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            for p in listener_ports
        ],
        "security-group/load-balancer",
        rows,
    )
    task_ports = (CONTAINER_PORT, CONTAINER_PORT) if workshop.settings.launch_type == "FARGATE" else EPHEMERAL_PORTS
    tasks_sg = ensure_security_group(
        workshop,
        names.tasks_security_group,
        vpc_id,
        "Workshop tasks: traffic from the load balancer only",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": task_ports[0],
                "ToPort": task_ports[1],
                "UserIdGroupPairs": [{"GroupId": alb_sg}],
            }
        ],
        "security-group/tasks",
        rows,
    )
    workshop.state.extra["network"] = {
        "vpc_id": vpc_id,
        "subnet_ids": subnet_ids,
        "load_balancer_sg": alb_sg,
        "tasks_sg": tasks_sg,
    }
    workshop.state.save()
    balancer_arn = ensure_load_balancer(workshop, subnet_ids, alb_sg, rows)
    for env in ENVIRONMENTS:
        target_group_arn = ensure_target_group(workshop, env, vpc_id, rows)
        ensure_listener(workshop, env, balancer_arn, target_group_arn, rows)
    return rows


def ensure_vpc(workshop: Workshop, rows: list[dict[str, str]]) -> tuple[str, list[str]]:
    ec2 = workshop.client("ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if default:
        vpc_id = default[0]["VpcId"]
        subnets = ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default-for-az", "Values": ["true"]}]
        )["Subnets"]
        by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])}
        if len(by_zone) >= 2:
            rows.append({"type": "VPC (default, shared)", "name": vpc_id, "arn": "", "action": "used"})
            return vpc_id, list(by_zone.values())[:3]
    return _ensure_workshop_vpc(workshop, rows)


def _ensure_workshop_vpc(workshop: Workshop, rows: list[dict[str, str]]) -> tuple[str, list[str]]:
    ec2 = workshop.client("ec2")
    tag_filter = [{"Name": "tag:workshop:prefix", "Values": [workshop.prefix]}]
    existing = ec2.describe_vpcs(Filters=tag_filter)["Vpcs"]
    if existing:
        vpc_id = existing[0]["VpcId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, *tag_filter])["Subnets"]
        rows.append({"type": "VPC", "name": vpc_id, "arn": "", "action": "exists"})
        return vpc_id, sorted(s["SubnetId"] for s in subnets)

    def name_tags(kind):
        return [
            {
                "ResourceType": kind,
                "Tags": [*workshop.tag_list(), {"Key": "Name", "Value": workshop.names.vpc}],
            }
        ]

    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=name_tags("vpc"))["Vpc"]["VpcId"]
    workshop.record("vpc", type="AWS::EC2::VPC", name=vpc_id, arn=vpc_id)
    ec2.get_waiter("vpc_available").wait(VpcIds=[vpc_id], WaiterConfig={"Delay": 2, "MaxAttempts": 30})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    zones = [
        z["ZoneName"]
        for z in ec2.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])[
            "AvailabilityZones"
        ]
    ][:2]
    igw = ec2.create_internet_gateway(TagSpecifications=name_tags("internet-gateway"))["InternetGateway"]
    workshop.record(
        "internet-gateway",
        type="AWS::EC2::InternetGateway",
        name=igw["InternetGatewayId"],
        arn=igw["InternetGatewayId"],
        vpc_id=vpc_id,
    )
    ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
    table = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=name_tags("route-table"))["RouteTable"]
    workshop.record("route-table", type="AWS::EC2::RouteTable", name=table["RouteTableId"], arn=table["RouteTableId"])
    ec2.create_route(
        RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw["InternetGatewayId"]
    )
    subnet_ids = []
    for index, (zone, cidr) in enumerate(zip(zones, SUBNET_CIDRS, strict=False)):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=name_tags("subnet")
        )["Subnet"]
        workshop.record(f"subnet/{index}", type="AWS::EC2::Subnet", name=subnet["SubnetId"], arn=subnet["SubnetId"])
        ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
        ec2.associate_route_table(RouteTableId=table["RouteTableId"], SubnetId=subnet["SubnetId"])
        subnet_ids.append(subnet["SubnetId"])
    rows.append({"type": "VPC", "name": vpc_id, "arn": "", "action": "created (no default VPC)"})
    return vpc_id, subnet_ids


def ensure_security_group(
    workshop: Workshop,
    name: str,
    vpc_id: str,
    description: str,
    ingress: list[dict[str, Any]],
    key: str,
    rows: list[dict[str, str]],
) -> str:
    ec2 = workshop.client("ec2")
    found = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [name]}, {"Name": "vpc-id", "Values": [vpc_id]}]
    )["SecurityGroups"]
    if found:
        group = found[0]
        if not workshop.is_ours(group.get("Tags")):
            raise ResourceConflictError("security group", name, workshop.prefix)
        group_id, action = group["GroupId"], "exists"
    else:
        group_id = ec2.create_security_group(
            GroupName=name,
            Description=description,
            VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": workshop.tag_list()}],
        )["GroupId"]
        group, action = {"IpPermissions": []}, "created"
    workshop.record(key, type="AWS::EC2::SecurityGroup", name=name, arn=group_id)
    missing = [rule for rule in ingress if not _has_rule(group.get("IpPermissions", []), rule)]
    if missing:
        try:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=missing)
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidPermission.Duplicate":
                raise
    rows.append({"type": "security group", "name": name, "arn": group_id, "action": action})
    return str(group_id)


def _has_rule(existing: list[dict[str, Any]], rule: dict[str, Any]) -> bool:
    for permission in existing:
        if (permission.get("IpProtocol"), permission.get("FromPort"), permission.get("ToPort")) != (
            rule["IpProtocol"],
            rule["FromPort"],
            rule["ToPort"],
        ):
            continue
        cidrs = {r.get("CidrIp") for r in permission.get("IpRanges", [])}
        groups = {p.get("GroupId") for p in permission.get("UserIdGroupPairs", [])}
        if all(r["CidrIp"] in cidrs for r in rule.get("IpRanges", [])) and all(
            p["GroupId"] in groups for p in rule.get("UserIdGroupPairs", [])
        ):
            return True
    return False


def ensure_load_balancer(
    workshop: Workshop, subnet_ids: list[str], security_group: str, rows: list[dict[str, str]]
) -> str:
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


def ensure_target_group(workshop: Workshop, env: str, vpc_id: str, rows: list[dict[str, str]]) -> str:
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


def ensure_listener(
    workshop: Workshop, env: str, balancer_arn: str, target_group_arn: str, rows: list[dict[str, str]]
) -> str:
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


def _require_ours(workshop: Workshop, arn: str, kind: str, name: str) -> None:
    descriptions = workshop.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
    if not descriptions or not workshop.is_ours(descriptions[0].get("Tags")):
        raise ResourceConflictError(kind, name, workshop.prefix)
