"""Does the sandbox (or the account) still have what the state file lists?

The state file remembers every resource the kit created; the services may not have them any more: the
sandbox was started with ``--fresh``, another ``WORKSHOP_HOME`` (another sandbox) is in use, or someone
deleted them by hand. ``resource_presence`` asks the services, one cheap describe call per resource (or
per kind), so ``python -m helpers status`` reports what exists now, not only what was recorded;
``raise_if_resources_gone`` stops a notebook that needs the workshop's environments with the next step
instead of a raw AWS exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws_errors import is_not_found
from .context import Workshop
from .errors import WorkshopError

#: Shown by ``status`` for a resource the services could not be asked about.
UNKNOWN = None
#: A recorded resource a service creates later by itself (a build project's log group, at its first build):
#: absent until then, and not missing.
NOT_YET = "not yet"
Presence = bool | str | None


class ResourcesGoneError(WorkshopError):
    """The state file lists the workshop's environments, but the sandbox or account no longer has them."""


def gone_message(workshop: Workshop, missing: list[str]) -> str:
    where = (
        "The sandbox no longer has this workshop's resources (it was reset or another WORKSHOP_HOME is in use)"
        if workshop.on_sandbox
        else "The account no longer has this workshop's resources (they were deleted outside the kit)"
    )
    return (
        f"{where}; missing: {', '.join(missing)}. Re-run notebooks 01-03 to create them again, or run "
        f"05-cleanup (python -m helpers cleanup --prefix {workshop.prefix}) to start again."
    )


def raise_if_resources_gone(workshop: Workshop) -> None:
    """ResourcesGoneError when the ECS clusters the state file lists are gone (one DescribeClusters call).

    The clusters stand for the whole workshop: they are what notebooks 02-04 build on, and a reset
    sandbox has none of them."""
    clusters = {k: v for k, v in workshop.state.resources.items() if v.get("type") == "AWS::ECS::Cluster"}
    if not clusters:
        return
    arns = [v.get("arn") or v["name"] for v in clusters.values()]
    answer = workshop.client("ecs").describe_clusters(clusters=arns)
    active = {c["clusterArn"] for c in answer["clusters"] if c.get("status") == "ACTIVE"}
    active |= {c["clusterName"] for c in answer["clusters"] if c.get("status") == "ACTIVE"}
    missing = [v["name"] for v in clusters.values() if (v.get("arn") or v["name"]) not in active]
    if missing:
        raise ResourcesGoneError(gone_message(workshop, [f"ECS cluster {name}" for name in sorted(missing)]))


def resource_presence(workshop: Workshop) -> dict[str, Presence]:
    """For each recorded resource (by state key): True if the service has it, False if not, None if the
    service could not be asked (no checker for that type, or the call failed, e.g. access denied), and
    ``NOT_YET`` for one a service creates later by itself that does not exist yet."""
    checker = _Checker(workshop)
    return {key: checker.exists(entry) for key, entry in workshop.state.resources.items()}


def missing_resources(workshop: Workshop) -> list[str]:
    """The state keys of the recorded resources the services do not have."""
    return [key for key, exists in resource_presence(workshop).items() if exists is False]


