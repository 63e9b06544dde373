"""Who a git request over HTTP is, and whether they may pull or push.

CodeCommit's HTTPS git endpoint takes the caller's AWS identity as the Basic user name (git-remote-codecommit and
``aws codecommit credential-helper`` send the access key id, a session's token after a ``%``, and a SigV4 signature
as the password) and evaluates ``codecommit:GitPull`` (clone, fetch, pull) or ``codecommit:GitPush`` (push) on the
repository's ARN. A request without credentials is asked for them (401); a key that is no identity's is refused.
As everywhere in the sandbox, the signature is not verified (the endpoint is loopback-only), and the sandbox's
default credentials (``testing``) are the account's root user, whom IAM does not evaluate.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote

from moto.utilities.utils import get_partition

from ...iam_enforcement import AccessDenied, enabled, session_for
from ...iam_enforcement.accounts import ACCOUNT_HEADER, account_of
from ...iam_enforcement.callers import caller_for

#: An access key IAM knows the shape of (AKIA…, ASIA…); the sandbox's default ``testing`` is the root user's.
_IDENTITY_KEY = re.compile(r"[A-Z0-9]+")
_INVALID_TOKEN = "The security token included in the request is invalid."


class GitRefused(Exception):
    """A git request the endpoint answers with an HTTP error, as git shows it (``The requested URL returned ...``)."""

    def __init__(self, status: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status, self.headers = status, list(headers)


def is_push(environ: dict[str, Any], path: str) -> bool:
    """Whether the request is part of a push (git-receive-pack's refs advertisement or its POST) rather than a pull."""
    return path.endswith("git-receive-pack") or "service=git-receive-pack" in environ.get("QUERY_STRING", "")


def git_account(environ: dict[str, Any]) -> str:
    """The account a git request acts in: its credentials' (an IAM user's or a role session's key), or for the
    sandbox's root credentials the account the sandbox's admin header names, else the default one. A request without
    credentials is asked for them (``GitRefused``, 401), before any repository is looked up."""
    key = _access_key(environ.get("HTTP_AUTHORIZATION", ""))
    named = environ.get("HTTP_" + ACCOUNT_HEADER.upper().replace("-", "_"))
    return account_of(key, {ACCOUNT_HEADER: named} if named else {})


def git_caller(environ: dict[str, Any], repository: Any, region: str, push: bool) -> str | None:
    """The ARN of the identity the request's credentials belong to (None: the account's root user), once it may
    do what it asks; ``GitRefused`` otherwise, with the status and message CodeCommit's endpoint would give."""
    key = _access_key(environ.get("HTTP_AUTHORIZATION", ""))
    if not _IDENTITY_KEY.fullmatch(key):
        return None
    action = "codecommit:GitPush" if push else "codecommit:GitPull"
    session = session_for(key)
    try:
        if session is not None:
            session.authorize(action, repository.arn)
            return session.arn
        account = repository.arn.split(":")[4]
        caller = caller_for(key, account, get_partition(region))
        if caller is None:
            raise GitRefused("403 Forbidden", _INVALID_TOKEN)
        if enabled():
            caller.authorize(action, repository.arn)
        return caller.arn
    except AccessDenied as denied:
        raise GitRefused("403 Forbidden", str(denied)) from None


def _access_key(authorization: str) -> str:
    """The access key id a Basic ``Authorization`` header names (a session's token after ``%`` is dropped)."""
    scheme, _, encoded = authorization.partition(" ")
    try:
        user = base64.b64decode(encoded, validate=True).decode().partition(":")[0] if scheme == "Basic" else ""
    except (binascii.Error, UnicodeDecodeError):
        user = ""
    if not user:
        raise GitRefused(
            "401 Unauthorized",
            "CodeCommit needs your AWS credentials: use git-remote-codecommit or the AWS CLI's credential helper",
            (("WWW-Authenticate", 'Basic realm="AWS CodeCommit"'),),
        )
    return unquote(user).partition("%")[0]
