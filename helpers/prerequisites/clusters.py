"""Three ECS clusters. FARGATE clusters use the Fargate capacity providers; EC2 clusters get a
launch template with the current ECS-optimized AMI, an Auto Scaling group and a capacity provider."""

from __future__ import annotations

import base64
from typing import Any

from ..context import Workshop
from ..errors import ResourceConflictError
from ..naming import ENVIRONMENTS

ECS_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
ASG_MAX_SIZE = 2  # room for a second instance while a deployment runs old and new tasks side by side


def ensure_clusters(workshop: Workshop) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    image_id = _ecs_ami(workshop) if workshop.settings.launch_type == "EC2" else None
    for env in ENVIRONMENTS:
        providers: list[str] = ["FARGATE", "FARGATE_SPOT"]
        if image_id is not None:
            template_id = ensure_launch_template(workshop, env, image_id, rows)
            group_arn = ensure_auto_scaling_group(workshop, env, template_id, rows)
            providers = [ensure_capacity_provider(workshop, env, group_arn, rows)]
        ensure_cluster(workshop, env, providers, rows)
    return rows


def ensure_cluster(workshop: Workshop, env: str, providers: list[str], rows: list[dict[str, str]]) -> str:
    ecs = workshop.client("ecs")
    name = workshop.names.cluster(env)
    found = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
    active = [c for c in found if c["status"] in ("ACTIVE", "PROVISIONING")]
    strategy = [{"capacityProvider": providers[0], "weight": 1, "base": 0}]
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
        cluster = ecs.create_cluster(
            clusterName=name,
            tags=workshop.tag_list(env, key="key", value="value"),
            capacityProviders=providers,
            defaultCapacityProviderStrategy=strategy,
            settings=[{"name": "containerInsights", "value": "disabled"}],
        )["cluster"]
        action = "created"
    workshop.record(
        f"ecs-cluster/{env}", type="AWS::ECS::Cluster", name=name, arn=cluster["clusterArn"], environment=env
    )
    rows.append(
        {
            "type": "ECS cluster",
            "name": name,
            "arn": cluster["clusterArn"],
            "environment": env,
            "action": f"{action} ({', '.join(providers)})",
        }
    )
    return str(cluster["clusterArn"])


def _ecs_ami(workshop: Workshop) -> str:
    return str(workshop.client("ssm").get_parameter(Name=ECS_AMI_PARAMETER)["Parameter"]["Value"])


def user_data(cluster: str) -> str:
    script = f"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"
    return base64.b64encode(script.encode()).decode()


def ensure_launch_template(workshop: Workshop, env: str, image_id: str, rows: list[dict[str, str]]) -> str:
    ec2 = workshop.client("ec2")
    name = workshop.names.launch_template(env)
    network = workshop.state.extra.get("network", {})
    data: dict[str, Any] = {
        "ImageId": image_id,
        "InstanceType": workshop.settings.instance_type,
        "IamInstanceProfile": {"Name": workshop.names.instance_profile},
        "SecurityGroupIds": [network["tasks_sg"]],
        "UserData": user_data(workshop.names.cluster(env)),
        "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        "TagSpecifications": [
            {
                "ResourceType": "instance",
                "Tags": [*workshop.tag_list(env), {"Key": "Name", "Value": f"{workshop.prefix}-{env}-ecs-instance"}],
            }
        ],
    }
    found = ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": [name]}])[
        "LaunchTemplates"
    ]
    if found:
        template = found[0]
        if not workshop.is_ours(template.get("Tags")):
            raise ResourceConflictError("launch template", name, workshop.prefix)
        action = "exists"
    else:
        template = ec2.create_launch_template(
            LaunchTemplateName=name,
            LaunchTemplateData=data,
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": workshop.tag_list(env)}],
        )["LaunchTemplate"]
        action = "created"
    workshop.record(
        f"launch-template/{env}",
        type="AWS::EC2::LaunchTemplate",
        name=name,
        arn=template["LaunchTemplateId"],
        environment=env,
    )
    rows.append(
        {
            "type": "launch template",
            "name": name,
            "arn": template["LaunchTemplateId"],
            "environment": env,
            "action": f"{action} ({workshop.settings.instance_type}, {image_id})",
        }
    )
    return str(template["LaunchTemplateId"])


def ensure_auto_scaling_group(workshop: Workshop, env: str, template_id: str, rows: list[dict[str, str]]) -> str:
    autoscaling = workshop.client("autoscaling")
    name = workshop.names.auto_scaling_group(env)
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if found:
        if not workshop.is_ours(found[0].get("Tags")):
            raise ResourceConflictError("Auto Scaling group", name, workshop.prefix)
        action = "exists"
    else:
        subnets = workshop.state.extra.get("network", {})["subnet_ids"]
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            MinSize=1,
            MaxSize=ASG_MAX_SIZE,
            DesiredCapacity=1,
            LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Latest"},
            VPCZoneIdentifier=",".join(subnets),
            NewInstancesProtectedFromScaleIn=False,
            Tags=[
                {**t, "PropagateAtLaunch": False, "ResourceId": name, "ResourceType": "auto-scaling-group"}
                for t in workshop.tag_list(env)
            ],
        )
        found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        action = "created"
    arn = found[0]["AutoScalingGroupARN"]
    workshop.record(
        f"auto-scaling-group/{env}", type="AWS::AutoScaling::AutoScalingGroup", name=name, arn=arn, environment=env
    )
    rows.append({"type": "Auto Scaling group", "name": name, "arn": arn, "environment": env, "action": action})
    return str(arn)


def ensure_capacity_provider(workshop: Workshop, env: str, group_arn: str, rows: list[dict[str, str]]) -> str:
    ecs = workshop.client("ecs")
    name = workshop.names.capacity_provider(env)
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
        provider = ecs.create_capacity_provider(
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
        )["capacityProvider"]
        action = "created"
    workshop.record(
        f"capacity-provider/{env}",
        type="AWS::ECS::CapacityProvider",
        name=name,
        arn=provider["capacityProviderArn"],
        environment=env,
    )
    rows.append(
        {
            "type": "capacity provider",
            "name": name,
            "arn": provider["capacityProviderArn"],
            "environment": env,
            "action": action,
        }
    )
    return name
