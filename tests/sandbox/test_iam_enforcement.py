"""Contract tests for IAM enforcement with plain boto3 and the AWS CLI: a build's service role is
assumed only through its trust policy, its own AWS calls are evaluated against its policies, and a
refusal fails the build where AWS reports it, with AWS's message. SimulatePrincipalPolicy answers with
the same evaluator. The kit's own calls (the ``testing`` credentials, the account's root user) are not evaluated."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from localaws import api
from tests.helpers_for_tests import (
    assert_matches_output_shape,
    aws_cli,
    cli_json,
    free_port,
    sandbox_client,
    unique,
    wait_for_iam_propagation,
)

ACCOUNT = "123456789012"
ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}
LOGS = {
    "Sid": "BuildLogs",
    "Effect": "Allow",
    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/codebuild/*",
}
REGISTRY_LOGIN = {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
SPEC = """version: 0.2
phases:
  build:
    commands:
      - aws sts get-caller-identity --query Arn --output text
      - aws ecr get-login-password --region us-east-1 > /dev/null
      - echo logged-in
"""


@pytest.fixture(autouse=True, scope="module")
def iam_propagates_at_once():
    """These tests are about what a role may do once CodeBuild can assume it, not about IAM's propagation delay
    (test_new_account.py is): new roles and users are visible at once, and the settings are put back afterwards."""
    api.configure_account({"iam_propagation_seconds": 0})
    yield
    api.reset_account()


def trust(service: str = "codebuild.amazonaws.com", condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_role(statements: list[dict], trust_document: str | None = None) -> str:
    iam = sandbox_client("iam")
    name = unique("enf-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_document or trust())["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="build",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    wait_for_iam_propagation()  # CodeBuild refuses a role it cannot assume yet, as on AWS
    return arn


def run_build(role_arn: str, spec: str = SPEC, client=None) -> dict:
    codebuild = client or sandbox_client("codebuild")
    name = unique("enf")
    codebuild.create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": spec},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=ENVIRONMENT,
        serviceRole=role_arn,
    )
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildComplete"]:
            return build
        time.sleep(0.2)
    raise AssertionError(f"build {build_id} did not finish")


def failed_phase(build: dict) -> dict:
    return next(p for p in build["phases"] if p.get("phaseStatus") not in (None, "SUCCEEDED"))


def log_text(build: dict, client=None) -> str:
    events = (client or sandbox_client("logs")).get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
    )["events"]
    return "\n".join(e["message"] for e in events)


def role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def test_the_build_acts_as_its_role_and_succeeds_when_allowed():
    role = make_role([LOGS, REGISTRY_LOGIN])
    build = run_build(role)
    assert build["buildStatus"] == "SUCCEEDED", build["phases"]
    text = log_text(build)
    session = build["id"].split(":")[-1]
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name(role)}/AWSCodeBuild-{session}" in text
    assert "logged-in" in text
    used = {(u["action"], u["resource"]) for u in api.iam_usage()["roles"][role]}
    assert ("ecr:GetAuthorizationToken", "*") in used
    assert any(action == "logs:CreateLogStream" for action, _ in used)


def test_a_call_the_role_may_not_make_fails_the_command_with_awss_message():
    role = make_role([LOGS])
    build = run_build(role)
    assert build["buildStatus"] == "FAILED"
    phase = failed_phase(build)
    assert phase["phaseType"] == "BUILD"
    assert phase["contexts"][0]["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert "aws ecr get-login-password" in phase["contexts"][0]["message"]
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name(role)}/AWSCodeBuild-{build['id'].split(':')[-1]}"
    assert (
        f"An error occurred (AccessDeniedException) when calling the GetAuthorizationToken operation: User: {session} "
        "is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy "
        "allows the ecr:GetAuthorizationToken action"
    ) in log_text(build)
    denied = api.iam_usage()["denied"]
    assert {"role": role, "action": "ecr:GetAuthorizationToken", "resource": "*"} in [
        {k: d[k] for k in ("role", "action", "resource")} for d in denied
    ]


def test_an_explicit_deny_wins_over_an_allow():
    deny = {"Effect": "Deny", "Action": "ecr:*", "Resource": "*"}
    build = run_build(make_role([LOGS, REGISTRY_LOGIN, deny]))
    assert build["buildStatus"] == "FAILED"
    assert "with an explicit deny in an identity-based policy" in log_text(build)


def test_a_role_without_log_permissions_fails_provisioning_with_access_denied():
    role = make_role([REGISTRY_LOGIN])
    build = run_build(role)
    assert build["buildStatus"] == "FAILED"
    phase = failed_phase(build)
    assert phase["phaseType"] == "PROVISIONING"
    context = phase["contexts"][0]
    assert context["statusCode"] == "ACCESS_DENIED"
    assert context["message"].startswith(
        f"ACCESS_DENIED: Service role {role} does not allow AWS CodeBuild to create Amazon CloudWatch Logs log "
        f"streams for build {build['arn']}. Error message: User: arn:aws:sts::{ACCOUNT}:assumed-role/"
    )
    assert "is not authorized to perform: logs:CreateLogGroup" in context["message"]


@pytest.mark.parametrize(
    "trust_document",
    [
        trust("codepipeline.amazonaws.com"),  # another service
        trust(condition={"StringEquals": {"aws:SourceAccount": "444455556666"}}),  # another account
    ],
    ids=["other-service", "other-source-account"],
)
def test_a_role_whose_trust_policy_does_not_admit_codebuild_cannot_be_used(trust_document):
    role = make_role([LOGS, REGISTRY_LOGIN], trust_document)
    build = run_build(role)
    phase = failed_phase(build)
    assert phase["phaseType"] == "PROVISIONING"
    assert phase["contexts"][0] == {
        "statusCode": "CLIENT_ERROR",
        "message": f"CLIENT_ERROR: CodeBuild is not authorized to perform: sts:AssumeRole on {role}",
    }


def test_the_source_account_condition_admits_this_account():
    role = make_role([LOGS, REGISTRY_LOGIN], trust(condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert run_build(role)["buildStatus"] == "SUCCEEDED"


def test_a_policy_edited_through_the_cli_takes_effect_on_the_next_build():
    role = make_role([LOGS, REGISTRY_LOGIN])
    name = role_name(role)
    aws_cli(
        "iam",
        "put-role-policy",
        "--role-name",
        name,
        "--policy-name",
        "build",
        "--policy-document",
        json.dumps({"Version": "2012-10-17", "Statement": [LOGS]}),
    )
    assert run_build(role)["buildStatus"] == "FAILED"
    aws_cli(
        "iam",
        "put-role-policy",
        "--role-name",
        name,
        "--policy-name",
        "build",
        "--policy-document",
        json.dumps({"Version": "2012-10-17", "Statement": [LOGS, REGISTRY_LOGIN]}),
    )
    assert run_build(role)["buildStatus"] == "SUCCEEDED"


def test_attached_managed_policies_count():
    iam = sandbox_client("iam")
    role = make_role([LOGS])
    policy = iam.create_policy(
        PolicyName=unique("login"), PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [REGISTRY_LOGIN]})
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role_name(role), PolicyArn=policy)
    assert run_build(role)["buildStatus"] == "SUCCEEDED"


def _signed_by(key: dict[str, str], service: str) -> Any:
    """A client of ``service`` on the sandbox that signs with an access key CreateAccessKey returned."""
    return boto3.client(
        service,
        endpoint_url=api.endpoint(),
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def test_the_root_users_calls_are_not_evaluated_an_iam_users_are():
    """The ``testing`` credentials stand for the account's root user, whom IAM policies do not restrict; the
    same call signed by an IAM user with no policy is refused, so the leniency is root's alone."""
    assert sandbox_client("sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert sandbox_client("ecr").get_authorization_token()["authorizationData"]

    iam, user = sandbox_client("iam"), unique("nopolicy")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ecr = _signed_by(key, "ecr")
    try:
        with pytest.raises(ecr.exceptions.ClientError) as refused:
            ecr.get_authorization_token()
        assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
        assert f"user/{user} is not authorized to perform: ecr:GetAuthorizationToken" in str(refused.value)
    finally:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=user)


