"""The workshop's settings: what learners choose in notebook 00, checked before anything is created."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import InvalidSettingError
from .naming import PREFIX_MAX_LENGTH, PREFIX_PATTERN, Names, name_problems
from .regions import all_known_regions, missing_services, supported_regions

BACKENDS: tuple[str, ...] = ("sandbox", "aws")
LAUNCH_TYPES: tuple[str, ...] = ("FARGATE", "EC2")
DEFAULT_PREFIX = "ecs-cd"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")


@dataclass(frozen=True)
class WorkshopSettings:
    prefix: str = DEFAULT_PREFIX
    backend: str = "sandbox"
    region: str = "us-east-1"
    launch_type: str = "FARGATE"
    #: EC2 only. None: the first of t3.micro and t2.micro that the region offers (see resources.clusters).
    instance_type: str | None = None
    approval_email: str | None = None
    container_name: str = "sample-app"
    profile: str | None = None

    @classmethod
    def build(cls, **values: Any) -> WorkshopSettings:
        """Normalise and validate; raises one InvalidSettingError listing every problem."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidSettingError(f"Unknown setting(s) {unknown}; the settings are {sorted(known)}.")
        cleaned = {k: v for k, v in values.items() if v is not None}
        if isinstance(cleaned.get("launch_type"), str):
            cleaned["launch_type"] = cleaned["launch_type"].strip().upper()
        for key in ("prefix", "backend", "region"):
            if isinstance(cleaned.get(key), str):
                cleaned[key] = cleaned[key].strip()
        for key in ("approval_email", "instance_type"):
            if cleaned.get(key) == "":
                cleaned[key] = None
        settings = cls(**cleaned)
        problems = settings.problems()
        if problems:
            raise InvalidSettingError("Invalid workshop settings:\n  - " + "\n  - ".join(problems))
        return settings

    def problems(self) -> list[str]:
        problems = []
        problems += prefix_problems(self.prefix)
        if self.backend not in BACKENDS:
            problems.append(
                f"backend {self.backend!r} is not one of {list(BACKENDS)}: "
                "use 'sandbox' (offline, the default) or 'aws'."
            )
        problems += region_problems(self.region)
        if self.launch_type not in LAUNCH_TYPES:
            problems.append(
                f"launch_type {self.launch_type!r} is not one of {list(LAUNCH_TYPES)}: "
                "use 'FARGATE' (serverless) or 'EC2' (an Auto Scaling group)."
            )
        if self.instance_type is not None and not _INSTANCE_TYPE.match(self.instance_type):
            problems.append(
                f"instance_type {self.instance_type!r} does not look like an EC2 instance type such as 't3.micro'; "
                "leave it empty to use the first of t3.micro and t2.micro that the region offers."
            )
        if self.approval_email is not None and not _EMAIL.match(self.approval_email):
            problems.append(
                f"approval_email {self.approval_email!r} is not an email address; "
                "leave it empty to skip email notifications."
            )
        if not _CONTAINER_NAME.match(self.container_name or ""):
            problems.append(
                f"container_name {self.container_name!r} must be 1-255 letters, digits, hyphens or underscores."
            )
        return problems

    def names(self, account: str = "123456789012") -> Names:
        return Names(self.prefix, account=account, region=self.region)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prefix_problems(prefix: str) -> list[str]:
    """Why ``prefix`` cannot be a workshop prefix, each message with a fix; empty when it and every name derived
    from it (bucket, roles, load balancer, ...) are legal. Event names are checked through it too."""
    if not isinstance(prefix, str) or not prefix:
        return ["prefix is empty: choose a short name such as 'ecs-cd' or your initials, e.g. 'ecs-cd-jd'."]
    hint = "Use 2-20 lowercase letters, digits and hyphens, starting with a letter, e.g. 'ecs-cd-jd'."
    if len(prefix) > PREFIX_MAX_LENGTH:
        return [
            f"prefix {prefix!r} is {len(prefix)} characters; "
            f"at most {PREFIX_MAX_LENGTH} keep every derived name legal. {hint}"
        ]
    if not PREFIX_PATTERN.match(prefix) or "--" in prefix:
        return [f"prefix {prefix!r} is not allowed. {hint}"]
    return name_problems(Names(prefix))


def region_problems(region: str) -> list[str]:
    """Empty for a region that offers every required service; else one message: which services it lacks, or
    that botocore knows no such region, followed by the regions to choose from."""
    if region in supported_regions():
        return []
    if region in all_known_regions():
        missing = ", ".join(missing_services(region))
        return [f"region {region!r} does not offer {missing}; choose one of: {', '.join(supported_regions())}."]
    return [f"region {region!r} is not an AWS region botocore knows; choose one of: {', '.join(supported_regions())}."]
