"""The participant policy for AWS Workshop Studio, where each participant has an account of their own: one
document serves every participant's account, so the account is not written in it.

IAM allows a policy variable in a Resource ARN only after its fifth colon ("You can't use a variable to replace
parts of the ARN before the fifth colon, such as the service or account": IAM User Guide, IAM policy elements:
Variables and tags, "Where you can use policy variables"). So the account field of every ARN is ``*`` (IAM allows
wildcards in every segment but the partition and service), and ``${aws:PrincipalAccount}`` stays only where the
account is part of a resource's own name, after the fifth colon: the artifact bucket's
(``PREFIX-artifacts-${aws:PrincipalAccount}-REGION``). The names are still exact; an ARN in another account only
matches if that account's own resource policy also lets the participant in. The preflight's simulator is given
``aws:PrincipalAccount`` as a context key, as IAM's simulator does not fill it in itself.
"""

from __future__ import annotations

import re
from typing import Any

from .policy import learner_policy_documents

#: The policy variable that names the participant's own account (IAM User Guide, AWS global condition context
#: keys, aws:PrincipalAccount).
PRINCIPAL_ACCOUNT = "${aws:PrincipalAccount}"


def studio_policy_documents(prefix: str, region: str, partition: str = "aws") -> list[dict[str, Any]]:
    """``learner_policy_documents`` for a Workshop Studio participant: every account field ``*``, the account
    variable only inside resource names (see the module's docstring)."""
    documents = learner_policy_documents(prefix, region, PRINCIPAL_ACCOUNT, partition)
    for document in documents:
        for statement in document["Statement"]:
            for key in ("Resource", "NotResource"):
                if key in statement:
                    statement[key] = _any_account(statement[key])
    return documents


#: A policy variable, whose own colon (``${aws:...}``) is no ARN separator.
_VARIABLE = re.compile(r"\$\{[^}]*\}")
#: An ARN whose account field is the account variable.
_ACCOUNT_FIELD = re.compile(r"^(arn:[^:]+:[^:]+:[^:]*:)" + re.escape(PRINCIPAL_ACCOUNT) + ":")


def variable_before_fifth_colon(resource: str) -> bool:
    """Whether an ARN pattern uses a policy variable where IAM does not allow one (before its fifth colon)."""
    fields = _VARIABLE.sub("$", resource).split(":", 5)
    return any("$" in field for field in fields[:5])


def _any_account(value: Any) -> Any:
    if isinstance(value, list):
        return [_any_account(item) for item in value]
    return _ACCOUNT_FIELD.sub(r"\1*:", str(value))
