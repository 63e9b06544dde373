"""What ECS does with roles when it starts a task: the task execution role pulls the image from ECR
and creates the awslogs stream; on EC2 capacity, the container instance's agent (the instance
profile's role) must have joined the cluster and reports the task's state.

Each refusal becomes the reason AWS gives for a task that cannot start, with AWS's message inside.
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from ...buildtools.image_store import parse_ecr_uri
from ...iam_enforcement import AccessDenied, TrustRefused, assume
from .runner import ImageNotRunnable


def check_task_start(backend: Any, service: Any, definition: Any, container: dict[str, Any], task_id: str) -> None:
    """Raise ImageNotRunnable with AWS's stopped reason when a role stops the task from starting."""
    partition = get_partition(backend.region_name)
    account, region = backend.account_id, backend.region_name
    cluster = service.cluster_arn.split("/")[-1]
    instance_role = _instance_role(backend, service)
    if instance_role is not None:
        _check_agent(instance_role, account, region, partition, cluster, task_id)
    role_arn = getattr(definition, "execution_role_arn", None)
    if not role_arn:
        return
    try:
        role = assume(role_arn, "ecs-tasks.amazonaws.com", account, partition, session_name=task_id)
    except TrustRefused:
        raise ImageNotRunnable(
            f"ResourceInitializationError: ECS was unable to assume the role '{role_arn}' that was provided for this "
            "task. Please verify that the role being passed has the proper trust relationship and permissions and "
            "that your IAM user has permissions to pass this role."
        ) from None
    image = parse_ecr_uri(str(container.get("image", "")))
    if image is not None:
        repository = f"arn:{partition}:ecr:{image['region']}:{image['account']}:repository/{image['repository']}"
        try:
            role.authorize("ecr:GetAuthorizationToken", "*")
        except AccessDenied as error:
            raise ImageNotRunnable(
                "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                "retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): "
                f"AccessDeniedException: {error}"
            ) from None
        try:
            role.authorize("ecr:BatchGetImage", repository)
            role.authorize("ecr:GetDownloadUrlForLayer", repository)
        except AccessDenied as error:
            raise ImageNotRunnable(
                f"CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "
                f"{container.get('image')}: denied: {error}"
            ) from None
    options = (container.get("logConfiguration") or {}).get("options", {})
    group = options.get("awslogs-group")
    if (container.get("logConfiguration") or {}).get("logDriver") == "awslogs" and group:
        stream = f"{options.get('awslogs-stream-prefix', 'ecs')}/{container.get('name')}/{task_id}"
        logs_region = options.get("awslogs-region", region)
        arn = f"arn:{partition}:logs:{logs_region}:{account}:log-group:{group}:log-stream:{stream}"
        try:
            role.authorize("logs:CreateLogStream", arn)
            role.authorize("logs:PutLogEvents", arn)
        except AccessDenied as error:
            raise ImageNotRunnable(
                f"ResourceInitializationError: failed to validate logger args: create stream has been retried 1 "
                f"times: failed to create Cloudwatch log stream: AccessDeniedException: {error}"
            ) from None


def _check_agent(role_arn: str, account: str, region: str, partition: str, cluster: str, task_id: str) -> None:
    """What the ECS agent on the instance does with the instance profile's role before and while it runs
    a task: join the cluster, find the endpoint, poll for work, open telemetry, report state."""
    try:
        agent = assume(role_arn, "ec2.amazonaws.com", account, partition, session_name=f"i-{task_id[:17]}")
    except TrustRefused:
        raise ImageNotRunnable(
            "no container instance met all of its requirements: the instances' role cannot be assumed by EC2 "
            f"({role_arn}), so no agent registered in cluster {cluster}"
        ) from None
    cluster_arn = f"arn:{partition}:ecs:{region}:{account}:cluster/{cluster}"
    instance_arn = f"arn:{partition}:ecs:{region}:{account}:container-instance/{cluster}/{task_id[:32]}"
    try:
        agent.authorize("ecs:RegisterContainerInstance", cluster_arn)
        agent.authorize("ecs:DiscoverPollEndpoint", "*")
        agent.authorize("ecs:Poll", instance_arn)
        agent.authorize("ecs:StartTelemetrySession", instance_arn)
        agent.authorize("ecs:SubmitTaskStateChange", cluster_arn)
        agent.authorize("ecs:SubmitContainerStateChange", cluster_arn)
    except AccessDenied as error:
        raise ImageNotRunnable(
            f"no container instance met all of its requirements: the ECS agent could not work for cluster "
            f"{cluster}: {error}"
        ) from None


def _instance_role(backend: Any, service: Any) -> str | None:
    """The role of the instance profile of the EC2 capacity a service's tasks run on, found as AWS does:
    capacity provider -> Auto Scaling group -> launch template -> instance profile -> role."""
    strategy = getattr(service, "capacity_provider_strategy", None) or []
    names = [s.get("capacityProvider") for s in strategy]
    if not names and service.launch_type != "EC2":
        return None

    for name in names:
        provider = backend.capacity_providers.get(name)
        group_arn = (getattr(provider, "auto_scaling_group_provider", None) or {}).get("autoScalingGroupArn")
        if not group_arn:
            continue
        groups = autoscaling_backends[backend.account_id][backend.region_name].autoscaling_groups
        group = groups.get(group_arn.split("autoScalingGroupName/")[-1])
        template = getattr(group, "ec2_launch_template", None) if group is not None else None
        if template is None:
            continue
        profile = (template.latest_version().data or {}).get("IamInstanceProfile") or {}
        profile_name = profile.get("Name") or str(profile.get("Arn", "")).split("/")[-1]
        if not profile_name:
            return None
        iam = iam_backends[backend.account_id][get_partition(backend.region_name)]
        roles = iam.get_instance_profile(profile_name).roles
        return str(roles[0].arn) if roles else None
    return None
