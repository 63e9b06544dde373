"""The launch templates of EC2-launch-type clusters: per environment the current ECS-optimized AMI, the chosen
instance type, the instance profile and a boot script that joins the environment's cluster. ``clusters.ensure``
makes one before each Auto Scaling group (``capacity.py``); cleanup deletes them after the clusters.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from ..core.context import Row, Workshop
from ..core.environments import ENVIRONMENTS
from ..core.errors import ResourceConflictError
from .base import Entry, Found, Kind
from .network import recorded_network

if TYPE_CHECKING:
    from mypy_boto3_ec2.literals import InstanceTypeType
    from mypy_boto3_ec2.type_defs import RequestLaunchTemplateDataTypeDef


def user_data(cluster: str) -> str:
    """The instances' boot script, base64-encoded as a launch template wants it: it writes ``cluster`` into
    ``/etc/ecs/ecs.config``, so the ECS agent joins that cluster instead of ``default``."""
    script = f"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"
    return base64.b64encode(script.encode()).decode()


def ensure_launch_template(workshop: Workshop, env: str, image_id: str, instance: str) -> Row:
    """The template of ``env``'s instances; its row's ``arn`` is the template's id."""
    ec2 = workshop.client("ec2")
    name = workshop.names.launch_template(env)
    data: RequestLaunchTemplateDataTypeDef = {
        "ImageId": image_id,
        "InstanceType": cast("InstanceTypeType", instance),  # checked against the region's offerings
        "IamInstanceProfile": {"Name": workshop.names.instance_profile},
        "SecurityGroupIds": [recorded_network(workshop).tasks_sg],
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
    return LAUNCH_TEMPLATES.record(
        workshop,
        f"launch-template/{env}",
        name=name,
        arn=template["LaunchTemplateId"],
        action=f"{action} ({instance}, {image_id})",
        environment=env,
    )


def find_launch_templates(workshop: Workshop) -> Iterable[Found]:
    """The environments' launch templates by name (a filter, so missing names are no error); deleted by id."""
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


def delete_launch_template(workshop: Workshop, found: Found) -> None:
    """Delete the template with all its versions; cleanup gets here after the groups that launched from it."""
    workshop.client("ec2").delete_launch_template(LaunchTemplateId=found.ident)


def launch_template_exists(workshop: Workshop, entry: Entry) -> bool:
    """Matched by the recorded id or name in a listing of the account's templates (every page: an account may
    hold many), so a template that is gone answers False instead of EC2's NotFound error for an id."""
    pages = workshop.client("ec2").get_paginator("describe_launch_templates").paginate()
    return any(
        t["LaunchTemplateId"] == entry.get("arn") or t["LaunchTemplateName"] == entry["name"]
        for page in pages
        for t in page["LaunchTemplates"]
    )


LAUNCH_TEMPLATES = Kind(
    "launch templates",
    find_launch_templates,
    delete_launch_template,
    cfn_type="AWS::EC2::LaunchTemplate",
    noun="launch template",
    exists=launch_template_exists,
)
