"""Networking: the default VPC's public subnets when the account has one (a shared workshop account
would otherwise hit the VPC quota), else a small VPC of the workshop's own; and the two security
groups (load balancer, tasks). Cleanup deletes the groups and the workshop's own VPC, never the
default VPC."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..core.aws_errors import error_code
from ..core.context import Row, Workshop, row
from ..core.environments import LISTENER_PORTS
from ..core.errors import ResourceConflictError, WorkshopError
from ..core.naming import CONTAINER_PORT
from .base import Entry, Found, Kind, entry_id, retry_on_codes

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import FilterTypeDef, IpPermissionOutputTypeDef, IpPermissionTypeDef

VPC_CIDR = "10.215.0.0/16"
SUBNET_CIDRS = ("10.215.10.0/24", "10.215.20.0/24")
EPHEMERAL_PORTS = (32768, 65535)  # dynamic host ports of EC2 bridge-mode tasks
_NETWORK_KEY = "network"  # in the state file's top level, beside "resources"
_VPC, _SUBNET = "AWS::EC2::VPC", "AWS::EC2::Subnet"
_GATEWAY, _ROUTE_TABLE = "AWS::EC2::InternetGateway", "AWS::EC2::RouteTable"


@dataclass(frozen=True)
class Network:
    """What ``ensure`` chose: the load balancer, the instances and the Fargate tasks use it."""

    vpc_id: str
    subnet_ids: list[str]
    load_balancer_sg: str
    tasks_sg: str


def recorded_network(workshop: Workshop) -> Network:
    """The network ``ensure`` saved in the state file; a clear error when notebook 01 has not got there."""
    saved = workshop.state.extra.get(_NETWORK_KEY)
    if not saved:
        raise WorkshopError("The workshop has no network yet: run notebook 01's ensure_network step first.")
    return Network(**saved)


def forget_network(workshop: Workshop) -> None:
    """After cleanup: the next run chooses (or creates) the network again."""
    workshop.state.extra.pop(_NETWORK_KEY, None)


def ensure(workshop: Workshop) -> list[Row]:
    """The VPC and subnets to use, and both security groups; saved in the state (``recorded_network``)."""
    rows, vpc_id, subnet_ids = ensure_vpc(workshop)
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
                "UserIdGroupPairs": [{"GroupId": alb_sg["arn"]}],
            }
        ],
        "security-group/tasks",
    )
    network = Network(vpc_id, subnet_ids, alb_sg["arn"], tasks_sg["arn"])
    workshop.state.extra[_NETWORK_KEY] = asdict(network)
    workshop.state.save()
    return [*rows, alb_sg, tasks_sg]


def open_listener_port(workshop: Workshop, port: int) -> Row:
    """The load balancer's security group, with HTTP from anywhere on ``port`` too (the advanced module's test
    listener). Rules it has stay; only a missing one is added."""
    network = recorded_network(workshop)
    rule: IpPermissionTypeDef = {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
    return ensure_security_group(
        workshop,
        workshop.names.load_balancer_security_group,
        network.vpc_id,
        "Workshop load balancer: HTTP from anywhere",
        [rule],
        "security-group/load-balancer",
    )


def ensure_vpc(workshop: Workshop) -> tuple[list[Row], str, list[str]]:
    """The rows, the VPC and its subnets: the default VPC's when it has two or more zones, else our own."""
    ec2 = workshop.client("ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if default:
        vpc_id = default[0]["VpcId"]
        subnets = ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default-for-az", "Values": ["true"]}]
        )["Subnets"]
        by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])}
        if len(by_zone) >= 2:
            return [row("VPC (default, shared)", vpc_id, "", "used")], vpc_id, list(by_zone.values())[:3]
    return _ensure_workshop_vpc(workshop)