def test_simulate_principal_policy_with_boto3():
    iam = sandbox_client("iam")
    role = make_role([LOGS, {"Effect": "Deny", "Action": "logs:DeleteLogGroup", "Resource": "*"}])
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/codebuild/x"
    answer = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["logs:CreateLogGroup", "logs:DeleteLogGroup", "ecr:GetAuthorizationToken"],
        ResourceArns=[group],
    )
    assert_matches_output_shape(iam, "SimulatePrincipalPolicy", answer)
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in answer["EvaluationResults"]}
    assert decisions == {
        "logs:CreateLogGroup": "allowed",
        "logs:DeleteLogGroup": "explicitDeny",
        "ecr:GetAuthorizationToken": "implicitDeny",
    }
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/{unique('nobody')}", ActionNames=["s3:GetObject"]
        )
    # The sandbox's default credentials are the account's root user, which IAM does not restrict and its
    # simulator does not take (only users and roles: IAM API reference, SimulatePrincipalPolicy, PolicySourceArn).
    caller = sandbox_client("sts").get_caller_identity()["Arn"]
    assert caller == f"arn:aws:iam::{ACCOUNT}:root"
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.simulate_principal_policy(PolicySourceArn=caller, ActionNames=["iam:CreateRole"])


def test_simulate_principal_policy_with_the_cli():
    role = make_role([REGISTRY_LOGIN])
    answer = cli_json(
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        role,
        "--action-names",
        "ecr:GetAuthorizationToken",
        "ecr:PutImage",
    )
    assert [r["EvalDecision"] for r in answer["EvaluationResults"]] == ["allowed", "implicitDeny"]
    failed = aws_cli(
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        f"arn:aws:iam::{ACCOUNT}:role/{unique('nobody')}",
        "--action-names",
        "s3:GetObject",
        check=False,
    )
    assert failed.returncode != 0 and "NoSuchEntity" in failed.stderr


