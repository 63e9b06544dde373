"""Delete everything the workshop created, in dependency order, then prove nothing is left.

Each kind of resource knows how to find the workshop's candidates (by the names the kit derives
and the ARNs it recorded) and how to delete one. A candidate is deleted only when it carries the
tag ``workshop:prefix=<prefix>``; a resource with a kit name but not that tag is left alone and
reported. Not-found is success, so cleanup can run any number of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from .context import Workshop, normalise_tags
from .naming import ENVIRONMENTS
from .ui_table import StatusTable


@dataclass
class Found:
    kind: str
    name: str
    ident: str  # what the delete call needs (ARN, id or name)
    ours: bool
    extra: dict[str, Any] | None = None


@dataclass
class Kind:
    label: str
    find: Callable[[Workshop], Iterable[Found]]
    delete: Callable[[Workshop, Found], None]


_GONE = {
    "NoSuchEntity",
    "NoSuchBucket",
    "NotFound",
    "NotFoundException",
    "ResourceNotFoundException",
    "RepositoryNotFoundException",
    "RepositoryDoesNotExistException",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "LoadBalancerNotFound",
    "TargetGroupNotFound",
    "InvalidGroup.NotFound",
    "InvalidLaunchTemplateName.NotFoundException",
    "InvalidLaunchTemplateId.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidRouteTableID.NotFound",
    "ValidationError",
}


def _gone(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in _GONE


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


# -- stacks, pipelines and builds -------------------------------------------------------------------
def _recorded(workshop: Workshop, kind: str, name: str) -> bool:
    return any(v["type"] == kind and v["name"] == name for v in workshop.state.resources.values())


def _find_stacks(workshop: Workshop) -> Iterable[Found]:
    cfn = workshop.client("cloudformation")
    for purpose in ("pipelines", "build-container-image", "build-nodejs"):
        name = workshop.names.stack(purpose)
        try:
            stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError:
            continue
        if stack["StackStatus"] != "DELETE_COMPLETE":
            yield Found("CloudFormation stack", name, stack["StackId"], workshop.is_ours(stack.get("Tags")))


def _delete_stack(workshop: Workshop, found: Found) -> None:
    cfn = workshop.client("cloudformation")
    cfn.delete_stack(StackName=found.ident)
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=found.ident, WaiterConfig={"Delay": 1 if workshop.on_sandbox else 10, "MaxAttempts": 180}
    )


def _find_pipelines(workshop: Workshop) -> Iterable[Found]:
    codepipeline = workshop.client("codepipeline")
    for env in ENVIRONMENTS:
        name = workshop.names.pipeline(env)
        try:
            arn = codepipeline.get_pipeline(name=name)["metadata"]["pipelineArn"]
        except ClientError:
            continue
        tags = codepipeline.list_tags_for_resource(resourceArn=arn)["tags"]
        yield Found("CodePipeline pipeline", name, name, workshop.is_ours(tags))


def _delete_pipeline(workshop: Workshop, found: Found) -> None:
    workshop.client("codepipeline").delete_pipeline(name=found.ident)


def _find_rules(workshop: Workshop) -> Iterable[Found]:
    events = workshop.client("events")
    for env in ENVIRONMENTS:
        name = workshop.names.pipeline(env)
        try:
            rule = events.describe_rule(Name=name)
        except ClientError:
            continue
        tags = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
        yield Found(
            "EventBridge rule", name, name, workshop.is_ours(tags) or _recorded(workshop, "AWS::Events::Rule", name)
        )


def _delete_rule(workshop: Workshop, found: Found) -> None:
    events = workshop.client("events")
    targets = [t["Id"] for t in events.list_targets_by_rule(Rule=found.ident)["Targets"]]
    if targets:
        events.remove_targets(Rule=found.ident, Ids=targets)
    events.delete_rule(Name=found.ident)


def _find_build_projects(workshop: Workshop) -> Iterable[Found]:
    codebuild = workshop.client("codebuild")
    names = [workshop.names.nodejs_project, workshop.names.container_image_project]
    for project in codebuild.batch_get_projects(names=names)["projects"]:
        yield Found("CodeBuild project", project["name"], project["name"], workshop.is_ours(project.get("tags")))


def _delete_build_project(workshop: Workshop, found: Found) -> None:
    workshop.client("codebuild").delete_project(name=found.ident)


def _find_build_log_groups(workshop: Workshop) -> Iterable[Found]:
    logs = workshop.client("logs")
    for project in (workshop.names.nodejs_project, workshop.names.container_image_project):
        name = f"/aws/codebuild/{project}"
        for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]:
            if group["logGroupName"] == name:
                tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
                yield Found(
                    "log group", name, name, workshop.is_ours(tags) or _recorded(workshop, "AWS::Logs::LogGroup", name)
                )


# -- ECS -------------------------------------------------------------------------------------------
def _find_services(workshop: Workshop) -> Iterable[Found]:
    ecs = workshop.client("ecs")
    for env in ENVIRONMENTS:
        cluster, name = workshop.names.cluster(env), workshop.names.service(env)
        try:
            services = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"]
        except ClientError as error:
            if _gone(error):
                continue
            raise
        for service in services:
            if service["status"] != "INACTIVE":
                yield Found(
                    "ECS service",
                    f"{cluster}/{name}",
                    service["serviceArn"],
                    workshop.is_ours(service.get("tags")),
                    {"cluster": cluster},
                )


def _delete_service(workshop: Workshop, found: Found) -> None:
    ecs = workshop.client("ecs")
    cluster = (found.extra or {})["cluster"]
    ecs.update_service(cluster=cluster, service=found.ident, desiredCount=0)
    ecs.delete_service(cluster=cluster, service=found.ident, force=True)
    if not workshop.on_sandbox:
        ecs.get_waiter("services_inactive").wait(
            cluster=cluster, services=[found.ident], WaiterConfig={"Delay": 10, "MaxAttempts": 60}
        )


def _find_task_definitions(workshop: Workshop) -> Iterable[Found]:
    ecs = workshop.client("ecs")
    recorded = {v["name"] for v in workshop.state.resources.values() if v["type"] == "AWS::ECS::TaskDefinition"}
    for env in ENVIRONMENTS:
        family = workshop.names.task_family(env)
        arns = [
            a
            for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
            for a in page["taskDefinitionArns"]
            if a.split("/")[-1].rsplit(":", 1)[0] == family
        ]
        if not arns:
            continue
        ours = family in recorded or workshop.is_ours(
            ecs.describe_task_definition(taskDefinition=arns[0], include=["TAGS"]).get("tags")
        )
        for arn in arns:
            yield Found("ECS task definition", arn.split("/")[-1], arn, ours)


def _delete_task_definition(workshop: Workshop, found: Found) -> None:
    ecs = workshop.client("ecs")
    ecs.deregister_task_definition(taskDefinition=found.ident)
    try:
        ecs.delete_task_definitions(taskDefinitions=[found.ident])
    except (ClientError, NotImplementedError):
        pass  # deregistered revisions are inert; AWS deletes them when asked, moto may not know how


def _find_auto_scaling_groups(workshop: Workshop) -> Iterable[Found]:
    autoscaling = workshop.client("autoscaling")
    names = [workshop.names.auto_scaling_group(env) for env in ENVIRONMENTS]
    for group in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=names)["AutoScalingGroups"]:
        yield Found(
            "Auto Scaling group",
            group["AutoScalingGroupName"],
            group["AutoScalingGroupName"],
            workshop.is_ours(group.get("Tags")),
        )


def _delete_auto_scaling_group(workshop: Workshop, found: Found) -> None:
    autoscaling = workshop.client("autoscaling")
    # Detach the capacity provider from its cluster first: the known deletion deadlock is a provider
    # that keeps asking for instances while the group is being deleted.
    env = next((e for e in ENVIRONMENTS if workshop.names.auto_scaling_group(e) == found.name), None)
    if env is not None:
        _detach_capacity_providers(workshop, env)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=found.ident, MinSize=0, DesiredCapacity=0)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=found.ident, ForceDelete=True)
    if not workshop.on_sandbox:
        _wait_until(
            lambda: (
                not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[found.ident])["AutoScalingGroups"]
            ),
            600,
            10,
        )


def _detach_capacity_providers(workshop: Workshop, env: str) -> None:
    ecs = workshop.client("ecs")
    clusters = ecs.describe_clusters(clusters=[workshop.names.cluster(env)], include=["TAGS"])["clusters"]
    for cluster in clusters:
        if cluster["status"] == "ACTIVE" and workshop.is_ours(cluster.get("tags")) and cluster.get("capacityProviders"):
            ecs.put_cluster_capacity_providers(
                cluster=cluster["clusterName"], capacityProviders=[], defaultCapacityProviderStrategy=[]
            )


def _find_instances(workshop: Workshop) -> Iterable[Found]:
    ec2 = workshop.client("ec2")
    filters = [
        {"Name": "tag:workshop:prefix", "Values": [workshop.prefix]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ]
    for reservation in ec2.describe_instances(Filters=filters)["Reservations"]:
        for instance in reservation["Instances"]:
            yield Found("EC2 instance", instance["InstanceId"], instance["InstanceId"], True)


def _delete_instance(workshop: Workshop, found: Found) -> None:
    workshop.client("ec2").terminate_instances(InstanceIds=[found.ident])


def _find_capacity_providers(workshop: Workshop) -> Iterable[Found]:
    ecs = workshop.client("ecs")
    names = [workshop.names.capacity_provider(env) for env in ENVIRONMENTS]
    for provider in ecs.describe_capacity_providers(capacityProviders=names, include=["TAGS"])["capacityProviders"]:
        if provider.get("status", "ACTIVE") == "ACTIVE":
            yield Found(
                "ECS capacity provider", provider["name"], provider["name"], workshop.is_ours(provider.get("tags"))
            )


def _delete_capacity_provider(workshop: Workshop, found: Found) -> None:
    env = next((e for e in ENVIRONMENTS if workshop.names.capacity_provider(e) == found.name), None)
    if env is not None:
        _detach_capacity_providers(workshop, env)
    workshop.client("ecs").delete_capacity_provider(capacityProvider=found.ident)


def _find_clusters(workshop: Workshop) -> Iterable[Found]:
    ecs = workshop.client("ecs")
    names = [workshop.names.cluster(env) for env in ENVIRONMENTS]
    for cluster in ecs.describe_clusters(clusters=names, include=["TAGS"])["clusters"]:
        if cluster["status"] != "INACTIVE":
            yield Found(
                "ECS cluster", cluster["clusterName"], cluster["clusterArn"], workshop.is_ours(cluster.get("tags"))
            )


def _delete_cluster(workshop: Workshop, found: Found) -> None:
    workshop.client("ecs").delete_cluster(cluster=found.ident)


def _find_launch_templates(workshop: Workshop) -> Iterable[Found]:
    ec2 = workshop.client("ec2")
    names = [workshop.names.launch_template(env) for env in ENVIRONMENTS]
    templates = ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": names}])
    for template in templates["LaunchTemplates"]:
        yield Found(
            "launch template",
            template["LaunchTemplateName"],
            template["LaunchTemplateId"],
            workshop.is_ours(template.get("Tags")),
        )


def _delete_launch_template(workshop: Workshop, found: Found) -> None:
    workshop.client("ec2").delete_launch_template(LaunchTemplateId=found.ident)


# -- load balancing and network ---------------------------------------------------------------------
def _elb_tags(workshop: Workshop, arn: str) -> dict[str, str]:
    descriptions = workshop.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return normalise_tags(descriptions[0].get("Tags")) if descriptions else {}


def _find_load_balancers(workshop: Workshop) -> Iterable[Found]:
    elbv2 = workshop.client("elbv2")
    try:
        balancers = elbv2.describe_load_balancers(Names=[workshop.names.load_balancer])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return
    for balancer in balancers:
        arn = balancer["LoadBalancerArn"]
        yield Found("load balancer", balancer["LoadBalancerName"], arn, workshop.is_ours(_elb_tags(workshop, arn)))


def _delete_load_balancer(workshop: Workshop, found: Found) -> None:
    elbv2 = workshop.client("elbv2")
    elbv2.delete_load_balancer(LoadBalancerArn=found.ident)
    elbv2.get_waiter("load_balancers_deleted").wait(
        LoadBalancerArns=[found.ident], WaiterConfig={"Delay": 1 if workshop.on_sandbox else 10, "MaxAttempts": 60}
    )


def _find_target_groups(workshop: Workshop) -> Iterable[Found]:
    elbv2 = workshop.client("elbv2")
    for env in ENVIRONMENTS:
        try:
            groups = elbv2.describe_target_groups(Names=[workshop.names.target_group(env)])["TargetGroups"]
        except elbv2.exceptions.TargetGroupNotFoundException:
            continue
        for group in groups:
            arn = group["TargetGroupArn"]
            yield Found("target group", group["TargetGroupName"], arn, workshop.is_ours(_elb_tags(workshop, arn)))


def _delete_target_group(workshop: Workshop, found: Found) -> None:
    elbv2 = workshop.client("elbv2")
    _retry(
        lambda: elbv2.delete_target_group(TargetGroupArn=found.ident),
        {"ResourceInUse"},
        30 if workshop.on_sandbox else 300,
    )


def _find_security_groups(workshop: Workshop) -> Iterable[Found]:
    ec2 = workshop.client("ec2")
    names = [workshop.names.tasks_security_group, workshop.names.load_balancer_security_group]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": names}])["SecurityGroups"]
    for group in sorted(groups, key=lambda g: names.index(g["GroupName"])):
        yield Found("security group", group["GroupName"], group["GroupId"], workshop.is_ours(group.get("Tags")))


def _delete_security_group(workshop: Workshop, found: Found) -> None:
    ec2 = workshop.client("ec2")
    referencing = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.group-id", "Values": [found.ident]}])[
        "SecurityGroups"
    ]
    for other in referencing:  # drop rules that point at this group, so it can go
        rules = [
            p for p in other["IpPermissions"] if any(u["GroupId"] == found.ident for u in p.get("UserIdGroupPairs", []))
        ]
        if rules and workshop.is_ours(other.get("Tags")):
            ec2.revoke_security_group_ingress(GroupId=other["GroupId"], IpPermissions=rules)
    # Fargate tasks' network interfaces linger for a few minutes after the tasks stop.
    _retry(
        lambda: ec2.delete_security_group(GroupId=found.ident),
        {"DependencyViolation"},
        10 if workshop.on_sandbox else 600,
    )


def _find_vpcs(workshop: Workshop) -> Iterable[Found]:
    ec2 = workshop.client("ec2")
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "tag:workshop:prefix", "Values": [workshop.prefix]}])["Vpcs"]:
        yield Found("VPC", vpc["VpcId"], vpc["VpcId"], True)


def _delete_vpc(workshop: Workshop, found: Found) -> None:
    ec2 = workshop.client("ec2")
    vpc_filter = [{"Name": "vpc-id", "Values": [found.ident]}]
    for subnet in ec2.describe_subnets(Filters=vpc_filter)["Subnets"]:
        _retry(
            lambda s=subnet: ec2.delete_subnet(SubnetId=s["SubnetId"]),
            {"DependencyViolation"},
            10 if workshop.on_sandbox else 600,
        )
    for gateway in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [found.ident]}])[
        "InternetGateways"
    ]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=found.ident)
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    for table in ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]:
        if not any(a.get("Main") for a in table.get("Associations", [])):
            for association in table.get("Associations", []):
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=table["RouteTableId"])
    ec2.delete_vpc(VpcId=found.ident)


# -- registries, storage, notification, source --------------------------------------------------------
def _find_image_repositories(workshop: Workshop) -> Iterable[Found]:
    ecr = workshop.client("ecr")
    for env in ENVIRONMENTS:
        try:
            repository = ecr.describe_repositories(repositoryNames=[workshop.names.ecr_repository(env)])[
                "repositories"
            ][0]
        except ecr.exceptions.RepositoryNotFoundException:
            continue
        tags = ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        yield Found(
            "ECR repository", repository["repositoryName"], repository["repositoryName"], workshop.is_ours(tags)
        )


def _delete_image_repository(workshop: Workshop, found: Found) -> None:
    workshop.client("ecr").delete_repository(repositoryName=found.ident, force=True)


def _find_buckets(workshop: Workshop) -> Iterable[Found]:
    s3 = workshop.client("s3")
    bucket = workshop.names.artifact_bucket
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if _code(error) in ("404", "NoSuchBucket", "NotFound", "403"):
            return
        raise
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError:
        tags = []
    yield Found("S3 bucket", bucket, bucket, workshop.is_ours(tags))


def _delete_bucket(workshop: Workshop, found: Found) -> None:
    s3 = workshop.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=found.ident):
        objects = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            s3.delete_objects(Bucket=found.ident, Delete={"Objects": objects, "Quiet": True})
    s3.delete_bucket(Bucket=found.ident)


def _find_topics(workshop: Workshop) -> Iterable[Found]:
    sns = workshop.client("sns")
    arn = f"arn:{workshop.partition}:sns:{workshop.settings.region}:{workshop.account}:{workshop.names.approval_topic}"
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except sns.exceptions.NotFoundException:
        return
    yield Found(
        "SNS topic",
        workshop.names.approval_topic,
        arn,
        workshop.is_ours(sns.list_tags_for_resource(ResourceArn=arn)["Tags"]),
    )


def _delete_topic(workshop: Workshop, found: Found) -> None:
    workshop.client("sns").delete_topic(TopicArn=found.ident)


def _find_repositories(workshop: Workshop) -> Iterable[Found]:
    codecommit = workshop.client("codecommit")
    try:
        metadata = codecommit.get_repository(repositoryName=workshop.names.repository)["repositoryMetadata"]
    except codecommit.exceptions.RepositoryDoesNotExistException:
        return
    tags = codecommit.list_tags_for_resource(resourceArn=metadata["Arn"])["tags"]
    yield Found("CodeCommit repository", metadata["repositoryName"], metadata["repositoryName"], workshop.is_ours(tags))


def _delete_repository(workshop: Workshop, found: Found) -> None:
    workshop.client("codecommit").delete_repository(repositoryName=found.ident)


# -- IAM and logs -------------------------------------------------------------------------------------
def _role_names(workshop: Workshop) -> list[str]:
    names = workshop.names
    return [
        names.codepipeline_role,
        names.codebuild_role,
        names.events_role,
        names.task_execution_role,
        names.instance_role,
    ]


def _find_roles(workshop: Workshop) -> Iterable[Found]:
    iam = workshop.client("iam")
    for name in _role_names(workshop):
        try:
            tags = iam.list_role_tags(RoleName=name)["Tags"]
        except iam.exceptions.NoSuchEntityException:
            continue
        yield Found("IAM role", name, name, workshop.is_ours(tags))


def _delete_role(workshop: Workshop, found: Found) -> None:
    iam = workshop.client("iam")
    for profile in iam.list_instance_profiles_for_role(RoleName=found.ident)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=found.ident)
    for policy in iam.list_role_policies(RoleName=found.ident)["PolicyNames"]:
        iam.delete_role_policy(RoleName=found.ident, PolicyName=policy)
    for policy in iam.list_attached_role_policies(RoleName=found.ident)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=found.ident, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=found.ident)


def _find_instance_profiles(workshop: Workshop) -> Iterable[Found]:
    iam = workshop.client("iam")
    name = workshop.names.instance_profile
    try:
        iam.get_instance_profile(InstanceProfileName=name)
    except iam.exceptions.NoSuchEntityException:
        return
    tags = iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
    yield Found("IAM instance profile", name, name, workshop.is_ours(tags))


def _delete_instance_profile(workshop: Workshop, found: Found) -> None:
    iam = workshop.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=found.ident)["InstanceProfile"]
    for role in profile.get("Roles", []):
        iam.remove_role_from_instance_profile(InstanceProfileName=found.ident, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=found.ident)


def _find_log_groups(workshop: Workshop) -> Iterable[Found]:
    logs = workshop.client("logs")
    wanted = {workshop.names.log_group(env) for env in ENVIRONMENTS}
    for group in logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{workshop.prefix}-")["logGroups"]:
        if group["logGroupName"] in wanted:
            tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
            yield Found("log group", group["logGroupName"], group["logGroupName"], workshop.is_ours(tags))


def _delete_log_group(workshop: Workshop, found: Found) -> None:
    workshop.client("logs").delete_log_group(logGroupName=found.ident)


#: Dependency order: what uses a resource goes before it.
KINDS: tuple[Kind, ...] = (
    Kind("CloudFormation stacks", _find_stacks, _delete_stack),
    Kind("CodePipeline pipelines", _find_pipelines, _delete_pipeline),
    Kind("EventBridge rules", _find_rules, _delete_rule),
    Kind("CodeBuild projects", _find_build_projects, _delete_build_project),
    Kind("ECS services", _find_services, _delete_service),
    Kind("Auto Scaling groups", _find_auto_scaling_groups, _delete_auto_scaling_group),
    Kind("EC2 instances", _find_instances, _delete_instance),
    Kind("ECS capacity providers", _find_capacity_providers, _delete_capacity_provider),
    Kind("ECS clusters", _find_clusters, _delete_cluster),
    Kind("ECS task definitions", _find_task_definitions, _delete_task_definition),
    Kind("launch templates", _find_launch_templates, _delete_launch_template),
    Kind("load balancers", _find_load_balancers, _delete_load_balancer),
    Kind("target groups", _find_target_groups, _delete_target_group),
    Kind("security groups", _find_security_groups, _delete_security_group),
    Kind("VPCs", _find_vpcs, _delete_vpc),
    Kind("ECR repositories", _find_image_repositories, _delete_image_repository),
    Kind("S3 buckets", _find_buckets, _delete_bucket),
    Kind("SNS topics", _find_topics, _delete_topic),
    Kind("CodeCommit repositories", _find_repositories, _delete_repository),
    Kind("IAM roles", _find_roles, _delete_role),
    Kind("IAM instance profiles", _find_instance_profiles, _delete_instance_profile),
    Kind("log groups", _find_log_groups, _delete_log_group),
    Kind("build log groups", _find_build_log_groups, _delete_log_group),
)


def cleanup(workshop: Workshop) -> StatusTable:
    """Delete the workshop's resources, then list what is left (ideally nothing of ours)."""
    rows = []
    for kind in KINDS:
        for found in list(kind.find(workshop)):
            if not found.ours:
                rows.append(_row(found, "⚠️ left alone: not created by this workshop"))
                continue
            try:
                kind.delete(workshop, found)
                rows.append(_row(found, "✅ deleted"))
            except ClientError as error:
                rows.append(_row(found, "✅ already gone" if _gone(error) else f"❌ {_code(error)}: {error}"))
    left = leftovers(workshop)
    if not [f for f in left if f.ours]:
        workshop.state.resources.clear()
        workshop.state.extra.pop("network", None)
        workshop.state.save()
    frame = pd.DataFrame(rows or [{"type": "-", "name": "-", "status": "✅ nothing to delete"}])
    ours_left = [f for f in left if f.ours]
    caption = (
        "Nothing of this workshop is left."
        if not ours_left
        else f"{len(ours_left)} resources are left: " + ", ".join(f"{f.kind} {f.name}" for f in ours_left)
    )
    return StatusTable(frame, caption)


def leftovers(workshop: Workshop) -> list[Found]:
    """Ask every service, one by one, for anything with the workshop's names (the tagging API misses
    several resource types, so it is not enough)."""
    return [found for kind in KINDS for found in kind.find(workshop)]


def leftovers_table(workshop: Workshop) -> StatusTable:
    left = leftovers(workshop)
    rows = [
        {
            "type": f.kind,
            "name": f.name,
            "status": "❌ left (this workshop's)" if f.ours else "⚠️ not this workshop's: untouched",
        }
        for f in left
    ]
    frame = pd.DataFrame(rows or [{"type": "-", "name": "-", "status": "✅ nothing left"}])
    return StatusTable(frame, "Checked: " + ", ".join(k.label for k in KINDS) + ".")


def _row(found: Found, status: str) -> dict[str, str]:
    return {"type": found.kind, "name": found.name, "status": status}


def _retry(call: Callable[[], Any], codes: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            call()
            return
        except ClientError as error:
            if _code(error) not in codes or time.monotonic() > deadline:
                raise
            time.sleep(2)


def _wait_until(condition: Callable[[], bool], timeout: float, delay: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(delay)
