"""Which account a request acts in: the account of the credentials that signed it, as on AWS.

moto keys every backend by account id and picks a request's account from, in order, ``MOTO_ACCOUNT_ID``, the
``x-moto-account-id`` header (the sandbox's admin header: the root user of the account it names, what an
``OrganizationAccountAccessRole`` gives a management account on AWS), and the access key (an IAM user's key, or an
STS AssumeRole session's key, which moto files under the role's account). The sandbox adds one source moto does not
know: the role sessions it issues to services (a pipeline's, a build's, a task's), which act in the account of the
resource they run for (``sessions.RoleSession.account``). Without it, a pipeline in account B would write its
artifacts into the default account. The sandbox's default credentials (``testing``) stay the default account's root.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from ..seams import moto as moto_seam
from .sessions import session_for

#: The header that names the account a request made with the account's root credentials acts in.
ACCOUNT_HEADER = "x-moto-account-id"


def install() -> None:
    """Have moto ask ``account_of`` for every request's account (``seams/moto.py``: BaseResponse's lookup)."""
    from moto.core.responses import BaseResponse

    def get_current_account(self: Any) -> str:
        return account_of(self.get_access_key(), self.headers)

    moto_seam.patch(BaseResponse, "get_current_account", get_current_account)


def account_of(access_key: str, headers: Mapping[str, Any] | None = None) -> str:
    """The account a request signed with ``access_key`` acts in (see the module's docstring)."""
    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    named = _header(headers or {})
    if named:
        return named
    session = session_for(access_key)
    if session is not None:
        return session.account
    return str(get_account_id_from(access_key)) if access_key else DEFAULT_ACCOUNT_ID


def _header(headers: Mapping[str, Any]) -> str:
    for key, value in headers.items():
        if str(key).lower() == ACCOUNT_HEADER:
            return str(value)
    return ""
