"""Accounts on the sandbox, as on AWS: each account's resources are its own, and a request acts in the account of the
credentials that signed it (issue 21, a Workshop Studio participant in an account of their own).

AWS semantics pinned: a session of a role in account B, assumed by a user of account A whose policy allows it and
whom the role's trust policy admits, acts in B (GetCallerIdentity's Account and ARN; IAM User Guide, "Providing
access to an IAM user in another AWS account that you own"); CodeCommit names repositories, not accounts, so a
repository of account A is not found from account B (``RepositoryDoesNotExistException``: "NAME does not exist"), and
CodeCommit's git endpoint serves the repository of that name in the account of the git credentials; a build acts in
its project's account, with its service role's session.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest

from localaws import api as process
from tests.helpers_for_tests import REGION, git_refs_status, sandbox_client, unique

DEFAULT = "123456789012"
OTHER = "210987654321"


def _signed(service: str, keys: dict) -> object:
    return boto3.client(
        service,
        endpoint_url=process.endpoint(),
        region_name=REGION,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
    )


def _trusting(principal: dict) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def _allow(action: str | list[str], resource: str | list[str] = "*") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    )


def role_session_in_other_account(name: str, allowed: str, wait=None) -> tuple[str, dict, dict]:
    """A role ``name`` in account ``OTHER`` allowed ``allowed`` and trusting the default account, a user of the default
    account allowed to assume it, and that user's session of the role: (role ARN, the user's keys, the session's
    credentials). ``wait``: called between the user's key and the AssumeRole (IAM's propagation, where it applies)."""
    iam, other_iam = sandbox_client("iam"), sandbox_client("iam", account=OTHER)
    role_arn = other_iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=_trusting({"AWS": f"arn:aws:iam::{DEFAULT}:root"})
    )["Role"]["Arn"]
    other_iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=_allow(allowed))
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=_allow("sts:AssumeRole", role_arn))
    user_keys = iam.create_access_key(UserName=name)["AccessKey"]
    if wait:
        wait()
    session = _signed("sts", user_keys).assume_role(RoleArn=role_arn, RoleSessionName=name)["Credentials"]
    return role_arn, user_keys, session


@pytest.fixture
def cross_account_session():
    """A user of the default account, and a session of a role in another account that trusts the default account."""
    name = unique("xacct")
    role_arn, user_keys, session = role_session_in_other_account(name, "codecommit:*")
    yield name, role_arn, user_keys, session
    iam, other_iam = sandbox_client("iam"), sandbox_client("iam", account=OTHER)
    other_iam.delete_role_policy(RoleName=name, PolicyName="all")
    other_iam.delete_role(RoleName=name)
    iam.delete_access_key(UserName=name, AccessKeyId=user_keys["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName="assume")
    iam.delete_user(UserName=name)


def test_a_session_of_a_role_in_another_account_acts_in_that_account(cross_account_session):
    name, role_arn, user_keys, session = cross_account_session
    assert role_arn == f"arn:aws:iam::{OTHER}:role/{name}"
    identity = _signed("sts", session).get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (OTHER, f"arn:aws:sts::{OTHER}:assumed-role/{name}/{name}")
    assert _signed("sts", user_keys).get_caller_identity()["Account"] == DEFAULT
    # What the session makes is in the other account: listed there, not in the default account.
    made = _signed("codecommit", session).create_repository(repositoryName=name)["repositoryMetadata"]
    assert made["Arn"] == f"arn:aws:codecommit:{REGION}:{OTHER}:{name}"
    listed = [
        r["repositoryName"] for r in sandbox_client("codecommit", account=OTHER).list_repositories()["repositories"]
    ]
    assert name in listed
    default = sandbox_client("codecommit")
    assert name not in [r["repositoryName"] for r in default.list_repositories()["repositories"]]
    with pytest.raises(default.exceptions.RepositoryDoesNotExistException, match=f"^.*: {name} does not exist$"):
        default.get_repository(repositoryName=name)
    # The git endpoint finds the repository in the account of the git credentials: the session's, not the user's.
    assert git_refs_status(made["cloneUrlHttp"], session["AccessKeyId"]) == 200
    assert git_refs_status(made["cloneUrlHttp"], user_keys["AccessKeyId"]) == 404
    sandbox_client("codecommit", account=OTHER).delete_repository(repositoryName=name)


def test_a_role_in_another_account_that_does_not_trust_the_caller_is_refused(cross_account_session):
    name, _, user_keys, _ = cross_account_session
    other_iam = sandbox_client("iam", account=OTHER)
    stranger = f"{name}-x"
    arn = other_iam.create_role(
        RoleName=stranger, AssumeRolePolicyDocument=_trusting({"AWS": f"arn:aws:iam::{OTHER}:root"})
    )["Role"]["Arn"]
    sandbox_client("iam").put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=_allow("sts:AssumeRole"))
    sts = _signed("sts", user_keys)
    with pytest.raises(sts.exceptions.ClientError) as refused:
        sts.assume_role(RoleArn=arn, RoleSessionName=name)
    assert refused.value.response["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": f"User: arn:aws:iam::{DEFAULT}:user/{name} is not authorized to perform: sts:AssumeRole on "
        f"resource: {arn}",
    }
    other_iam.delete_role(RoleName=stranger)


@pytest.fixture
def no_propagation_delay():
    process.configure_account({"iam_propagation_seconds": 0})
    yield
    process.reset_account()


def test_a_build_acts_in_its_projects_account(no_propagation_delay):
    """The build's AWS CLI signs with its service role's session, issued by the sandbox: it acts in the project's
    account, where the role is, not in the default account."""
    name = unique("xbuild")
    iam, codebuild = sandbox_client("iam", account=OTHER), sandbox_client("codebuild", account=OTHER)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trusting({"Service": "codebuild.amazonaws.com"}))
    actions = ["ssm:PutParameter", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    iam.put_role_policy(RoleName=name, PolicyName="ssm", PolicyDocument=_allow(actions))
    command = f"aws ssm put-parameter --name /{name} --value built --type String"
    codebuild.create_project(
        name=name,
        source={
            "type": "NO_SOURCE",
            "buildspec": f"version: 0.2\nphases:\n  build:\n    commands:\n      - {command}\n",
        },
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=role["Role"]["Arn"],
    )
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 120
    while not (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0])["buildComplete"]:
        assert time.monotonic() < deadline, build["currentPhase"]
        time.sleep(0.5)
    assert build["buildStatus"] == "SUCCEEDED", json.dumps(build["phases"], default=str)
    assert sandbox_client("ssm", account=OTHER).get_parameter(Name=f"/{name}")["Parameter"]["Value"] == "built"
    ssm = sandbox_client("ssm")
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=f"/{name}")
    codebuild.delete_project(name=name)
    iam.delete_role_policy(RoleName=name, PolicyName="ssm")
    iam.delete_role(RoleName=name)
