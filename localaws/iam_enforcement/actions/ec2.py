"""The EC2 console's rows: EC2 itself (a change is evaluated on each resource's ARN with its tags as
``aws:ResourceTag/…``, a create on ``type/*`` with the request's tags), Elastic Load Balancing and Auto Scaling.
A load balancer's or target group's id is not known before it is made: a create is evaluated with ``*`` for it."""

from __future__ import annotations

from moto.ec2.models import ec2_backends

from .request import UNSCOPED, Check, Context, NotInTable, Request, query_tags, tags_context

#: EC2 IDs by their prefix: the resource type in the ARN.
_EC2_TYPES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "igw": "internet-gateway",
    "rtb": "route-table",
    "lt": "launch-template",
    "i": "instance",
}
#: Create operations and the type of what they make (evaluated as ``type/*`` with the request's tags).
_EC2_CREATES = {
    "CreateVpc": "vpc",
    "CreateSubnet": "subnet",
    "CreateSecurityGroup": "security-group",
    "CreateInternetGateway": "internet-gateway",
    "CreateRouteTable": "route-table",
    "CreateLaunchTemplate": "launch-template",
}
#: The parameters that name the resources an operation acts on.
_EC2_TARGETS: dict[str, tuple[str, ...]] = {
    "AssociateRouteTable": ("RouteTableId", "SubnetId"),
    "AttachInternetGateway": ("InternetGatewayId", "VpcId"),
    "DetachInternetGateway": ("InternetGatewayId", "VpcId"),
    "AuthorizeSecurityGroupIngress": ("GroupId",),
    "RevokeSecurityGroupIngress": ("GroupId",),
    "DeleteSecurityGroup": ("GroupId",),
    "CreateRoute": ("RouteTableId",),
    "DeleteRouteTable": ("RouteTableId",),
    "DeleteSubnet": ("SubnetId",),
    "ModifySubnetAttribute": ("SubnetId",),
    "DeleteVpc": ("VpcId",),
    "ModifyVpcAttribute": ("VpcId",),
    "DeleteInternetGateway": ("InternetGatewayId",),
    "DeleteLaunchTemplate": ("LaunchTemplateId",),
    "DisassociateRouteTable": ("AssociationId",),
    "TerminateInstances": ("InstanceId.1",),
}


def _ec2_create(r: Request) -> list[Check]:
    pairs = query_tags(r, "TagSpecification.")
    made = r.checks([r.arn("ec2", f"{_EC2_CREATES[r.operation]}/*")], tags_context(pairs))
    if pairs:
        made.append(("ec2:CreateTags", made[0][1], {**tags_context(pairs), "ec2:CreateAction": r.operation}))
    return made


def ec2(r: Request) -> list[Check]:
    """EC2's row: Describe* unscoped; a create on ``TYPE/*`` with the request's tags (and ``ec2:CreateTags`` with
    ``ec2:CreateAction`` when it tags); an operation of ``_EC2_TARGETS`` on each resource it names, with that
    resource's tags as ``aws:ResourceTag/…`` (``*`` when it names none); any other is ``NotInTable``."""
    op = r.operation
    if op.startswith("Describe"):
        return r.checks([UNSCOPED])
    if op in _EC2_CREATES:
        return _ec2_create(r)
    if op not in _EC2_TARGETS:
        raise NotInTable(r.action)
    found: list[Check] = []
    backend = ec2_backends[r.account][r.region]
    for name in _EC2_TARGETS[op]:
        ids = [v for k, v in r.query(name).items() if k == name or k.startswith(name.removesuffix(".1") + ".")]
        if op == "DeleteLaunchTemplate" and not ids and r.param("LaunchTemplateName"):
            template = next(
                (t for t in backend.launch_templates.values() if t.name == r.param("LaunchTemplateName")), None
            )
            ids = [t.id for t in [template] if t is not None]
        if name == "AssociationId":  # DisassociateRouteTable: the route table the association belongs to
            tables = backend.route_tables.values()
            ids = [t.id for t in tables for i in ids if i in getattr(t, "all_associations_ids", ())]
        for resource_id in ids:
            kind = _EC2_TYPES.get(resource_id.split("-")[0], resource_id.split("-")[0])
            tags = backend.tags.get(resource_id, {})
            context: Context = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
            found.append((r.action, r.arn("ec2", f"{kind}/{resource_id}"), context))
    return found or r.checks([UNSCOPED])


def elbv2(r: Request) -> list[Check]:
    """Elastic Load Balancing's row: a create on the ARN the new resource will have, ``*`` for its id not yet known (and
    ``elasticloadbalancing:AddTags`` when it carries tags), a change on the ARN it names, Describe* unscoped. A load
    balancer is always taken for an Application Load Balancer (``loadbalancer/app/``)."""
    op = r.operation
    tags = query_tags(r, "Tags.member.")
    if op.startswith("Describe"):
        return r.checks([UNSCOPED])
    if op == "CreateLoadBalancer":
        arn = r.arn("elasticloadbalancing", f"loadbalancer/app/{r.param('Name')}/*")
    elif op == "CreateTargetGroup":
        arn = r.arn("elasticloadbalancing", f"targetgroup/{r.param('Name')}/*")
    elif op == "CreateListener":
        arn = str(r.param("LoadBalancerArn")).replace(":loadbalancer/", ":listener/") + "/*"
    elif op == "DeleteLoadBalancer":
        arn = str(r.param("LoadBalancerArn"))
    elif op in ("DeleteTargetGroup", "ModifyTargetGroupAttributes", "RegisterTargets", "DeregisterTargets"):
        arn = str(r.param("TargetGroupArn"))
    elif op in ("DeleteListener", "ModifyListener", "CreateRule"):
        arn = str(r.param("ListenerArn"))
    elif op in ("DeleteRule", "ModifyRule"):
        arn = str(r.param("RuleArn"))
    else:
        raise NotInTable(r.action)
    found = r.checks([arn], tags_context(tags))
    if op.startswith("Create") and tags:
        # A new rule is tagged on its own ARN (listener-rule/app/<lb>/<id>/<listener id>/<rule id>).
        tagged = arn.replace(":listener/", ":listener-rule/") + "/*" if op == "CreateRule" else arn
        found.append(("elasticloadbalancing:AddTags", tagged, tags_context(tags)))
    return found


def autoscaling(r: Request) -> list[Check]:
    """Auto Scaling's row: a group's ARN with ``*`` for the group id, which a caller cannot know
    (``autoScalingGroup:*:autoScalingGroupName/NAME``), plus ``autoscaling:CreateOrUpdateTags`` for a create with
    tags; Describe* unscoped."""
    if r.operation.startswith("Describe"):
        return r.checks([UNSCOPED])
    name = r.param("AutoScalingGroupName")
    if name is None:
        raise NotInTable(r.action)
    tags = query_tags(r, "Tags.member.")
    arn = r.arn("autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{name}")
    found = r.checks([arn], tags_context(tags))
    if r.operation == "CreateAutoScalingGroup" and tags:
        found.append(("autoscaling:CreateOrUpdateTags", arn, tags_context(tags)))
    return found
