"""The S3 artifact bucket that carries source, build output and imagedefinitions.json between
pipeline stages: versioned, encrypted, private, and reachable only over TLS."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from ..context import Workshop
from ..errors import ResourceConflictError


def tls_only_policy(bucket: str, partition: str = "aws") -> dict[str, object]:
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


def ensure_artifact_bucket(workshop: Workshop) -> dict[str, str]:
    s3 = workshop.client("s3")
    bucket = workshop.names.artifact_bucket
    action = "exists"
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in ("403", "AccessDenied", "Forbidden"):
            raise ResourceConflictError("S3 bucket", bucket, workshop.prefix) from None
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise
        configuration = (
            {}
            if workshop.settings.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": workshop.settings.region}}
        )
        s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerEnforced", **configuration)
        s3.get_waiter("bucket_exists").wait(Bucket=bucket, WaiterConfig={"Delay": 2, "MaxAttempts": 30})
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": workshop.tag_list()})
        action = "created"
    else:
        if not workshop.is_ours(_bucket_tags(s3, bucket)):
            raise ResourceConflictError("S3 bucket", bucket, workshop.prefix)
    arn = f"arn:{workshop.partition}:s3:::{bucket}"
    workshop.record("s3-bucket", type="AWS::S3::Bucket", name=bucket, arn=arn)
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
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only_policy(bucket, workshop.partition)))
    return {"type": "S3 bucket", "name": bucket, "arn": arn, "action": action}


def _bucket_tags(s3: object, bucket: str) -> list[dict[str, str]]:
    try:
        return list(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])  # type: ignore[attr-defined]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchTagSet":
            return []
        raise
