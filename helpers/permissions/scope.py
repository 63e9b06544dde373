"""Where each action may act for one workshop: the ARNs of its prefix's resources (or ``*`` where AWS
accepts nothing else). The learner policy and the preflight check both ask it."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.naming import ENVIRONMENTS, Names
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
        prefix, _, name = action.partition(":")
        n = self.names
        envs = ENVIRONMENTS
        if action in UNSCOPED_ACTIONS:
            return ["*"]
        if prefix == "iam":
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
            found = [f"arn:{self.partition}:iam::{n.account}:role/{role}" for role in roles]
            if name == "GetRole":  # notebook 01 first asks whether ECS's service-linked role exists (review 2, row 1)
                found.append(ecs_linked_role)
            if "InstanceProfile" in name or name == "RemoveRoleFromInstanceProfile":
                found.append(f"arn:{self.partition}:iam::{n.account}:instance-profile/{n.instance_profile}")
            return found
        if prefix == "s3":
            bucket = f"arn:{self.partition}:s3:::{n.artifact_bucket}"
            return [bucket + "/*"] if "Object" in name and "Versions" not in name else [bucket]
        if prefix == "codecommit":
            return [self.arn("codecommit", n.repository)]
        if prefix == "ecr":
            return [self.arn("ecr", f"repository/{n.ecr_repository(e)}") for e in envs]
        if prefix == "sns":
            return [self.arn("sns", n.approval_topic)]
        if prefix == "ssm":
            return [self.arn("ssm", "parameter/aws/service/ecs/*", account=False)]
        if prefix == "logs":
            groups = [n.log_group(e) for e in envs]
            return (
                [self.arn("logs", f"log-group:{g}") for g in groups]
                + [self.arn("logs", f"log-group:{g}:*") for g in groups]
                + [
                    self.arn("logs", f"log-group:/aws/codebuild/{p}")
                    for p in (n.nodejs_project, n.container_image_project)
                ]
            )
        if prefix == "codebuild":
            return [self.arn("codebuild", f"project/{p}") for p in (n.nodejs_project, n.container_image_project)]
        if prefix == "codepipeline":
            if name == "PutApprovalResult":  # an approval action: pipeline/stage/action
                return [self.arn("codepipeline", f"{n.pipeline(e)}/*/*") for e in envs]
            if name in ("RetryStageExecution", "RollbackStage"):  # a stage: pipeline/stage (review 2, row 5)
                return [self.arn("codepipeline", f"{n.pipeline(e)}/*") for e in envs]
            return [self.arn("codepipeline", n.pipeline(e)) for e in envs]
        if prefix == "events":
            return [self.arn("events", f"rule/{n.pipeline(e)}") for e in envs]
        if prefix == "cloudformation":
            stacks = [n.stack(p) for p in ("build-nodejs", "build-container-image", "pipelines")]
            return [self.arn("cloudformation", f"stack/{s}/*") for s in stacks]
        if prefix == "autoscaling":
            return [
                self.arn("autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{n.auto_scaling_group(e)}")
                for e in envs
            ]
        if prefix == "elasticloadbalancing":
            return [
                self.arn("elasticloadbalancing", f"loadbalancer/app/{n.load_balancer}/*"),
                self.arn("elasticloadbalancing", f"listener/app/{n.load_balancer}/*"),
                *(self.arn("elasticloadbalancing", f"targetgroup/{n.target_group(e)}/*") for e in envs),
            ]
        if prefix == "ecs":
            found = [self.arn("ecs", f"cluster/{n.cluster(e)}") for e in envs]
            found += [self.arn("ecs", f"service/{n.cluster(e)}/{n.service(e)}") for e in envs]
            found += [self.arn("ecs", f"task-definition/{n.task_family(e)}:*") for e in envs]
            # Each run's providers carry a 6-hex suffix (ECS keeps deleted names a while); "?" matches exactly
            # one character, so a participant whose prefix extends this one's is not matched.
            found += [self.arn("ecs", f"capacity-provider/{n.capacity_provider(e, '??????')}") for e in envs]
            return found
        if prefix == EC2_REGIONAL:
            return [self.arn("ec2", "*"), self.arn("ec2", "image/*", account=False)]
        raise ValueError(f"no resource scope for {action}: add one to helpers/permissions/scope.py")
