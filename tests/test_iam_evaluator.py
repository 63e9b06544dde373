"""The sandbox's IAM policy evaluator decides as AWS documents: explicit deny wins, then any allow,
else an implicit deny; wildcards, ARN fields and the condition operators the kit's policies use."""

from __future__ import annotations

import pytest

from localaws.iam_enforcement.evaluator import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Principal,
    arn_match,
    condition_holds,
    evaluate,
    trust_admits,
)

BUCKET = "arn:aws:s3:::ws-artifacts"
ROLE = "arn:aws:iam::111122223333:role/ws-codebuild-service-role"
SESSION = "arn:aws:sts::111122223333:assumed-role/ws-codebuild-service-role/AWSCodeBuild-1"


def allow(action, resource, **extra):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


def deny(action, resource, **extra):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": resource, **extra}]}


def test_allow_deny_and_implicit_deny():
    policy = allow(["s3:GetObject"], BUCKET + "/*")
    assert evaluate([policy], "s3:GetObject", BUCKET + "/a/b").decision == ALLOWED
    assert evaluate([policy], "s3:PutObject", BUCKET + "/a").decision == IMPLICIT_DENY
    assert evaluate([policy, deny("s3:*", "*")], "s3:GetObject", BUCKET + "/a").decision == EXPLICIT_DENY
    assert evaluate([], "s3:GetObject", BUCKET + "/a").decision == IMPLICIT_DENY


def test_actions_ignore_case_resources_do_not():
    policy = allow("ECR:getAuthorizationToken", "arn:aws:ecr:*:*:repository/ws-dev")
    assert evaluate([policy], "ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:1:repository/ws-dev").allowed
    assert not evaluate([policy], "ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:1:repository/WS-dev").allowed


def test_wildcards_do_not_treat_dots_as_anything():
    policy = allow("s3:GetObject", "arn:aws:s3:::ws.artifacts/*")
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::ws.artifacts/x").allowed
    assert not evaluate([policy], "s3:GetObject", "arn:aws:s3:::wsXartifacts/x").allowed
    assert evaluate([allow("logs:Put?ogEvents", "*")], "logs:PutLogEvents", "x").allowed


def test_an_exact_prefix_list_does_not_reach_another_participant():
    policy = allow("ecs:UpdateService", ["arn:aws:ecs:eu-west-1:1:service/ws-dev/ws-dev-service"])
    assert not evaluate(
        [policy], "ecs:UpdateService", "arn:aws:ecs:eu-west-1:1:service/ws-jd-dev/ws-jd-dev-service"
    ).allowed
    wide = allow("ecs:UpdateService", ["arn:aws:ecs:eu-west-1:1:service/ws-*"])
    assert evaluate([wide], "ecs:UpdateService", "arn:aws:ecs:eu-west-1:1:service/ws-jd-dev/ws-jd-dev-service").allowed


def test_not_action_and_not_resource():
    policy = {"Statement": [{"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]}
    assert evaluate([policy, allow("s3:*", "*")], "s3:PutObject", BUCKET).decision == EXPLICIT_DENY
    assert evaluate([policy, allow("s3:*", "*")], "s3:GetObject", BUCKET).allowed
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotResource": BUCKET + "/secret"}]}
    assert evaluate([policy], "s3:GetObject", BUCKET + "/open").allowed
    assert not evaluate([policy], "s3:GetObject", BUCKET + "/secret").allowed


@pytest.mark.parametrize(
    ("block", "context", "holds"),
    [
        (
            {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
            True,
        ),
        (
            {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            {"iam:PassedToService": "ec2.amazonaws.com"},
            False,
        ),
        ({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, {}, False),
        ({"StringEquals": {"iam:PassedToService": ["a", "b"]}}, {"iam:PassedToService": "b"}, True),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {"aws:SourceAccount": "2"}, True),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {"aws:SourceAccount": "1"}, False),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {}, True),
        ({"StringLike": {"aws:userid": "*:AWSCodeBuild-*"}}, {"aws:userid": "AROA:AWSCodeBuild-9"}, True),
        ({"StringEqualsIgnoreCase": {"k": "ABC"}}, {"k": "abc"}, True),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:*:1:project/ws-*"}},
            {"aws:SourceArn": "arn:aws:codebuild:eu-west-1:1:project/ws-build"},
            True,
        ),
        (
            {"ArnEquals": {"aws:SourceArn": "arn:aws:codebuild:*:1:project/ws-build"}},
            {"aws:SourceArn": "arn:aws:codebuild:eu-west-1:2:project/ws-build"},
            False,
        ),
        (
            {"ArnNotLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/other"}},
            {"aws:SourceArn": "arn:aws:events:r:1:rule/ws"},
            True,
        ),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
        ({"Null": {"aws:SourceArn": "true"}}, {}, True),
        ({"Null": {"aws:SourceArn": "false"}}, {}, False),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, True),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {"aws:SourceAccount": "2"}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),
        ({"StringEquals": {"a": "1"}, "Bool": {"b": "true"}}, {"a": "1", "b": "false"}, False),
        ({"StringEquals": {"AWS:SourceAccount": "1"}}, {"aws:sourceaccount": "1"}, True),  # keys ignore case
    ],
)
def test_condition_operators(block, context, holds):
    assert condition_holds(block, context) is holds


