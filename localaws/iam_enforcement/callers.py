"""Who signed a request: an IAM user (its access key, made by CreateAccessKey) or a role a caller assumed
with STS AssumeRole, and that identity's policies as IAM evaluates them.

The sandbox's default credentials (``testing``, the kit's own admin work) belong to neither: they stand for
the account's root user, whom IAM does not evaluate, and GetCallerIdentity names them so
(``arn:aws:iam::ACCOUNT:root``). Any other access key that is no identity's (a typo, a deleted or
deactivated key, a real account's key pointed at the sandbox) is refused as AWS refuses it: the security
token is invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from . import usage
from .evaluator import EXPLICIT_DENY, Decision, Principal, evaluate, statement_applies
from .sessions import AccessDenied, _document


@dataclass
class Caller:
    """An IAM user, or a role session a caller got from STS AssumeRole, in one account."""

    arn: str  # as AWS names the caller in its messages: user/NAME, or assumed-role/ROLE/SESSION
    account: str
    partition: str
    policies: list[dict[str, Any]] = field(default_factory=list)
    boundary: dict[str, Any] | None = None
    role_arn: str = ""
    username: str = ""

    def authorize(
        self,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]] | None = None,
        resource_policy: Mapping[str, Any] | None = None,
    ) -> None:
        """Raise ``AccessDenied`` (AWS's message) unless the caller may perform ``action`` on ``resource``."""
        full_context: dict[str, str | list[str]] = {
            "aws:PrincipalArn": self.role_arn or self.arn,
            "aws:PrincipalAccount": self.account,
            "aws:SecureTransport": "true",
            **({"aws:username": self.username} if self.username else {}),
            **(context or {}),
        }
        decision: Decision = evaluate(
            self.policies,
            action,
            resource,
            full_context,
            resource_policy,
            Principal(arn=self.arn, role_arn=self.role_arn, bounded=self.boundary is not None),
            self.boundary,
        )
        matched = decision.matched if decision.allowed else ()
        usage.record(self.arn, action, resource, decision.allowed, matched, context)
        if not decision.allowed:
            resource_deny = resource_policy is not None and decision.decision == EXPLICIT_DENY
            where = "a resource-based policy" if resource_deny else "an identity-based policy"
            raise AccessDenied(self.arn, action, resource, decision, where)


def trust_admits_caller(caller: Caller, role_arn: str) -> bool:
    """Whether a role's trust policy lets ``caller`` assume it: an Allow naming the caller, its role or its account,
    and no Deny. A trust policy is the one resource policy that must allow for every caller, even in the role's own
    account (IAM User Guide, Policy evaluation logic: "Role trust policies"); one that names only the account
    delegates to the caller's identity policies, which ``Caller.authorize`` has asked already. The role is looked up in
    its own account (the ARN's): a role in another account trusts callers of this one only if its policy says so."""
    fields = role_arn.split(":")
    account = fields[4] if len(fields) > 5 and fields[4].isdigit() else caller.account
    try:
        role = iam_backends[account][caller.partition].get_role_by_arn(role_arn)
    except Exception:  # moto's IAMNotFoundException: no such role, refused as AWS refuses it (no hint it is missing)
        return False
    trust = _document(role.assume_role_policy_document)
    principal = Principal(arn=caller.arn, role_arn=caller.role_arn)
    context: dict[str, str | list[str]] = {"aws:PrincipalArn": caller.role_arn or caller.arn}
    allowed = False
    for statement in trust.get("Statement", []):
        named = statement_applies(statement, "sts:AssumeRole", role_arn, context, principal)
        if named is not None and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or named is not None
    return allowed


def caller_for(access_key_id: str, account: str, partition: str) -> Caller | None:
    """The IAM user or assumed role an access key belongs to; None when the key is no identity's, or is
    inactive (AWS then refuses the request as an invalid token: ``requests.py``)."""
    backend = iam_backends[account][partition]
    user = backend.get_user_from_access_key_id(access_key_id)
    if user is not None:
        key = next(k for k in user.access_keys if k.access_key_id == access_key_id)
        if str(getattr(key, "status", "Active")) != "Active":
            return None
        return Caller(user.arn, account, partition, user_policies(backend, user), None, "", user.name)
    assumed = sts_backends[account][partition].get_assumed_role_from_access_key(access_key_id)
    if assumed is None:
        return None
    try:
        role = backend.get_role_by_arn(assumed.role_arn)
    except Exception:  # moto's IAMNotFoundException: the role was deleted; its sessions may do nothing
        return Caller(assumed.arn, account, partition, role_arn=assumed.role_arn)
    policies = [_document(text) for text in role.policies.values()]
    policies += [_default_version(p) for p in role.managed_policies.values()]
    boundary = _boundary(backend, role.permissions_boundary_arn)
    return Caller(assumed.arn, account, partition, policies, boundary, str(role.arn))


def user_policies(backend: Any, user: Any) -> list[dict[str, Any]]:
    """A user's identity policies: inline, attached managed (default version), and its groups' both."""
    documents = [_document(text) for text in user.policies.values()]
    documents += [_default_version(p) for p in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user.name):
        documents += [_document(text) for text in group.policies.values()]
        documents += [_default_version(p) for p in group.managed_policies.values()]
    return documents


def _boundary(backend: Any, arn: str | None) -> dict[str, Any] | None:
    if not arn:
        return None
    try:
        return _default_version(backend.get_policy(arn))
    except Exception:  # a boundary policy that is gone allows nothing
        return {"Version": "2012-10-17", "Statement": []}


def _default_version(policy: Any) -> dict[str, Any]:
    return _document(next(v for v in policy.versions if v.is_default).document)
