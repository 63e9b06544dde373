"""IAM enforced for the services that act for the workshop.

When CodePipeline, CodeBuild, ECS, EventBridge or EC2 act with a role, the sandbox first checks that
the role's trust policy admits the service, then evaluates every action against the role's identity
policies and the resource's policy with AWS's logic (``evaluator.py``), and fails the action where
AWS reports it, with AWS's message. Requests signed by an IAM user's access key (an event's participants)
or by a role a caller assumed are evaluated the same way (``callers.py``, ``actions.py``). The sandbox's
default credentials (``testing``) are the account's root user: not evaluated, and GetCallerIdentity says so.

``sessions.py`` assumes roles and authorizes; ``requests.py`` evaluates requests signed with a
session's or a user's credentials; ``actions.py`` is the table of what each operation is evaluated
against; ``usage.py`` records which permissions each role used; ``simulator.py``
answers IAM's SimulatePrincipalPolicy; ``signer.py`` keeps who signed the request being served (a branch event's
``callerUserArn``). ``LOCALAWS_IAM_ENFORCEMENT=0`` turns the checks off (usage is
still recorded).
"""

from __future__ import annotations

from moto.sts.models import STSBackend
from moto.utilities.utils import get_partition

from ..seams import moto as moto_seam
from . import accounts, requests
from .callers import caller_for
from .sessions import AccessDenied, RoleSession, TrustRefused, assume, enabled, session_for

__all__ = ["AccessDenied", "RoleSession", "TrustRefused", "assume", "enabled", "install"]


def install() -> None:
    """Plug enforcement into moto once, at start (``services.install``): the request hook evaluates every request signed
    by an identity IAM evaluates (``requests.py``), and GetCallerIdentity names the identity a key belongs to."""
    requests.install()
    accounts.install()
    _answer_who_a_session_is()


def _answer_who_a_session_is() -> None:
    """GetCallerIdentity with a role session's key names the assumed role, as on AWS; an IAM user's key or
    an assumed role's names them (moto's answer); any other key is the account's root user, which is what the
    sandbox's default credentials stand for (moto would invent a user ``moto`` that IAM does not have)."""

    original = STSBackend.get_caller_identity

    def get_caller_identity(self: STSBackend, access_key_id: str, region: str) -> tuple[str, str, str]:
        session = session_for(access_key_id)
        if session is None:
            account = self.account_id
            partition = get_partition(region)
            if caller_for(access_key_id, account, partition) is not None:
                return original(self, access_key_id, region)
            return account, f"arn:{partition}:iam::{account}:root", account
        return f"AROA{session.access_key_id[4:]}:{session.session_name}", session.arn, session.account

    moto_seam.patch(STSBackend, "get_caller_identity", get_caller_identity)
