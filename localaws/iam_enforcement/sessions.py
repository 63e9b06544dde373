"""Role sessions: what a service gets when it assumes a role for the workshop, and every check made
with it.

A service (CodePipeline, CodeBuild, ECS, EventBridge, EC2) assumes a role only if the role's trust
policy admits it, with the ``aws:SourceAccount``/``aws:SourceArn`` AWS sends. The session then
carries credentials issued by the sandbox (an ``ASIA…`` access key the request hook recognises) and
``authorize()`` evaluates the role's identity policies (inline and attached managed) and the
resource's policy for one action on one resource, records the use, and raises ``AccessDenied`` with
AWS's message when the role may not.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from moto.iam.models import iam_backends

from .. import config
from ..services import loopback
from . import usage
from .evaluator import EXPLICIT_DENY, Decision, Principal, evaluate, trust_admits

SWITCH = config.IAM_ENFORCEMENT
#: Enforcement is on unless ``LOCALAWS_IAM_ENFORCEMENT`` is 0/false/off/no (``config.py`` reads it).
enabled = config.iam_enforcement


class AccessDenied(Exception):
    """A role may not perform an action on a resource; ``str()`` is AWS's message."""

    def __init__(self, principal_arn: str, action: str, resource: str, decision: Decision, where: str) -> None:
        reason = (
            f"with an explicit deny in {where}"
            if decision.decision == EXPLICIT_DENY
            else f"because no identity-based policy allows the {action} action"
        )
        super().__init__(
            f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {reason}"
        )
        self.principal_arn, self.action, self.resource = principal_arn, action, resource


class TrustRefused(Exception):
    """The role's trust policy does not admit the service (or the role does not exist)."""

    def __init__(self, service: str, role_arn: str) -> None:
        super().__init__(f"{service} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        self.service, self.role_arn = service, role_arn


@dataclass
class RoleSession:
    role_arn: str
    session_name: str
    service: str
    account: str
    partition: str
    access_key_id: str = field(default_factory=lambda: "ASIA" + secrets.token_hex(8).upper())
    secret_access_key: str = field(default_factory=lambda: secrets.token_urlsafe(30))
    session_token: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def arn(self) -> str:
        """The session's ARN, as AWS names the caller in its messages."""
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.role_name}/{self.session_name}"

    def environment(self) -> dict[str, str]:
        """The credentials as the AWS CLI and SDKs read them from the environment."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }

    def client(self, service: str, region: str) -> Any:
        """A client for the sandbox's endpoint that signs with this session's credentials."""

        return loopback.client(service, region, self.access_key_id, self.secret_access_key, self.session_token)

    def check(
        self,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]] | None = None,
        resource_policy: Mapping[str, Any] | None = None,
    ) -> Decision:
        """The decision for one request, recorded; never raises."""
        full_context: dict[str, str | list[str]] = {
            "aws:PrincipalArn": self.role_arn,
            "aws:PrincipalAccount": self.account,
            "aws:userid": f"{self.role_name}:{self.session_name}",
            "aws:SecureTransport": "true",
            **(context or {}),
        }
        decision = evaluate(
            role_policies(self.account, self.partition, self.role_arn),
            action,
            resource,
            full_context,
            resource_policy,
            Principal(arn=self.arn, role_arn=self.role_arn),
        )
        usage.record(self.role_arn, action, resource, decision.allowed or not enabled())
        return decision

    def authorize(
        self,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]] | None = None,
        resource_policy: Mapping[str, Any] | None = None,
    ) -> None:
        """Raise ``AccessDenied`` (AWS's message) unless the role may perform ``action`` on ``resource``."""
        decision = self.check(action, resource, context, resource_policy)
        if not decision.allowed and enabled():
            resource_deny = resource_policy is not None and decision.decision == EXPLICIT_DENY
            where = "a resource-based policy" if resource_deny else "an identity-based policy"
            raise AccessDenied(self.arn, action, resource, decision, where)


_sessions: dict[str, RoleSession] = {}
_by_role: dict[tuple[str, str, str], RoleSession] = {}
_lock = threading.Lock()


def assume(
    role_arn: str,
    service: str,
    account: str,
    partition: str = "aws",
    session_name: str | None = None,
    source_arn: str | None = None,
) -> RoleSession:
    """``service`` assumes ``role_arn`` for the workshop: the trust policy must admit it (with the
    ``aws:SourceAccount`` and ``aws:SourceArn`` AWS sends), else ``TrustRefused``."""
    role = _role(account, partition, role_arn)
    if enabled():
        trust = _document(role.assume_role_policy_document) if role is not None else None
        context: dict[str, str | list[str]] = {"aws:SourceAccount": account}
        if source_arn:
            context["aws:SourceArn"] = source_arn
        admitted = trust is not None and trust_admits(trust, service, role_arn, context)
        usage.record_assume(role_arn, service, admitted)
        if not admitted:
            raise TrustRefused(_service_display(service), role_arn)
    name = session_name or secrets.token_hex(8)
    key = (role_arn, service, name)
    with _lock:
        session = _by_role.get(key)
        if session is None:
            session = RoleSession(role_arn, name, service, account, partition)
            _by_role[key] = session
            _sessions[session.access_key_id] = session
        return session


def forget_sessions() -> None:
    """Forget every role session (``runtime.reset``): their keys are refused as unknown callers from now on."""
    with _lock:
        _sessions.clear()
        _by_role.clear()


def session_for(access_key_id: str) -> RoleSession | None:
    """The role session an access key belongs to; None for every other caller (the learner)."""
    return _sessions.get(access_key_id)


def role_policies(account: str, partition: str, role_arn: str) -> list[dict[str, Any]]:
    """The role's identity policies as they are now: inline, then attached managed (default version)."""
    role = _role(account, partition, role_arn)
    if role is None:
        return []
    documents = [_document(text) for text in role.policies.values()]
    for policy in role.managed_policies.values():
        version = next((v for v in policy.versions if v.is_default), None)
        if version is not None:
            documents.append(_document(version.document))
    return documents


def _role(account: str, partition: str, role_arn: str) -> Any:

    backend = iam_backends[account][partition]
    try:
        return backend.get_role_by_arn(role_arn)
    except Exception:  # moto's IAMNotFoundException: the role is gone
        return None


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    text = str(text)
    return dict(json.loads(text if text.lstrip().startswith("{") else unquote(text)))


def _service_display(service: str) -> str:
    return {
        "codebuild.amazonaws.com": "CodeBuild",
        "codepipeline.amazonaws.com": "CodePipeline",
        "events.amazonaws.com": "Amazon EventBridge",
        "ecs-tasks.amazonaws.com": "ECS",
        "ec2.amazonaws.com": "EC2",
    }.get(service, service)
