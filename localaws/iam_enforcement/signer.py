"""Who signed the request being served, for what AWS records about its caller: a CodeCommit branch event's
``callerUserArn`` names whoever moved the branch (PutFile, CreateCommit, a ``git push``).

The request hook (``requests.py``) and the git endpoint set it in the thread that serves the request, before
the service runs; the sandbox's default credentials, and work outside any request, are the account's root user.
"""

from __future__ import annotations

from contextvars import ContextVar

_SIGNER: ContextVar[str | None] = ContextVar("signer", default=None)


def set_signer(arn: str | None) -> None:
    """Record the ARN of the identity that signed this thread's request (None: the account's root user)."""
    _SIGNER.set(arn)


def signer(account: str, partition: str = "aws") -> str:
    """The ARN of whoever signed the request this thread serves: an IAM user, an assumed role's session, or the
    account's root user (``arn:PARTITION:iam::ACCOUNT:root``)."""
    return _SIGNER.get() or f"arn:{partition}:iam::{account}:root"