def test_an_operator_aws_does_not_have_never_lets_a_request_through():
    """IAM refuses such a policy when it is stored; should one reach the evaluator, it fails closed."""
    policy = allow("s3:GetObject", "*", Condition={"StringFuzzy": {"s3:prefix": "a"}})
    assert evaluate([policy], "s3:GetObject", BUCKET, {"s3:prefix": "a"}).decision == IMPLICIT_DENY
    denial = deny("s3:GetObject", "*", Condition={"StringFuzzy": {"s3:prefix": "a"}})
    assert evaluate([allow("s3:*", "*"), denial], "s3:GetObject", BUCKET).decision == EXPLICIT_DENY


def test_the_pass_role_condition_of_the_pipeline_role():
    policy = allow("iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
    assert evaluate([policy], "iam:PassRole", ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}).allowed
    assert not evaluate([policy], "iam:PassRole", ROLE, {"iam:PassedToService": "ec2.amazonaws.com"}).allowed


def test_the_bucket_policy_denies_and_may_allow():
    tls_only = {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [BUCKET, BUCKET + "/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
    who = Principal(arn=SESSION, role_arn=ROLE)
    identity = [allow("s3:GetObject", BUCKET + "/*")]
    secure, insecure = {"aws:SecureTransport": "true"}, {"aws:SecureTransport": "false"}
    assert evaluate(identity, "s3:GetObject", BUCKET + "/k", secure, tls_only, who).allowed
    assert evaluate(identity, "s3:GetObject", BUCKET + "/k", insecure, tls_only, who).decision == EXPLICIT_DENY
    grant = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:PutObject", "Resource": BUCKET + "/*"}
        ]
    }
    assert evaluate([], "s3:PutObject", BUCKET + "/k", secure, grant, who).allowed  # same account: either grants
    other = Principal(
        arn="arn:aws:sts::111122223333:assumed-role/other/s", role_arn="arn:aws:iam::111122223333:role/other"
    )
    assert not evaluate([], "s3:PutObject", BUCKET + "/k", secure, grant, other).allowed


def test_trust_policies_with_source_account():
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "codebuild.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            }
        ]
    }
    assert trust_admits(trust, "codebuild.amazonaws.com", ROLE, {"aws:SourceAccount": "111122223333"})
    assert not trust_admits(trust, "codebuild.amazonaws.com", ROLE, {"aws:SourceAccount": "444455556666"})
    assert not trust_admits(trust, "codepipeline.amazonaws.com", ROLE, {"aws:SourceAccount": "111122223333"})
    assert not trust_admits(trust, "codebuild.amazonaws.com", ROLE, {})


def test_arn_fields_are_matched_one_by_one():
    assert arn_match("arn:aws:logs:*:*:log-group:/ecs/ws-dev:*", "arn:aws:logs:r:1:log-group:/ecs/ws-dev:log-stream:a")
    assert not arn_match("arn:aws:logs:*:1:*", "arn:aws:logs:r:2:log-group:x")
    assert not arn_match("arn:aws:s3:::b", "not-an-arn")
