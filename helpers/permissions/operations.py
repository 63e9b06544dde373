"""Every AWS action the kit calls with the learner's identity.

``KIT_OPERATIONS`` lists the boto3 operations by service; the IAM action of each comes from botocore's
service model (with the few exceptions S3 and STS need). ``tests/test_permissions.py`` scans ``helpers/`` and
the notebooks' own cells for the boto3 calls they make, so the list cannot fall behind the code.
"""

from __future__ import annotations

from functools import cache

#: Every boto3 operation the helpers and the notebooks' cells call, by boto3 service name (snake_case, as in the code).
#: Waiters and paginators are listed by the operation they call.
KIT_OPERATIONS: dict[str, tuple[str, ...]] = {
    "autoscaling": (
        "create_auto_scaling_group",
        "delete_auto_scaling_group",
        "describe_auto_scaling_groups",
        "update_auto_scaling_group",
    ),
    "cloudformation": (
        "create_change_set",
        "delete_change_set",
        "delete_stack",
        "describe_change_set",
        "describe_stack_events",
        "describe_stack_resources",
        "describe_stacks",
        "execute_change_set",
        "get_template",
        "validate_template",
    ),
    "codebuild": ("batch_get_projects", "delete_project"),
    "codecommit": (
        "create_branch",
        "create_commit",
        "create_repository",
        "delete_repository",
        "get_branch",
        "get_commit",
        "get_differences",
        "get_file",
        "get_repository",
        "list_branches",
        "list_tags_for_resource",
        "merge_branches_by_fast_forward",
        "put_file",
    ),
    "codepipeline": (
        "delete_pipeline",
        "get_pipeline",
        "get_pipeline_state",
        "list_pipeline_executions",
        "list_tags_for_resource",
        "put_approval_result",
        "retry_stage_execution",
        "rollback_stage",  # the advanced module's own cells (roll Prod's Deploy stage back by hand)
        "start_pipeline_execution",  # notebook 04's own cells ("going further")
        "update_pipeline",  # notebook 04's own cells (a Test stage, a second approval)
    ),
    "ec2": (
        "associate_route_table",
        "attach_internet_gateway",
        "authorize_security_group_ingress",
        "create_internet_gateway",
        "create_launch_template",
        "create_route",
        "create_route_table",
        "create_security_group",
        "create_subnet",
        "create_vpc",
        "delete_internet_gateway",
        "delete_launch_template",
        "delete_route_table",
        "delete_security_group",
        "delete_subnet",
        "delete_vpc",
        "describe_availability_zones",
        "describe_instance_type_offerings",
        "describe_instances",
        "describe_internet_gateways",
        "describe_regions",
        "describe_launch_templates",
        "describe_route_tables",
        "describe_security_groups",
        "describe_subnets",
        "describe_vpcs",
        "detach_internet_gateway",
        "disassociate_route_table",
        "modify_subnet_attribute",
        "modify_vpc_attribute",
        "revoke_security_group_ingress",
        "terminate_instances",
    ),
    "ecr": (
        "create_repository",
        "delete_repository",
        "describe_images",  # notebooks 03 and 04: each environment's images (tag, digest, size)
        "describe_repositories",
        "list_tags_for_resource",
        "put_image_scanning_configuration",
        "put_lifecycle_policy",
    ),
    "ecs": (
        "create_capacity_provider",
        "create_cluster",
        "continue_service_deployment",  # the advanced module: a paused blue/green deployment's Continue / Roll back
        "create_service",
        "delete_capacity_provider",
        "delete_cluster",
        "delete_service",
        "delete_task_definitions",
        "deregister_task_definition",
        "describe_capacity_providers",
        "describe_clusters",
        "describe_service_deployments",
        "describe_services",
        "describe_task_definition",
        "describe_tasks",  # notebook 04: each environment's running containers
        "list_service_deployments",
        "list_task_definitions",
        "list_tasks",
        "put_cluster_capacity_providers",
        "register_task_definition",
        "update_service",
    ),
    "elbv2": (
        "create_listener",
        "create_load_balancer",
        "create_rule",  # the advanced module: Prod's production and test listener rules
        "create_target_group",
        "delete_load_balancer",
        "delete_rule",
        "delete_target_group",
        "describe_listeners",
        "describe_load_balancers",
        "describe_rules",
        "describe_tags",
        "describe_target_groups",
        "modify_listener",
        "modify_target_group_attributes",
    ),
    "events": ("delete_rule", "describe_rule", "list_tags_for_resource", "list_targets_by_rule", "remove_targets"),
    "iam": (
        "add_role_to_instance_profile",
        "create_instance_profile",
        "create_role",
        "create_service_linked_role",
        "delete_instance_profile",
        "delete_role",
        "delete_role_policy",
        "detach_role_policy",
        "get_instance_profile",
        "get_role",
        "list_attached_role_policies",
        "list_instance_profile_tags",
        "list_instance_profiles_for_role",
        "list_role_policies",
        "list_role_tags",
        "put_role_policy",
        "remove_role_from_instance_profile",
        "simulate_principal_policy",
        "update_assume_role_policy",
    ),
    "logs": (
        "create_log_group",
        "delete_log_group",
        "describe_log_groups",
        "list_tags_for_resource",
        "put_retention_policy",
    ),
    "s3": (
        "create_bucket",
        "delete_bucket",
        "delete_objects",
        "get_bucket_tagging",
        "head_bucket",
        "list_object_versions",
        "put_bucket_encryption",
        "put_bucket_policy",
        "put_bucket_tagging",
        "put_bucket_versioning",
        "put_public_access_block",
    ),
    "sns": (
        "create_topic",
        "delete_topic",
        "get_topic_attributes",
        "list_subscriptions_by_topic",
        "list_tags_for_resource",
        "subscribe",
    ),
    "service-quotas": ("get_aws_default_service_quota", "get_service_quota"),
    "ssm": ("get_parameter",),
    "sts": ("get_caller_identity",),
}

