"""The S3 artifact bucket that carries source, build output and imagedefinitions.json between
pipeline stages: versioned, encrypted, private, and reachable only over TLS. Cleanup empties every
object version and delete marker before deleting it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..core.aws_errors import error_code, is_not_found
from ..core.context import Row, Workshop
from ..core.errors import ResourceConflictError, WorkshopError
from .base import Entry, Found, Kind

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: S3 answers HeadBucket with a bare 403 when another account owns the name (or you may not read it).
_FORBIDDEN = ("403", "AccessDenied", "Forbidden")


def tls_only_policy(bucket: str, partition: str = "aws") -> dict[str, object]:
    """A bucket policy that denies any request to ``bucket`` or its objects not made over TLS
    (``aws:SecureTransport`` false), with ARNs in ``partition``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def ensure(workshop: Workshop) -> list[Row]:
    """The bucket, created or checked, then its settings applied (idempotent)."""
    return [ensure_bucket(workshop)]


def ensure_bucket(workshop: Workshop) -> Row:
    """Create the bucket (with no LocationConstraint in us-east-1, which refuses one), or check that the
    existing one is ours: a 403 from HeadBucket means another account owns the name (ResourceConflictError).
    The public access block, versioning, SSE-S3 encryption and the TLS-only policy are applied on every run."""
    s3 = workshop.client("s3")
    bucket = workshop.names.artifact_bucket
    action = "exists"
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error_code(error) in _FORBIDDEN:
            raise ResourceConflictError("S3 bucket", bucket, workshop.prefix) from None
        if not is_not_found(error):
            raise
        if workshop.settings.region == "us-east-1":  # the one region that takes no location constraint
            s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerEnforced")
        else:
            location: Any = workshop.settings.region
            s3.create_bucket(
                Bucket=bucket,
                ObjectOwnership="BucketOwnerEnforced",
                CreateBucketConfiguration={"LocationConstraint": location},
            )
        s3.get_waiter("bucket_exists").wait(
            Bucket=bucket, WaiterConfig={"Delay": workshop.timing.waiter_delay, "MaxAttempts": 30}
        )
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": workshop.tag_list()})
        action = "created"
    else:
        if not workshop.is_ours(_bucket_tags(s3, bucket)):
            raise ResourceConflictError("S3 bucket", bucket, workshop.prefix)
    arn = f"arn:{workshop.partition}:s3:::{bucket}"
    recorded = BUCKETS.record(workshop, "s3-bucket", name=bucket, arn=arn, action=action)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # SSE-S3; a bucket key only applies to SSE-KMS, so none is set.
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only_policy(bucket, workshop.partition)))
    return recorded


def _bucket_tags(s3: S3Client, bucket: str) -> list[Any]:
    try:
        return list(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return []
        raise


def find_buckets(workshop: Workshop) -> Iterable[Found]:
    """The artifact bucket when it exists. A 403 is raised as a WorkshopError (another account owns the name,
    or you may not read it), never taken for "nothing to delete"."""
    s3 = workshop.client("s3")
    bucket = workshop.names.artifact_bucket
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if is_not_found(error):
            return
        if error_code(error) in _FORBIDDEN:
            raise WorkshopError(
                f"S3 answers 403 for bucket {bucket}: another account owns that name, or you may not read it"
            ) from None
        raise
    yield Found("S3 bucket", bucket, bucket, workshop.is_ours(_bucket_tags(s3, bucket)))


def delete_bucket(workshop: Workshop, found: Found) -> None:
    """Delete every object version and delete marker, then the bucket. A DeleteObjects that refuses
    some keys is raised at once with S3's reasons, instead of a puzzling BucketNotEmpty later."""
    s3 = workshop.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=found.ident):
        objects: list[Any] = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if objects:
            answer = s3.delete_objects(Bucket=found.ident, Delete={"Objects": objects, "Quiet": True})
            errors = answer.get("Errors", [])
            if errors:
                reasons = "; ".join(
                    f"{e.get('Key')}: {e.get('Code')} {e.get('Message', '')}".strip() for e in errors[:3]
                )
                raise WorkshopError(f"S3 kept {len(errors)} object(s) of bucket {found.ident}: {reasons}")
    s3.delete_bucket(Bucket=found.ident)


def bucket_exists(workshop: Workshop, entry: Entry) -> bool:
    """HeadBucket on the recorded name: ListBuckets would need s3:ListAllMyBuckets, which shows every
    participant's bucket; the learner policy grants only the workshop's own bucket."""
    s3 = workshop.client("s3")
    try:
        s3.head_bucket(Bucket=entry["name"])
    except ClientError as error:
        if is_not_found(error):  # HeadBucket answers a bare 404; a 403 (denied, or not ours) propagates
            return False
        raise
    return True


BUCKETS = Kind(
    "S3 buckets",
    find_buckets,
    delete_bucket,
    cfn_type="AWS::S3::Bucket",
    noun="S3 bucket",
    ensure=ensure,
    exists=bucket_exists,
)