def test_enforcement_can_be_switched_off(tmp_path, monkeypatch):
    """LOCALAWS_IAM_ENFORCEMENT=0: the same refused build succeeds, and the use is still recorded."""
    import boto3

    monkeypatch.setenv("LOCALAWS_IAM_ENFORCEMENT", "0")
    monkeypatch.setenv("LOCALAWS_IAM_PROPAGATION_SECONDS", "0")  # not what this test is about
    home = tmp_path / "sandbox"
    status = api.start(home, free_port())
    try:

        def client(service: str):
            return boto3.client(
                service,
                endpoint_url=status.endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        iam = client("iam")
        iam.create_role(RoleName="open", AssumeRolePolicyDocument=trust("codepipeline.amazonaws.com"))
        role = iam.get_role(RoleName="open")["Role"]["Arn"]
        build = run_build(role, client=client("codebuild"))
        assert build["buildStatus"] == "SUCCEEDED", build["phases"]
        usage = api.iam_usage(home)
        assert usage["enforcement"] is False
        assert ("ecr:GetAuthorizationToken", "*") in {(u["action"], u["resource"]) for u in usage["roles"][role]}
    finally:
        api.stop(home)


def test_a_single_delete_object_is_evaluated_on_its_own_key():
    """DeleteObject is authorized on ``bucket/key`` (DeleteObjectVersion when a version is named), so a
    policy scoped to a prefix allows deletes under it and refuses the others, as on AWS."""
    bucket, user = unique("del-bucket"), unique("deleter")
    s3, iam = sandbox_client("s3"), sandbox_client("iam")
    s3.create_bucket(Bucket=bucket)
    for key in ("tmp/a", "keep/b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    iam.create_user(UserName=user)
    statement = {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/tmp/*"}
    iam.put_user_policy(
        UserName=user,
        PolicyName="tmp-only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    wait_for_iam_propagation()
    theirs = _signed_by(key, "s3")
    try:
        theirs.delete_object(Bucket=bucket, Key="tmp/a")
        with pytest.raises(theirs.exceptions.ClientError) as refused:
            theirs.delete_object(Bucket=bucket, Key="keep/b")
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        assert f"arn:aws:s3:::{bucket}/keep/b" in str(refused.value)
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep/b"]
    finally:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName=user, PolicyName="tmp-only")
        iam.delete_user(UserName=user)
        s3.delete_object(Bucket=bucket, Key="keep/b")
        s3.delete_bucket(Bucket=bucket)


def _user(actions: list[str], resource: str = "*") -> tuple[str, dict[str, str]]:
    """A new IAM user allowed ``actions`` on ``resource``: its ARN and access key."""
    iam, name = sandbox_client("iam"), unique("rp-user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if actions:
        statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
        iam.put_user_policy(
            UserName=name,
            PolicyName="identity",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
    return arn, iam.create_access_key(UserName=name)["AccessKey"]


def test_an_ecr_repository_policy_denies_and_allows_as_iam_evaluates_it():
    """A repository policy's explicit Deny refuses a caller whose identity policy allows the action; its Allow
    naming a user of the account grants what no identity policy does (IAM user guide, "Policy evaluation logic":
    within one account, an allow in either kind of policy is enough, and any explicit deny wins)."""
    ecr, repository = sandbox_client("ecr"), unique("rp-repo")
    ecr.create_repository(repositoryName=repository)
    allowed, allowed_key = _user(["ecr:DescribeImages", "ecr:ListImages"])
    named, named_key = _user([])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": {"AWS": allowed}, "Action": "ecr:DescribeImages"},
            {"Effect": "Allow", "Principal": {"AWS": named}, "Action": "ecr:ListImages"},
        ],
    }
    ecr.set_repository_policy(repositoryName=repository, policyText=json.dumps(policy))
    wait_for_iam_propagation()
    theirs = _signed_by(allowed_key, "ecr")
    with pytest.raises(theirs.exceptions.ClientError) as refused:
        theirs.describe_images(repositoryName=repository)
    assert "with an explicit deny in a resource-based policy" in str(refused.value)
    assert theirs.list_images(repositoryName=repository)["imageIds"] == []  # their identity policy allows it
    assert _signed_by(named_key, "ecr").list_images(repositoryName=repository)["imageIds"] == []  # the repository's
    ecr.delete_repository(repositoryName=repository, force=True)


def test_an_sns_topic_policy_can_deny_a_publish_the_identity_policy_allows():
    sns = sandbox_client("sns")
    topic = sns.create_topic(Name=unique("rp-topic"))["TopicArn"]
    user, key = _user(["sns:Publish"])
    theirs = _signed_by(key, "sns")
    wait_for_iam_propagation()
    assert theirs.publish(TopicArn=topic, Message="allowed")["MessageId"]  # the default topic policy changes nothing
    deny = {"Effect": "Deny", "Principal": {"AWS": user}, "Action": "sns:Publish", "Resource": topic}
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )
    with pytest.raises(theirs.exceptions.ClientError) as refused:
        theirs.publish(TopicArn=topic, Message="denied")
    assert refused.value.response["Error"]["Code"] == "AuthorizationError"
    sns.delete_topic(TopicArn=topic)
