"""Every resource name the kit uses, derived from the workshop prefix, and the rules each must obey.

Names are deterministic so that every ``ensure_*`` step can find what an earlier run created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .environments import ENVIRONMENTS

CONTAINER_PORT = 8080
#: What a capacity provider's random suffix looks like (6 hex digits), for checking names up front.
CAPACITY_PROVIDER_SUFFIX_EXAMPLE = "0a1b2c"

PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
PREFIX_MAX_LENGTH = 20

# (service rule name, pattern, max length)
_RULES: dict[str, tuple[re.Pattern[str], int]] = {
    "s3-bucket": (re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"), 63),
    "iam-role": (re.compile(r"^[\w+=,.@-]+$"), 64),
    "ecr-repository": (re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$"), 256),
    "codecommit-repository": (re.compile(r"^[\w.-]+$"), 100),
    "codebuild-project": (re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$"), 255),
    "codepipeline": (re.compile(r"^[A-Za-z0-9.@_-]+$"), 100),
    "ecs-cluster": (re.compile(r"^[A-Za-z0-9_-]+$"), 255),
    "ecs-service": (re.compile(r"^[A-Za-z0-9_-]+$"), 255),
    "cloudformation-stack": (re.compile(r"^[A-Za-z][A-Za-z0-9-]*$"), 128),
    "elbv2": (re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"), 32),
    "elbv2-load-balancer": (re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"), 32),
    "sns-topic": (re.compile(r"^[A-Za-z0-9_-]+$"), 256),
    "events-rule": (re.compile(r"^[.\-_A-Za-z0-9]+$"), 64),
    # ECS refuses capacity provider names that start with aws, ecs or fargate.
    "capacity-provider": (re.compile(r"^(?!aws|ecs|fargate)[A-Za-z0-9_-]+$"), 255),
    "launch-template": (re.compile(r"^[A-Za-z0-9().\-/_]+$"), 128),
    "auto-scaling-group": (re.compile(r"^[^:]+$"), 255),
    "security-group": (re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+$"), 255),
    "log-group": (re.compile(r"^[.\-_/#A-Za-z0-9]+$"), 512),
}


@dataclass(frozen=True)
class Names:
    """The names of everything one workshop creates. ``account`` and ``region`` make the bucket unique."""

    prefix: str
    account: str = "123456789012"
    region: str = "us-east-1"

    @property
    def repository(self) -> str:
        return f"{self.prefix}-app"

    @property
    def artifact_bucket(self) -> str:
        return f"{self.prefix}-artifacts-{self.account}-{self.region}"

    @property
    def approval_topic(self) -> str:
        return f"{self.prefix}-prod-approval"

    def role(self, key: str) -> str:
        """An IAM role's name from its key in ``data/policies/<key>.json``."""
        return f"{self.prefix}-{key}"

    @property
    def codepipeline_role(self) -> str:
        return self.role("codepipeline-service-role")

    @property
    def codebuild_role(self) -> str:
        return self.role("codebuild-service-role")

    @property
    def events_role(self) -> str:
        return self.role("events-start-pipeline-role")

    @property
    def task_execution_role(self) -> str:
        return self.role("ecs-task-execution-role")

    @property
    def instance_role(self) -> str:
        return self.role("ecs-instance-role")

    @property
    def nodejs_project(self) -> str:
        return f"{self.prefix}-build-nodejs"

    @property
    def container_image_project(self) -> str:
        return f"{self.prefix}-build-container-image"

    @property
    def load_balancer(self) -> str:
        return f"{self.prefix}-alb"

    @property
    def instance_profile(self) -> str:
        return self.instance_role

    @property
    def load_balancer_security_group(self) -> str:
        return f"{self.prefix}-alb-sg"

    @property
    def tasks_security_group(self) -> str:
        return f"{self.prefix}-tasks-sg"

    @property
    def vpc(self) -> str:
        return f"{self.prefix}-vpc"

    def launch_template(self, env: str) -> str:
        return f"{self.prefix}-{env}-ecs-instances"

    def auto_scaling_group(self, env: str) -> str:
        return f"{self.prefix}-{env}-ecs-instances"

    def capacity_provider(self, env: str, suffix: str) -> str:
        """ECS keeps a deleted provider's name for a while and refuses it, so each workshop run adds
        a random ``suffix`` (kept in the state file) to make its providers' names new."""
        return f"{self.capacity_provider_prefix}{env}-{suffix}"

    @property
    def capacity_provider_prefix(self) -> str:
        return f"cp-{self.prefix}-"

    def build_log_group(self, project: str) -> str:
        """The log group CodeBuild creates at a project's first build."""
        return f"/aws/codebuild/{project}"

    @property
    def build_log_groups(self) -> list[str]:
        return [self.build_log_group(p) for p in (self.nodejs_project, self.container_image_project)]

    def log_group(self, env: str) -> str:
        return f"/ecs/{self.prefix}-{env}"

    def task_family(self, env: str) -> str:
        return f"{self.prefix}-{env}"

    def ecr_repository(self, env: str) -> str:
        return f"{self.prefix}-{env}"

    def cluster(self, env: str) -> str:
        return f"{self.prefix}-{env}"

    def service(self, env: str) -> str:
        return f"{self.prefix}-{env}-service"

    def pipeline(self, env: str) -> str:
        return f"{self.prefix}-{env}"

    def target_group(self, env: str) -> str:
        return f"{self.prefix}-{env}-tg"

    @property
    def green_target_group(self) -> str:
        """Prod's second (alternate) target group, for ECS blue/green deployments (advanced module)."""
        return f"{self.prefix}-prod-green"

    @property
    def infrastructure_role(self) -> str:
        """The role ECS assumes to change the load balancer's listener rules (advanced module)."""
        return self.role("ecs-infrastructure-role")

    def stack(self, purpose: str) -> str:
        return f"{self.prefix}-{purpose}"

    def all_names(self) -> list[tuple[str, str]]:
        """(rule, name) for every derived name, so a prefix can be checked once, up front."""
        names = [
            ("codecommit-repository", self.repository),
            ("s3-bucket", self.artifact_bucket),
            ("sns-topic", self.approval_topic),
            ("iam-role", self.codepipeline_role),
            ("iam-role", self.codebuild_role),
            ("iam-role", self.events_role),
            ("iam-role", self.task_execution_role),
            ("iam-role", self.instance_role),
            ("iam-role", self.infrastructure_role),
            ("elbv2", self.green_target_group),
            ("codebuild-project", self.nodejs_project),
            ("codebuild-project", self.container_image_project),
            ("elbv2-load-balancer", self.load_balancer),
            ("cloudformation-stack", self.stack("build-container-image")),
            ("cloudformation-stack", self.stack("pipelines")),
            ("security-group", self.load_balancer_security_group),
            ("security-group", self.tasks_security_group),
        ]
        for env in ENVIRONMENTS:
            names += [
                ("ecr-repository", self.ecr_repository(env)),
                ("ecs-cluster", self.cluster(env)),
                ("ecs-service", self.service(env)),
                ("codepipeline", self.pipeline(env)),
                ("events-rule", self.pipeline(env)),
                ("elbv2", self.target_group(env)),
                ("capacity-provider", self.capacity_provider(env, CAPACITY_PROVIDER_SUFFIX_EXAMPLE)),
                ("launch-template", self.launch_template(env)),
                ("auto-scaling-group", self.auto_scaling_group(env)),
                ("log-group", self.log_group(env)),
            ]
        return names


#: Starts that a service reserves for itself: the name is refused although its characters are fine.
_RESERVED_STARTS: dict[str, tuple[str, ...]] = {
    "s3-bucket": ("xn--", "sthree-", "amzn-s3-demo-"),
    "security-group": ("sg-",),
    "elbv2-load-balancer": ("internal-",),
}


def name_problems(names: Names) -> list[str]:
    """Every derived name that breaks its service's rule, as readable sentences."""
    problems = []
    for rule, name in names.all_names():
        pattern, max_length = _RULES[rule]
        reserved = next((start for start in _RESERVED_STARTS.get(rule, ()) if name.startswith(start)), None)
        if len(name) > max_length:
            problems.append(f"{rule} name {name!r} is {len(name)} characters; the limit is {max_length}")
        elif not pattern.match(name):
            problems.append(f"{rule} name {name!r} has characters that {rule} names do not allow")
        elif reserved:
            problems.append(f"{rule} name {name!r} starts with {reserved!r}, which AWS reserves")
    return problems