class _Checker:
    """One describe call per resource, or one list call per kind (cached), with the modeled exceptions."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.cache: dict[str, Any] = {}
        self.checks: dict[str, Callable[[dict[str, Any]], bool]] = {
            "AWS::AutoScaling::AutoScalingGroup": self._auto_scaling_group,
            "AWS::CloudFormation::Stack": self._stack,
            "AWS::CodeBuild::Project": self._build_project,
            "AWS::CodeCommit::Repository": self._repository,
            "AWS::CodePipeline::Pipeline": self._pipeline,
            "AWS::EC2::InternetGateway": lambda e: self._ec2("describe_internet_gateways", "internet-gateway-id", e),
            "AWS::EC2::LaunchTemplate": self._launch_template,
            "AWS::EC2::RouteTable": lambda e: self._ec2("describe_route_tables", "route-table-id", e),
            "AWS::EC2::SecurityGroup": lambda e: self._ec2("describe_security_groups", "group-id", e),
            "AWS::EC2::Subnet": lambda e: self._ec2("describe_subnets", "subnet-id", e),
            "AWS::EC2::VPC": lambda e: self._ec2("describe_vpcs", "vpc-id", e),
            "AWS::ECR::Repository": self._image_repository,
            "AWS::ECS::CapacityProvider": self._capacity_provider,
            "AWS::ECS::Cluster": self._cluster,
            "AWS::ECS::Service": self._service,
            "AWS::ECS::TaskDefinition": self._task_definition,
            "AWS::ElasticLoadBalancingV2::Listener": self._listener,
            "AWS::ElasticLoadBalancingV2::LoadBalancer": self._load_balancer,
            "AWS::ElasticLoadBalancingV2::TargetGroup": self._target_group,
            "AWS::Events::Rule": self._rule,
            "AWS::IAM::InstanceProfile": self._instance_profile,
            "AWS::IAM::Role": self._role,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::S3::Bucket": self._bucket,
            "AWS::SNS::Topic": self._topic,
        }

    def exists(self, entry: dict[str, Any]) -> Presence:
        check = self.checks.get(str(entry.get("type")))
        if check is None:
            return UNKNOWN
        try:
            found = bool(check(entry))
            return NOT_YET if not found and entry.get("created_later_by") else found
        except (ClientError, BotoCoreError, WorkshopError):  # shown as "could not tell", never as gone
            return UNKNOWN

    def client(self, service: str) -> Any:
        return self.workshop.client(service)

    @staticmethod
    def _id(entry: dict[str, Any]) -> str:
        return str(entry.get("arn") or entry["name"])

    # -- one kind each ---------------------------------------------------------------------------
    def _auto_scaling_group(self, entry: dict[str, Any]) -> bool:
        groups = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[entry["name"]])
        return bool(groups["AutoScalingGroups"])

    def _stack(self, entry: dict[str, Any]) -> bool:
        if "stacks" not in self.cache:
            paginator = self.client("cloudformation").get_paginator("describe_stacks")
            self.cache["stacks"] = {s["StackName"] for page in paginator.paginate() for s in page["Stacks"]}
        return entry["name"] in self.cache["stacks"]

    def _build_project(self, entry: dict[str, Any]) -> bool:
        # AWS answers with both lists, moto with "projects" only: the found list is the one both have.
        return bool(self.client("codebuild").batch_get_projects(names=[entry["name"]])["projects"])

    def _repository(self, entry: dict[str, Any]) -> bool:
        codecommit = self.client("codecommit")
        try:
            codecommit.get_repository(repositoryName=entry["name"])
        except codecommit.exceptions.RepositoryDoesNotExistException:
            return False
        return True

    def _pipeline(self, entry: dict[str, Any]) -> bool:
        codepipeline = self.client("codepipeline")
        try:
            codepipeline.get_pipeline(name=entry["name"])
        except codepipeline.exceptions.PipelineNotFoundException:
            return False
        return True

    def _ec2(self, operation: str, filter_name: str, entry: dict[str, Any]) -> bool:
        answer = getattr(self.client("ec2"), operation)(Filters=[{"Name": filter_name, "Values": [self._id(entry)]}])
        return any(isinstance(v, list) and v for k, v in answer.items() if k != "ResponseMetadata")

    def _launch_template(self, entry: dict[str, Any]) -> bool:
        templates = self.client("ec2").describe_launch_templates()["LaunchTemplates"]
        return any(
            t["LaunchTemplateId"] == entry.get("arn") or t["LaunchTemplateName"] == entry["name"] for t in templates
        )

    def _image_repository(self, entry: dict[str, Any]) -> bool:
        ecr = self.client("ecr")
        try:
            ecr.describe_repositories(repositoryNames=[entry["name"]])
        except ecr.exceptions.RepositoryNotFoundException:
            return False
        return True

    def _capacity_provider(self, entry: dict[str, Any]) -> bool:
        answer = self.client("ecs").describe_capacity_providers(capacityProviders=[entry["name"]])
        return any(p.get("status") == "ACTIVE" for p in answer["capacityProviders"])

    def _cluster(self, entry: dict[str, Any]) -> bool:
        answer = self.client("ecs").describe_clusters(clusters=[self._id(entry)])
        return any(c.get("status") == "ACTIVE" for c in answer["clusters"])

    def _service(self, entry: dict[str, Any]) -> bool:
        ecs = self.client("ecs")
        arn = self._id(entry)
        cluster = entry.get("cluster") or (arn.split("/")[-2] if arn.count("/") >= 2 else "default")
        try:
            services = ecs.describe_services(cluster=cluster, services=[arn])["services"]
        except ecs.exceptions.ClusterNotFoundException:
            return False
        return any(s.get("status") == "ACTIVE" for s in services)

    def _task_definition(self, entry: dict[str, Any]) -> bool:
        family = entry["name"]
        answer = self.client("ecs").list_task_definitions(familyPrefix=family, status="ACTIVE")
        return any(arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family for arn in answer["taskDefinitionArns"])

    def _listener(self, entry: dict[str, Any]) -> bool:
        elbv2 = self.client("elbv2")
        try:
            elbv2.describe_listeners(ListenerArns=[self._id(entry)])
        except elbv2.exceptions.ListenerNotFoundException:
            return False
        return True

    def _load_balancer(self, entry: dict[str, Any]) -> bool:
        elbv2 = self.client("elbv2")
        try:
            elbv2.describe_load_balancers(LoadBalancerArns=[self._id(entry)])
        except elbv2.exceptions.LoadBalancerNotFoundException:
            return False
        return True

    def _target_group(self, entry: dict[str, Any]) -> bool:
        elbv2 = self.client("elbv2")
        try:
            elbv2.describe_target_groups(TargetGroupArns=[self._id(entry)])
        except elbv2.exceptions.TargetGroupNotFoundException:
            return False
        return True

    def _rule(self, entry: dict[str, Any]) -> bool:
        events = self.client("events")
        try:
            events.describe_rule(Name=entry["name"])
        except events.exceptions.ResourceNotFoundException:
            return False
        return True

    def _instance_profile(self, entry: dict[str, Any]) -> bool:
        iam = self.client("iam")
        try:
            iam.get_instance_profile(InstanceProfileName=entry["name"])
        except iam.exceptions.NoSuchEntityException:
            return False
        return True

    def _role(self, entry: dict[str, Any]) -> bool:
        iam = self.client("iam")
        try:
            iam.get_role(RoleName=entry["name"])
        except iam.exceptions.NoSuchEntityException:
            return False
        return True

    def _log_group(self, entry: dict[str, Any]) -> bool:
        groups = self.client("logs").describe_log_groups(logGroupNamePrefix=entry["name"])["logGroups"]
        return any(g["logGroupName"] == entry["name"] for g in groups)

    def _bucket(self, entry: dict[str, Any]) -> bool:
        # HeadBucket on the recorded name: ListBuckets would need s3:ListAllMyBuckets, which shows every
        # participant's bucket; the learner policy grants only the workshop's own bucket.
        s3 = self.client("s3")
        try:
            s3.head_bucket(Bucket=entry["name"])
        except ClientError as error:
            if is_not_found(error):  # HeadBucket answers a bare 404; a 403 (denied, or not ours) propagates
                return False
            raise
        return True

    def _topic(self, entry: dict[str, Any]) -> bool:
        sns = self.client("sns")
        try:
            sns.get_topic_attributes(TopicArn=self._id(entry))
        except sns.exceptions.NotFoundException:
            return False
        return True