def _ensure_workshop_vpc(workshop: Workshop) -> tuple[list[Row], str, list[str]]:
    ec2 = workshop.client("ec2")
    tag_filter: list[FilterTypeDef] = [{"Name": "tag:workshop:prefix", "Values": [workshop.prefix]}]
    existing = ec2.describe_vpcs(Filters=tag_filter)["Vpcs"]
    if existing:
        vpc_id = existing[0]["VpcId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, *tag_filter])["Subnets"]
        return [row("VPC", vpc_id, "", "exists")], vpc_id, sorted(s["SubnetId"] for s in subnets)

    def name_tags(kind: Any) -> Any:
        return [
            {
                "ResourceType": kind,
                "Tags": [*workshop.tag_list(), {"Key": "Name", "Value": workshop.names.vpc}],
            }
        ]

    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=name_tags("vpc"))["Vpc"]["VpcId"]
    VPCS.record(workshop, "vpc", name=vpc_id, arn=vpc_id)
    ec2.get_waiter("vpc_available").wait(
        VpcIds=[vpc_id], WaiterConfig={"Delay": workshop.timing.waiter_delay, "MaxAttempts": 30}
    )
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    zones = availability_zones(workshop)[:2]
    igw = ec2.create_internet_gateway(TagSpecifications=name_tags("internet-gateway"))["InternetGateway"]
    igw_id = igw["InternetGatewayId"]
    VPCS.record(workshop, "internet-gateway", type=_GATEWAY, name=igw_id, arn=igw_id, vpc_id=vpc_id)
    ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
    table = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=name_tags("route-table"))["RouteTable"]
    VPCS.record(workshop, "route-table", type=_ROUTE_TABLE, name=table["RouteTableId"], arn=table["RouteTableId"])
    ec2.create_route(
        RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw["InternetGatewayId"]
    )
    subnet_ids = []
    for index, (zone, cidr) in enumerate(zip(zones, SUBNET_CIDRS, strict=False)):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=name_tags("subnet")
        )["Subnet"]
        VPCS.record(workshop, f"subnet/{index}", type=_SUBNET, name=subnet["SubnetId"], arn=subnet["SubnetId"])
        ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
        ec2.associate_route_table(RouteTableId=table["RouteTableId"], SubnetId=subnet["SubnetId"])
        subnet_ids.append(subnet["SubnetId"])
    return [row("VPC", vpc_id, "", "created (no default VPC)")], vpc_id, subnet_ids


def availability_zones(workshop: Workshop) -> list[str]:
    """The region's available Availability Zones by name. The answer also lists the Local and
    Wavelength Zones the account opted into, in no set order; subnets for the load balancer and
    Fargate must be in real Availability Zones."""
    zones = workshop.client("ec2").describe_availability_zones(
        Filters=[
            {"Name": "state", "Values": ["available"]},
            {"Name": "zone-type", "Values": ["availability-zone"]},
        ]
    )["AvailabilityZones"]
    return sorted(z["ZoneName"] for z in zones)


def ensure_security_group(
    workshop: Workshop,
    name: str,
    vpc_id: str,
    description: str,
    ingress: list[IpPermissionTypeDef],
    key: str,
) -> Row:
    """The group (created, or checked to be ours) with every rule of ``ingress``; its row's ``arn`` is its id."""
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
    recorded = SECURITY_GROUPS.record(workshop, key, name=name, arn=group_id, action=action)
    missing = [rule for rule in ingress if not _has_rule(group.get("IpPermissions", []), rule)]
    if missing:
        try:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=missing)
        except ClientError as error:
            if error_code(error) != "InvalidPermission.Duplicate":
                raise
    return recorded


def _has_rule(existing: Sequence[IpPermissionOutputTypeDef], rule: IpPermissionTypeDef) -> bool:
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


# -- cleanup ------------------------------------------------------------------------------------------
def find_security_groups(workshop: Workshop) -> Iterable[Found]:
    """The two security groups by name, the tasks' first: its rule references the load balancer's group, so
    that one is deleted second."""
    ec2 = workshop.client("ec2")
    names = [workshop.names.tasks_security_group, workshop.names.load_balancer_security_group]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": names}])["SecurityGroups"]
    for group in sorted(groups, key=lambda g: names.index(g["GroupName"])):
        yield Found("security group", group["GroupName"], group["GroupId"], workshop.is_ours(group.get("Tags")))