#: Operations whose IAM action is not ``<prefix>:<OperationName>`` (S3's are named after the resource).
_ACTION_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "s3.head_bucket": ("s3:ListBucket",),
    "s3.delete_objects": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "s3.list_object_versions": ("s3:ListBucketVersions",),
    "s3.put_bucket_encryption": ("s3:PutEncryptionConfiguration",),
    "s3.put_public_access_block": ("s3:PutBucketPublicAccessBlock",),
    "s3.get_bucket_tagging": ("s3:GetBucketTagging",),
    "s3.put_bucket_tagging": ("s3:PutBucketTagging",),
    # GetCallerIdentity needs no permission: AWS answers it even under an explicit Deny.
    "sts.get_caller_identity": (),
}

#: Actions the learner needs that no helper calls by name, and why.
INDIRECT_ACTIONS: dict[str, str] = {
    "iam:PassRole": "the kit hands its roles to CodeBuild, CodePipeline, EventBridge, ECS and EC2",
    "iam:TagRole": "CreateRole with Tags",
    "s3:PutBucketOwnershipControls": "CreateBucket with ObjectOwnership (S3 API reference, CreateBucket)",
    "iam:TagInstanceProfile": "CreateInstanceProfile with Tags",
    "ecr:TagResource": "CreateRepository with tags",
    "logs:TagResource": "CreateLogGroup with tags",
    "sns:TagResource": "CreateTopic with Tags",
    "codecommit:TagResource": "CreateRepository with tags",
    "ecs:TagResource": "CreateCluster/CreateService/RegisterTaskDefinition with tags",
    "elasticloadbalancing:AddTags": "CreateLoadBalancer/CreateTargetGroup with Tags",
    "ec2:CreateTags": "EC2 create calls with TagSpecifications",
    "autoscaling:CreateOrUpdateTags": "CreateAutoScalingGroup with Tags",
    "ec2:RunInstances": "CreateAutoScalingGroup with a launch template checks the caller may launch it",
    "codecommit:GitPush": "notebook 04 pushes with git (git-remote-codecommit)",
    "codecommit:GitPull": "notebook 04 clones with git (git-remote-codecommit)",
    "codebuild:CreateProject": "CloudFormation creates the build projects with the caller's permissions",
    "codebuild:UpdateProject": "CloudFormation updates the build projects",
    "codepipeline:CreatePipeline": "CloudFormation creates the pipelines",
    "codepipeline:UpdatePipeline": "CloudFormation updates the pipelines",
    "codepipeline:TagResource": "CloudFormation tags the pipelines",
    "events:PutRule": "CloudFormation creates the EventBridge rules",
    "events:PutTargets": "CloudFormation sets the rules' pipeline targets",
    "events:TagResource": "CloudFormation tags the rules",
}

#: Actions that accept only ``*`` as their resource (AWS's service authorization reference).
UNSCOPED_ACTIONS: frozenset[str] = frozenset(
    {
        "autoscaling:DescribeAutoScalingGroups",
        "cloudformation:ValidateTemplate",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeRegions",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstances",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ecr:GetAuthorizationToken",
        "ecs:CreateCapacityProvider",
        "ecs:DescribeTaskDefinition",
        "ecs:ListTaskDefinitions",
        "ecs:DeregisterTaskDefinition",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups",
        "logs:DescribeLogGroups",
        # Read-only quota look-ups of the preflight (a quota ARN would work too; the values are not secret).
        "servicequotas:GetAWSDefaultServiceQuota",
        "servicequotas:GetServiceQuota",
    }
)


#: EC2 actions on resources that already exist: allowed only on those tagged with the participant's prefix
#: (``aws:ResourceTag/workshop:prefix``), as EC2 offers no names to scope by (review 2, row 14). Creates and
#: reads stay on the region's EC2 ARNs: making a resource or listing them changes nobody else's.
EC2_ON_TAGGED: frozenset[str] = frozenset(
    {
        "ec2:AssociateRouteTable",
        "ec2:AttachInternetGateway",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CreateRoute",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteLaunchTemplate",
        "ec2:DeleteRouteTable",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteSubnet",
        "ec2:DeleteVpc",
        "ec2:DetachInternetGateway",
        "ec2:DisassociateRouteTable",
        "ec2:ModifySubnetAttribute",
        "ec2:ModifyVpcAttribute",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:TerminateInstances",
    }
)


def operation_actions(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions one boto3 operation needs (``ecs``, ``create_service`` -> ``ecs:CreateService``)."""
    key = f"{service}.{operation}"
    if key in _ACTION_EXCEPTIONS:
        return _ACTION_EXCEPTIONS[key]
    prefix, operations = _service_names(service)
    return (f"{prefix}:{operations[operation]}",)


@cache
def _service_names(service: str) -> tuple[str, dict[str, str]]:
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return model.signing_name, {xform_name(name): name for name in model.operation_names}


def required_actions() -> list[str]:
    """Every IAM action the learner's identity needs for the whole workshop, sorted."""
    actions = set(INDIRECT_ACTIONS)
    for service, operations in KIT_OPERATIONS.items():
        for operation in operations:
            actions.update(operation_actions(service, operation))
    return sorted(actions)
