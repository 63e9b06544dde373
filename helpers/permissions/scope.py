"""Where each action may act for one workshop: the ARNs of its prefix's resources (or ``*`` where AWS
accepts nothing else). The learner policy and the preflight check both ask it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.environments import ENVIRONMENTS
from ..core.naming import Names
from .operations import UNSCOPED_ACTIONS

#: EC2 networking is created before its IDs are known: these are scoped to the region and account.
EC2_REGIONAL = "ec2"


@dataclass(frozen=True)
class Scope:
    """Where an action may act, for one workshop: its resources' ARNs."""

    names: Names
    partition: str

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.names.region if region else ''}:"
            f"{self.names.account if account else ''}:{resource}"
        )

    def resources(self, action: str) -> list[str]:
        if action in UNSCOPED_ACTIONS:
            return ["*"]
        prefix, _, name = action.partition(":")
        per_service = _BY_SERVICE.get(prefix)
        if per_service is None:
            raise ValueError(f"no resource scope for {action}: add one to helpers/permissions/scope.py")
        return per_service(self, name)

    def _iam(self, name: str) -> list[str]:
        n = self.names
        if name == "SimulatePrincipalPolicy":  # the participant's own user or role, not known up front
            return [
                f"arn:{self.partition}:iam::{n.account}:role/*",
                f"arn:{self.partition}:iam::{n.account}:user/*",
            ]
        ecs_linked_role = (
            f"arn:{self.partition}:iam::{n.account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        )
        if name == "CreateServiceLinkedRole":  # ECS's, made once per account (finding 1)
            return [ecs_linked_role]
        roles = [n.codepipeline_role, n.codebuild_role, n.events_role, n.task_execution_role, n.instance_role]
        roles.append(n.infrastructure_role)  # the advanced module's, for ECS's blue/green deployments
        found = [f"arn:{self.partition}:iam::{n.account}:role/{role}" for role in roles]
        if name == "GetRole":  # notebook 01 first asks whether ECS's service-linked role exists (review 2, row 1)
            found.append(ecs_linked_role)
        if "InstanceProfile" in name or name == "RemoveRoleFromInstanceProfile":
            found.append(f"arn:{self.partition}:iam::{n.account}:instance-profile/{n.instance_profile}")
        return found

    def _s3(self, name: str) -> list[str]:
        bucket = f"arn:{self.partition}:s3:::{self.names.artifact_bucket}"
        return [bucket + "/*"] if "Object" in name and "Versions" not in name else [bucket]

    def _codecommit(self, name: str) -> list[str]:
        return [self.arn("codecommit", self.names.repository)]

    def _ecr(self, name: str) -> list[str]:
        return [self.arn("ecr", f"repository/{self.names.ecr_repository(e)}") for e in ENVIRONMENTS]

    def _sns(self, name: str) -> list[str]:
        return [self.arn("sns", self.names.approval_topic)]

    def _ssm(self, name: str) -> list[str]:
        return [self.arn("ssm", "parameter/aws/service/ecs/*", account=False)]

    def _logs(self, name: str) -> list[str]:
        n = self.names
        groups = [n.log_group(e) for e in ENVIRONMENTS]
        return (
            [self.arn("logs", f"log-group:{g}") for g in groups]
            + [self.arn("logs", f"log-group:{g}:*") for g in groups]
            + [self.arn("logs", f"log-group:/aws/codebuild/{p}") for p in (n.nodejs_project, n.container_image_project)]
        )

    def _codebuild(self, name: str) -> list[str]:
        n = self.names
        return [self.arn("codebuild", f"project/{p}") for p in (n.nodejs_project, n.container_image_project)]

    def _codepipeline(self, name: str) -> list[str]:
        n = self.names
        if name == "PutApprovalResult":  # an approval action: pipeline/stage/action
            return [self.arn("codepipeline", f"{n.pipeline(e)}/*/*") for e in ENVIRONMENTS]
        if name in ("RetryStageExecution", "RollbackStage"):  # a stage: pipeline/stage (review 2, row 5)
            return [self.arn("codepipeline", f"{n.pipeline(e)}/*") for e in ENVIRONMENTS]
        return [self.arn("codepipeline", n.pipeline(e)) for e in ENVIRONMENTS]

    def _events(self, name: str) -> list[str]:
        return [self.arn("events", f"rule/{self.names.pipeline(e)}") for e in ENVIRONMENTS]

    def _cloudformation(self, name: str) -> list[str]:
        stacks = [self.names.stack(p) for p in ("build-nodejs", "build-container-image", "pipelines")]
        return [self.arn("cloudformation", f"stack/{s}/*") for s in stacks]

    def _autoscaling(self, name: str) -> list[str]:
        return [
            self.arn("autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{self.names.auto_scaling_group(e)}")
            for e in ENVIRONMENTS
        ]

    def _elasticloadbalancing(self, name: str) -> list[str]:
        n = self.names
        return [
            self.arn("elasticloadbalancing", f"loadbalancer/app/{n.load_balancer}/*"),
            self.arn("elasticloadbalancing", f"listener/app/{n.load_balancer}/*"),
            self.arn("elasticloadbalancing", f"listener-rule/app/{n.load_balancer}/*"),
            *(self.arn("elasticloadbalancing", f"targetgroup/{n.target_group(e)}/*") for e in ENVIRONMENTS),
            self.arn("elasticloadbalancing", f"targetgroup/{n.green_target_group}/*"),
        ]

    def _ecs(self, name: str) -> list[str]:
        n, envs = self.names, ENVIRONMENTS
        found = [self.arn("ecs", f"cluster/{n.cluster(e)}") for e in envs]
        found += [self.arn("ecs", f"service/{n.cluster(e)}/{n.service(e)}") for e in envs]
        found += [self.arn("ecs", f"task-definition/{n.task_family(e)}:*") for e in envs]
        found += [self.arn("ecs", f"task/{n.cluster(e)}/*") for e in envs]  # DescribeTasks (notebook 04)
        # ListTasks: AWS documents a container instance as its resource; the sandbox evaluates the cluster's ARN
        found += [self.arn("ecs", f"container-instance/{n.cluster(e)}/*") for e in envs]
        if name in ("DescribeServiceDeployments", "ContinueServiceDeployment"):  # the advanced module's (on Prod's)
            return [self.arn("ecs", f"service-deployment/{n.cluster('prod')}/{n.service('prod')}/*")]
        # Each run's providers carry a 6-hex suffix (ECS keeps deleted names a while); "?" matches exactly
        # one character, so a participant whose prefix extends this one's is not matched.
        found += [self.arn("ecs", f"capacity-provider/{n.capacity_provider(e, '??????')}") for e in envs]
        return found

    def _ec2(self, name: str) -> list[str]:
        return [self.arn("ec2", "*"), self.arn("ec2", "image/*", account=False)]


#: Each service's scope: where its actions may act (the action's name picks among them where they differ).
_BY_SERVICE: dict[str, Callable[[Scope, str], list[str]]] = {
    "iam": Scope._iam,
    "s3": Scope._s3,
    "codecommit": Scope._codecommit,
    "ecr": Scope._ecr,
    "sns": Scope._sns,
    "ssm": Scope._ssm,
    "logs": Scope._logs,
    "codebuild": Scope._codebuild,
    "codepipeline": Scope._codepipeline,
    "events": Scope._events,
    "cloudformation": Scope._cloudformation,
    "autoscaling": Scope._autoscaling,
    "elasticloadbalancing": Scope._elasticloadbalancing,
    "ecs": Scope._ecs,
    EC2_REGIONAL: Scope._ec2,
}
