"""An injected access denial names the identity that signed the request, as AWS's does ("User: <the
caller's ARN> is not authorized to perform: <action> ..."; IAM's "Troubleshoot access denied error
messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html), not an
identity written into the sandbox: the account's default identity, an IAM user by its access key, or a
role session, each as STS's GetCallerIdentity names it."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws import api as sandbox
from tests.helpers_for_tests import REGION, aws_cli, sandbox_client, unique

# Faults are the sandbox's: xdist's --dist loadgroup keeps this file on one worker, and each test clears them.


@pytest.fixture(autouse=True)
def _no_faults_left():
    yield
    sandbox.clear_faults()


def _denied(ecs) -> str:
    with pytest.raises(ClientError) as refused:
        ecs.list_clusters()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    return str(refused.value.response["Error"]["Message"])


def test_the_denial_names_the_default_caller():
    sandbox.add_fault("ecs", "ListClusters", "AccessDeniedException", times=1)
    caller = sandbox_client("sts").get_caller_identity()["Arn"]
    assert _denied(sandbox_client("ecs")).startswith(f"User: {caller} is not authorized to perform: ecs:ListClusters")


def test_the_denial_names_an_iam_user_by_its_access_key():
    iam = sandbox_client("iam")
    name = unique("fault-user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    try:
        session = boto3.Session(
            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name=REGION
        )
        ecs = session.client("ecs", endpoint_url=sandbox.endpoint())
        assert session.client("sts", endpoint_url=sandbox.endpoint()).get_caller_identity()["Arn"] == arn
        sandbox.add_fault("ecs", "ListClusters", "AccessDeniedException", times=1)
        assert _denied(ecs).startswith(f"User: {arn} is not authorized to perform: ecs:ListClusters")
    finally:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=name)


def test_the_denial_through_the_cli_names_the_caller():
    sandbox.add_fault("ecs", "ListClusters", "AccessDeniedException", times=1)
    caller = sandbox_client("sts").get_caller_identity()["Arn"]
    refused = aws_cli("ecs", "list-clusters", check=False)
    assert refused.returncode != 0
    assert f"User: {caller} is not authorized to perform: ecs:ListClusters" in refused.stderr
