"""IAM's eventual consistency as the services that check a role see it: a role or instance profile
younger than ``iam_propagation_seconds`` (account.py) is not there yet for them.

AWS documents that IAM changes take time to propagate; CodeBuild, CodePipeline and Auto Scaling validate
the roles they are given at once and refuse a role they cannot see yet, which is how a script that
creates a role and uses it in the next line fails on a real account and passes on an emulator.
"""

from __future__ import annotations

from moto.core.utils import utcnow

from ... import account
from .models import backend


def _too_new(created: object) -> bool:
    delay = account.current().iam_propagation_seconds
    if delay <= 0 or created is None:
        return False
    return (utcnow() - created).total_seconds() < delay  # type: ignore[operator]


def role_not_yet_visible(account_id: str, role_arn: str, partition: str = "aws") -> bool:
    """True while the role named by ``role_arn`` exists but is too new for other services to see."""
    name = role_arn.rsplit("/", 1)[-1]
    role = backend(account_id, partition).role_named(name)
    return role is not None and _too_new(role.create_date)


def role_missing_or_not_yet_visible(account_id: str, role_arn: str, partition: str = "aws") -> bool:
    """True when a service could not assume the role: it does not exist, or IAM has not propagated it."""
    name = role_arn.rsplit("/", 1)[-1]
    role = backend(account_id, partition).role_named(name)
    return role is None or _too_new(role.create_date)


def instance_profile_not_yet_visible(account_id: str, name_or_arn: str, partition: str = "aws") -> bool:
    """True while the instance profile exists but is too new for EC2 and Auto Scaling to see."""
    profile = backend(account_id, partition).instance_profile_named(name_or_arn)
    return profile is not None and _too_new(profile.create_date)