def delete_security_group(workshop: Workshop, found: Found) -> None:
    """Revoke the rules of our other groups that reference this one, then delete it, retried on
    DependencyViolation while network interfaces (stopped Fargate tasks, the load balancer) linger. A
    rule in a group that is not ours is left alone, and the delete then fails once the retries run out."""
    ec2 = workshop.client("ec2")
    referencing = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.group-id", "Values": [found.ident]}])
    for other in referencing["SecurityGroups"]:  # drop rules that point at this group, so it can go
        rules = [
            p for p in other["IpPermissions"] if any(u["GroupId"] == found.ident for u in p.get("UserIdGroupPairs", []))
        ]
        if rules and workshop.is_ours(other.get("Tags")):
            ec2.revoke_security_group_ingress(GroupId=other["GroupId"], IpPermissions=rules)
    # Fargate tasks' network interfaces linger for a few minutes after the tasks stop.
    timing = workshop.timing
    retry_on_codes(
        lambda: ec2.delete_security_group(GroupId=found.ident),
        {"DependencyViolation"},
        timing.security_group_in_use_timeout,
        2,
    )


def find_vpcs(workshop: Workshop) -> Iterable[Found]:
    """VPCs tagged with the workshop's prefix: only a VPC the kit created carries the tag, so the account's
    default VPC is never a candidate."""
    ec2 = workshop.client("ec2")
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "tag:workshop:prefix", "Values": [workshop.prefix]}])["Vpcs"]:
        yield Found("VPC", vpc["VpcId"], vpc["VpcId"], True)


def delete_vpc(workshop: Workshop, found: Found) -> None:
    """Take the workshop's VPC apart in the order EC2 requires: its subnets (retried while interfaces linger),
    the internet gateway (detached first), the route tables other than the main one, then the VPC, which
    takes its main route table and default security group with it."""
    ec2 = workshop.client("ec2")
    timeout = workshop.timing.security_group_in_use_timeout
    vpc_filter: list[FilterTypeDef] = [{"Name": "vpc-id", "Values": [found.ident]}]
    for subnet in ec2.describe_subnets(Filters=vpc_filter)["Subnets"]:
        _delete_subnet(workshop, subnet["SubnetId"], timeout)
    gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [found.ident]}])
    for gateway in gateways["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=found.ident)
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    for table in ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]:
        if not any(a.get("Main") for a in table.get("Associations", [])):
            for association in table.get("Associations", []):
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=table["RouteTableId"])
    ec2.delete_vpc(VpcId=found.ident)


def _delete_subnet(workshop: Workshop, subnet_id: str, timeout: float) -> None:
    ec2 = workshop.client("ec2")
    retry_on_codes(lambda: ec2.delete_subnet(SubnetId=subnet_id), {"DependencyViolation"}, timeout, 2)


# -- presence -----------------------------------------------------------------------------------------
def vpc_part_exists(workshop: Workshop, entry: Entry) -> bool:
    """The VPC, or one of the parts ensure created with it (deleted with it too)."""
    ec2 = workshop.client("ec2")
    ident = [entry_id(entry)]
    kind = entry.get("type")
    if kind == _SUBNET:
        return bool(ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": ident}])["Subnets"])
    if kind == _GATEWAY:
        gateways = ec2.describe_internet_gateways(Filters=[{"Name": "internet-gateway-id", "Values": ident}])
        return bool(gateways["InternetGateways"])
    if kind == _ROUTE_TABLE:
        return bool(ec2.describe_route_tables(Filters=[{"Name": "route-table-id", "Values": ident}])["RouteTables"])
    return bool(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": ident}])["Vpcs"])


def security_group_exists(workshop: Workshop, entry: Entry) -> bool:
    """By id through a filter, which answers an empty list for a deleted group where GroupIds would raise
    InvalidGroup.NotFound."""
    groups = workshop.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-id", "Values": [entry_id(entry)]}]
    )
    return bool(groups["SecurityGroups"])


SECURITY_GROUPS = Kind(
    "security groups",
    find_security_groups,
    delete_security_group,
    cfn_type="AWS::EC2::SecurityGroup",
    noun="security group",
    exists=security_group_exists,
)
#: The workshop's own VPC (never the default one); its ensure also makes both security groups, and saves
#: the network's ids outside the resources (``recorded_network``).
VPCS = Kind(
    "VPCs",
    find_vpcs,
    delete_vpc,
    cfn_type=_VPC,
    part_types=(_SUBNET, _GATEWAY, _ROUTE_TABLE),
    noun="VPC",
    ensure=ensure,
    exists=vpc_part_exists,
    forget=forget_network,
)
