"""An access key that is no identity's is refused as AWS refuses it: authentication comes before any policy.

AWS answers a key it does not know (a typo, a deleted key, a real account's key pointed at the wrong
endpoint) and a deactivated key with "The security token included in the request is invalid." in each
protocol's shape. Before, the sandbox took any such key for the account's root user and served it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws import api as process
from tests.helpers_for_tests import sandbox_client, sandbox_environment, unique

UNKNOWN_KEY = "AKIAUNKNOWNUNKNOWN00"
TOKEN_INVALID = "The security token included in the request is invalid."


def client_with(service: str, key: str) -> object:
    return boto3.client(
        service,
        endpoint_url=process.endpoint(),
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="secret",
    )


@pytest.mark.parametrize(
    ("service", "call", "code", "message", "status"),
    [
        ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", TOKEN_INVALID, 403),
        ("iam", lambda c: c.list_roles(), "InvalidClientTokenId", TOKEN_INVALID, 403),
        ("sns", lambda c: c.list_topics(), "InvalidClientTokenId", TOKEN_INVALID, 403),
        ("cloudformation", lambda c: c.list_stacks(), "InvalidClientTokenId", TOKEN_INVALID, 403),
        ("ecs", lambda c: c.list_clusters(), "UnrecognizedClientException", TOKEN_INVALID, 400),
        ("codepipeline", lambda c: c.list_pipelines(), "UnrecognizedClientException", TOKEN_INVALID, 400),
        (
            "ec2",
            lambda c: c.describe_vpcs(),
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
            401,
        ),
        (
            "s3",
            lambda c: c.list_buckets(),
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
        ),
    ],
)
def test_an_unknown_key_is_refused_in_each_protocols_shape(service, call, code, message, status):
    with pytest.raises(ClientError) as refused:
        call(client_with(service, UNKNOWN_KEY))
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == (code, message)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_a_deactivated_or_deleted_key_is_refused_and_the_root_credentials_still_work():
    iam = sandbox_client("iam")
    user = unique("keyholder")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    try:
        sts = client_with("sts", key)
        assert sts.get_caller_identity()["Arn"].endswith(f":user/{user}")
        iam.update_access_key(UserName=user, AccessKeyId=key, Status="Inactive")
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            sts.get_caller_identity()
        iam.delete_access_key(UserName=user, AccessKeyId=key)
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            sts.get_caller_identity()
        assert sandbox_client("sts").get_caller_identity()["Arn"].endswith(":root")
    finally:
        iam.delete_user(UserName=user)


def test_the_aws_cli_with_an_unknown_key_gets_awss_error():
    environment = {**os.environ, **sandbox_environment(), "AWS_ACCESS_KEY_ID": UNKNOWN_KEY}
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", process.endpoint(), "sts", "get-caller-identity"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"(InvalidClientTokenId) when calling the GetCallerIdentity operation: {TOKEN_INVALID}" in done.stderr
