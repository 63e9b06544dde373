"""S3 bucket policies evaluated with the request context AWS would give them.

moto's policy evaluation is built for trust policies: it ignores condition operators it does not
know (``Bool`` among them) and treats a statement whose condition does not hold as a denial, whatever
its Effect. The kit's TLS-only policy (Deny when aws:SecureTransport is false) would then deny every
request. The sandbox evaluates bucket policies itself: Allow/Deny statements, Action/NotAction and
Resource wildcards, and the Bool, String and Null condition operators. Its endpoint is loopback-only
and stands for AWS's TLS endpoint, so requests carry aws:SecureTransport=true.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from moto.s3.exceptions import InvalidBucketName
from moto.s3.models import FakeBucket, S3Backend

REQUEST_CONTEXT = {"aws:SecureTransport": "true"}
#: General-purpose bucket names may not start or end with these (S3 user guide, bucket naming rules).
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


class ReservedNamesS3Backend(S3Backend):
    def create_bucket(self, bucket_name: str, region_name: str, bucket_namespace: str | None = None) -> FakeBucket:
        if bucket_name.startswith(RESERVED_BUCKET_PREFIXES) or bucket_name.endswith(RESERVED_BUCKET_SUFFIXES):
            raise InvalidBucketName()
        return super().create_bucket(bucket_name, region_name, bucket_namespace)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in _as_list(patterns))


def _condition_holds(conditions: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, entries in conditions.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        for key, expected in entries.items():
            actual = context.get(key)
            if base == "Null":
                if (actual is None) != (str(_as_list(expected)[0]).lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists:
                    continue
                return False
            values = [str(v) for v in _as_list(expected)]
            if base == "Bool":
                holds = actual.lower() in [v.lower() for v in values]
            elif base == "StringEquals":
                holds = actual in values
            elif base == "StringNotEquals":
                holds = actual not in values
            elif base == "StringLike":
                holds = any(fnmatch.fnmatchcase(actual, v) for v in values)
            else:
                holds = True  # an operator the sandbox does not model: assume it holds, as moto does
            if not holds:
                return False
    return True


def evaluate(policy: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> str:
    """'DENIED', 'PERMITTED' or 'NEUTRAL', with an explicit Deny winning as on AWS."""
    allowed = False
    for statement in _as_list(policy.get("Statement", [])):
        if "NotAction" in statement:
            if _matches(statement["NotAction"], action):
                continue
        elif not _matches(statement.get("Action", []), action):
            continue
        if "Resource" in statement and not _matches(statement["Resource"], resource):
            continue
        if not _condition_holds(statement.get("Condition", {}), context):
            continue
        if statement.get("Effect") == "Deny":
            return "DENIED"
        allowed = True
    return "PERMITTED" if allowed else "NEUTRAL"


def bucket_permission(bucket: Any, action: str, resource: str) -> Any:
    from moto.iam.access_control import PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    result = evaluate(json.loads(bucket.policy.decode()), action, resource, dict(REQUEST_CONTEXT))
    return getattr(PermissionResult, result)
