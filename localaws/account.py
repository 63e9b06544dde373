"""What kind of AWS account the sandbox stands for: by default a NEW one, with a new account's refusals.

A brand-new account has no ECS service-linked role, a CodeBuild concurrency quota of 1, IAM changes that
take seconds to reach the services that check them, capacity-provider names that stay taken after a
delete, services that drain before they are gone, and no opt-in region enabled. The sandbox reproduces
each of these so that a flow that passes here does not fail on the first real account it meets. Every
behaviour with a number (or a list) is a setting: read from ``LOCALAWS_*`` environment variables when the
sandbox starts, listed (and, for tests, changed) through the ``/_sandbox/account`` route.

Behaviours without a number (reserved name prefixes, per-region instance types, REVIEW_IN_PROGRESS
stacks) have no setting: AWS answers them the same way in every account.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from . import config

#: The documented rule: "The maximum number of builds in a queue is five times the concurrent build limit."
#: (CodeBuild user guide, builds-working).
QUEUE_FACTOR = 5


@dataclass
class AccountSettings:
    """The account's limits and delays; every field maps to ``LOCALAWS_<FIELD NAME IN CAPITALS>``."""

    #: The account already has ``AWSServiceRoleForECS`` (an account that once used ECS). New accounts do not.
    ecs_service_linked_role_exists: bool = False
    #: Concurrently running CodeBuild builds (Service Quotas: "Concurrently running builds for Linux/...").
    codebuild_concurrency: int = 1
    #: Builds that may wait as QUEUED; unset means the documented five times the concurrency.
    codebuild_queue: int | None = None
    #: How long a new IAM role or instance profile stays invisible to the services that validate it (0: never).
    iam_propagation_seconds: float = 5.0
    #: How long a deleted capacity provider stays INACTIVE, its name still taken (AWS: up to about an hour).
    capacity_provider_retention_seconds: float = 60.0
    #: How long a deleted ECS service stays DRAINING before it becomes INACTIVE.
    service_draining_seconds: float = 5.0
    #: Instance types launch only in the zones that offer them (moto's per-region offering data).
    instance_type_offerings: bool = True
    #: Opt-in regions the account has enabled (DescribeRegions: "opted-in"); the others answer
    #: "not-opted-in". A new account has enabled none. Comma-separated in the environment.
    opted_in_regions: list[str] = field(default_factory=list)

    @property
    def codebuild_queue_limit(self) -> int:
        return self.codebuild_queue if self.codebuild_queue is not None else QUEUE_FACTOR * self.codebuild_concurrency

    def document(self) -> dict[str, Any]:
        """The settings as the ``/_sandbox/account`` route lists them, with their variables."""
        values = asdict(self)
        values["codebuild_queue_limit"] = self.codebuild_queue_limit
        return {"settings": values, "environment": {f.name: environment_name(f.name) for f in fields(self)}}


def environment_name(field_name: str) -> str:
    """The ``LOCALAWS_*`` variable that sets one account setting; the ``/_sandbox/account`` route lists it."""
    return config.account_variable(field_name)


def from_environment(environ: dict[str, str] | None = None) -> AccountSettings:
    """Defaults, overridden by the ``LOCALAWS_*`` variables that are set (read by ``config.py``)."""
    settings = AccountSettings()
    for name, value in config.account_values({f.name: f.type for f in fields(settings)}, environ).items():
        setattr(settings, name, value)
    return settings


_lock = threading.Lock()
_current = from_environment()


def current() -> AccountSettings:
    """The settings in force (the sandbox process reads its environment once, at start)."""
    return _current


def update(changes: dict[str, Any]) -> AccountSettings:
    """Change some settings of the running sandbox (tests do, to reach a behaviour quickly)."""
    known = {f.name: f for f in fields(AccountSettings)}
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise ValueError(f"unknown account settings {unknown}; known: {sorted(known)}")
    parsed = {name: config.parse_value(known[name].type, value, name) for name, value in changes.items()}
    with _lock:
        for name, value in parsed.items():
            setattr(_current, name, value)
    return _current


def reset() -> AccountSettings:
    """Back to what the environment said at start."""
    fresh = from_environment()
    with _lock:
        for item in fields(fresh):
            setattr(_current, item.name, getattr(fresh, item.name))
    return _current
