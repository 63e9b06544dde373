"""S3 bucket policies evaluated with the request context AWS would give them.

moto's policy evaluation is built for trust policies: it ignores condition operators it does not
know (``Bool`` among them) and treats a statement whose condition does not hold as a denial, whatever
its Effect. The kit's TLS-only policy (Deny when aws:SecureTransport is false) would then deny every
request. The sandbox evaluates bucket policies with the one evaluator it has for every policy kind
(``iam_enforcement/evaluator.py``), whose Deny wins as on AWS. Its endpoint is loopback-only and stands for
AWS's TLS endpoint, so requests carry aws:SecureTransport=true. moto asks without naming the caller, so the
statements' Principal is not checked here.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import PermissionResult
from moto.s3.exceptions import InvalidBucketName
from moto.s3.models import FakeBucket, S3Backend

from ...iam_enforcement.evaluator import EXPLICIT_DENY, evaluate

REQUEST_CONTEXT = {"aws:SecureTransport": "true"}
#: General-purpose bucket names may not start or end with these (S3 user guide, bucket naming rules).
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


class ReservedNamesS3Backend(S3Backend):
    def create_bucket(self, bucket_name: str, region_name: str, bucket_namespace: str | None = None) -> FakeBucket:
        if bucket_name.startswith(RESERVED_BUCKET_PREFIXES) or bucket_name.endswith(RESERVED_BUCKET_SUFFIXES):
            raise InvalidBucketName()
        return super().create_bucket(bucket_name, region_name, bucket_namespace)


def bucket_permission(bucket: Any, action: str, resource: str) -> Any:
    """Stands in for moto's ``FakeBucket.get_permission``: the bucket policy's answer for ``action`` on ``resource``,
    with ``aws:SecureTransport`` true. DENIED on an explicit Deny, PERMITTED on an Allow, NEUTRAL otherwise or with no
    policy; the statements' Principal is not checked, since moto does not say who asks."""
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    decision = evaluate([], action, resource, dict(REQUEST_CONTEXT), json.loads(bucket.policy.decode()))
    if decision.decision == EXPLICIT_DENY:
        return PermissionResult.DENIED
    return PermissionResult.PERMITTED if decision.allowed else PermissionResult.NEUTRAL
