"""Which permissions each role used: every action and resource a service role was checked for, how
often, and the refusals (the ``/_sandbox/iam/usage`` route serves this); the same for IAM users and the roles
they assumed (``identities``, by the caller's ARN)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .. import config

_used: Counter[tuple[str, str, str]] = Counter()
_denied: list[dict[str, str]] = []
_assumed: Counter[tuple[str, str, bool]] = Counter()
#: (identity ARN, statement Sid, alone): how often a statement allowed an identity's request, ``alone`` when no other
#: statement did: removing that statement would refuse the request, so the step that made it would fail.
_statements: Counter[tuple[str, str, bool]] = Counter()
#: (identity ARN, statement Sid) -> the first request that statement alone allowed: action, resource and the request's
#: own context keys (tags, iam:PassedToService), so a test can ask again without the statement.
_examples: dict[tuple[str, str], dict[str, Any]] = {}
#: Requests signed with the account's own credentials (the root user's: the kit's admin work, the instructor), per
#: service: IAM does not evaluate them, so they are counted apart from every identity's.
_root: Counter[str] = Counter()
_lock = threading.Lock()


def record(
    role_arn: str,
    action: str,
    resource: str,
    allowed: bool,
    allowed_by: Sequence[str] = (),
    context: Mapping[str, str | list[str]] | None = None,
) -> None:
    """Count one check of ``action`` on ``resource``, or keep it among the refusals (the latest 500). ``role_arn`` is
    the ARN of whoever was checked: a service's role, an IAM user or an assumed-role session; ``allowed_by`` the Sids
    of the statements that allowed it."""
    with _lock:
        if allowed:
            _used[(role_arn, action, resource)] += 1
            for sid in allowed_by:
                _statements[(role_arn, sid, len(allowed_by) == 1)] += 1
            if len(allowed_by) == 1 and (role_arn, allowed_by[0]) not in _examples:
                example = {"action": action, "resource": resource, "context": dict(context or {})}
                _examples[(role_arn, allowed_by[0])] = example
        else:
            _denied.append(
                {"role": role_arn, "action": action, "resource": resource, "time": datetime.now(UTC).isoformat()}
            )
            del _denied[:-500]


def record_root(service: str) -> None:
    """Count one request signed with the account's root credentials (not evaluated)."""
    with _lock:
        _root[service] += 1


def record_assume(role_arn: str, service: str, admitted: bool) -> None:
    """Count one attempt by ``service`` to assume ``role_arn``; a refused one (the trust policy does not admit the
    service) is kept among the refusals too."""
    with _lock:
        _assumed[(role_arn, service, admitted)] += 1
        if not admitted:
            _denied.append(
                {
                    "role": role_arn,
                    "action": "sts:AssumeRole",
                    "resource": role_arn,
                    "service": service,
                    "time": datetime.now(UTC).isoformat(),
                }
            )
            del _denied[:-500]  # the latest 500, as ``record`` keeps


def snapshot() -> dict[str, Any]:
    """``roles``: role ARN -> [{action, resource, count}]; ``identities``: the same for IAM users and assumed-role
    sessions (by their ARN); ``denied``: the refusals, oldest first; ``root``: per service, the requests signed with the
    account's root credentials, which are not evaluated."""
    with _lock:
        roles: dict[str, list[dict[str, Any]]] = {}
        identities: dict[str, list[dict[str, Any]]] = {}
        for (role, action, resource), count in sorted(_used.items()):
            kind = roles if ":role/" in role else identities
            kind.setdefault(role, []).append({"action": action, "resource": resource, "count": count})
        assumed = [
            {"role": role, "service": service, "admitted": admitted, "count": count}
            for (role, service, admitted), count in sorted(_assumed.items())
        ]
        statements: dict[str, dict[str, dict[str, Any]]] = {}
        for (who, sid, alone), count in sorted(_statements.items()):
            counts = statements.setdefault(who, {}).setdefault(sid, {"allowed": 0, "alone": 0})
            counts["allowed"] += count
            counts["alone"] += count if alone else 0
            if (who, sid) in _examples:
                counts["example"] = _examples[(who, sid)]
        return {
            "enforcement": config.iam_enforcement(),
            "roles": roles,
            "identities": identities,
            "statements": statements,
            "assumed": assumed,
            "denied": list(_denied),
            "root": dict(sorted(_root.items())),
        }


def reset() -> None:
    """Forget every count and refusal (``DELETE /_sandbox/iam/usage``, and ``runtime.reset`` between tests)."""
    with _lock:
        _used.clear()
        _denied.clear()
        _assumed.clear()
        _statements.clear()
        _root.clear()
        _examples.clear()
