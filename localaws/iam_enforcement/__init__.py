"""IAM enforced for the services that act for the workshop.

When CodePipeline, CodeBuild, ECS, EventBridge or EC2 act with a role, the sandbox first checks that
the role's trust policy admits the service, then evaluates every action against the role's identity
policies and the resource's policy with AWS's logic (``evaluator.py``), and fails the action where
AWS reports it, with AWS's message. The learner's own calls (the ``testing`` credentials) stand for
the account's administrator and are not evaluated.

``sessions.py`` assumes roles and authorizes; ``requests.py`` evaluates requests signed with a
session's credentials; ``usage.py`` records which permissions each role used; ``simulator.py``
answers IAM's SimulatePrincipalPolicy. ``LOCALAWS_IAM_ENFORCEMENT=0`` turns the checks off (usage is
still recorded).
"""

from __future__ import annotations

from moto.sts.models import STSBackend

from ..seams import moto as moto_seam
from . import requests
from .sessions import AccessDenied, RoleSession, TrustRefused, assume, enabled, session_for

__all__ = ["AccessDenied", "RoleSession", "TrustRefused", "assume", "enabled", "install"]


def install() -> None:

    requests.install()
    _answer_who_a_session_is()


def _answer_who_a_session_is() -> None:
    """GetCallerIdentity with a role session's key names the assumed role, as on AWS."""

    original = STSBackend.get_caller_identity

    def get_caller_identity(self: STSBackend, access_key_id: str, region: str) -> tuple[str, str, str]:
        session = session_for(access_key_id)
        if session is None:
            return original(self, access_key_id, region)
        return f"AROA{session.access_key_id[4:]}:{session.session_name}", session.arn, session.account

    moto_seam.patch(STSBackend, "get_caller_identity", get_caller_identity)
