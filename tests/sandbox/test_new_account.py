"""The sandbox behaves like a NEW AWS account: the refusals a first run meets on a real account, with
AWS's error codes, messages and HTTP statuses, through boto3 and the AWS CLI.

Settings with a number are changed for a test through ``localaws.api.configure_account`` and restored
afterwards (``/_sandbox/account``); the defaults are the strict ones."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws import account
from localaws import api as sandbox
from tests.helpers_for_tests import (
    assert_matches_output_shape,
    aws_cli,
    cli_json,
    codebuild_service_role,
    sandbox_client,
    unique,
)

# It changes its worker's sandbox (account settings, faults): xdist's --dist loadgroup keeps this file on one worker
# with a sandbox of its own, and its fixtures put the settings back for the files that run there after it.


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["codebuild.amazonaws.com", "codepipeline.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}
AMI = "ami-12c6146b"


@contextmanager
def account_settings(**changes: Any) -> Iterator[dict[str, Any]]:
    """The sandbox's account settings changed for the block, then back to the start-up ones."""
    try:
        yield sandbox.configure_account(changes)["settings"]
    finally:
        sandbox.reset_account()


#: IAM's propagation window while a test expects a new role to be refused: any machine, however loaded, makes its
#: next request within it (the account's default, 5 s, or 1 s under `make test-fast`, might not be).
NOT_YET_PROPAGATED = {"iam_propagation_seconds": 300}


@pytest.fixture
def not_yet_propagated() -> Iterator[dict[str, Any]]:
    """The test's new roles and instance profiles stay unpropagated until it sets another window (or ends)."""
    with account_settings(**NOT_YET_PROPAGATED) as settings:
        yield settings


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def cli_error(*args: str, region: str = "us-east-1") -> str:
    result = aws_cli(*args, region=region, check=False)
    assert result.returncode != 0, f"aws {' '.join(args)} succeeded: {result.stdout}"
    return result.stderr


# -- the settings ------------------------------------------------------------------------------------------
def test_the_account_route_lists_every_setting_with_its_variable():
    listed = sandbox.account_settings()
    started_with = account.from_environment()  # the test session starts the sandbox with this environment
    assert {k: v for k, v in listed["settings"].items() if k != "codebuild_queue_limit"} == asdict(started_with)
    assert listed["settings"]["codebuild_queue_limit"] == started_with.codebuild_queue_limit
    assert listed["environment"]["codebuild_concurrency"] == "LOCALAWS_CODEBUILD_CONCURRENCY"
    assert listed["environment"]["iam_propagation_seconds"] == "LOCALAWS_IAM_PROPAGATION_SECONDS"


def test_the_account_settings_come_from_the_environment():
    """How each LOCALAWS_* variable reaches the account (the new account's refusals are the tests below), and
    the queue limit CodeBuild documents: "five times the concurrent build limit"."""
    overridden = account.from_environment(
        {
            "LOCALAWS_CODEBUILD_CONCURRENCY": "3",
            "LOCALAWS_IAM_PROPAGATION_SECONDS": "0",
            "LOCALAWS_OPTED_IN_REGIONS": "me-south-1, ap-east-1",
        }
    )
    assert (overridden.codebuild_concurrency, overridden.codebuild_queue_limit) == (3, 15)
    assert overridden.iam_propagation_seconds == 0
    assert overridden.opted_in_regions == ["me-south-1", "ap-east-1"]


def test_a_bad_setting_is_refused_with_the_reason():
    with pytest.raises(sandbox.SandboxError, match="codebuild_concurrency"):
        sandbox.configure_account({"codebuild_concurrency": -1})
    with pytest.raises(sandbox.SandboxError, match="unknown account settings"):
        sandbox.configure_account({"no_such_setting": 1})
    with pytest.raises(sandbox.SandboxError, match="opted_in_regions"):
        sandbox.configure_account({"opted_in_regions": 3})


# -- opt-in regions --------------------------------------------------------------------------------------------
def test_opt_in_regions_are_not_enabled_until_the_account_enables_them():
    def statuses() -> dict[str, str]:
        answer = sandbox_client("ec2").describe_regions(AllRegions=True, RegionNames=["me-south-1", "eu-north-1"])
        return {r["RegionName"]: r["OptInStatus"] for r in answer["Regions"]}

    assert statuses() == {"me-south-1": "not-opted-in", "eu-north-1": "opt-in-not-required"}
    with account_settings(opted_in_regions=["me-south-1", "eu-north-1"]) as settings:
        assert settings["opted_in_regions"] == ["me-south-1", "eu-north-1"]
        assert statuses() == {"me-south-1": "opted-in", "eu-north-1": "opt-in-not-required"}
    assert statuses()["me-south-1"] == "not-opted-in"


# -- the ECS service-linked role -----------------------------------------------------------------------------
def _without_ecs_service_linked_role() -> None:
    iam = sandbox_client("iam")
    try:
        iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")
    except iam.exceptions.NoSuchEntityException:
        pass


def _auto_scaling_group(region: str = "us-east-1", instance_type: str = "t2.micro", desired: int = 0) -> str:
    ec2, autoscaling = sandbox_client("ec2", region), sandbox_client("autoscaling", region)
    name = unique("asg")
    template = ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": AMI, "InstanceType": instance_type}
    )["LaunchTemplate"]["LaunchTemplateId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=desired,
        MaxSize=max(desired, 1),
        DesiredCapacity=desired,
        LaunchTemplate={"LaunchTemplateId": template},
        AvailabilityZones=zones,
    )
    return str(
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0][
            "AutoScalingGroupARN"
        ]
    )


def test_capacity_providers_and_clusters_need_the_ecs_service_linked_role():
    ecs, iam = sandbox_client("ecs"), sandbox_client("iam")
    _without_ecs_service_linked_role()
    group = _auto_scaling_group()
    name = unique("cp")
    with pytest.raises(ClientError) as excinfo:
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
    assert error_of(excinfo) == (
        "ClientException",
        "ECS Service Linked Role does not exist. Please create a Service linked role for ECS",
        400,
    )
    stderr = cli_error(
        "ecs",
        "create-capacity-provider",
        "--name",
        name,
        "--auto-scaling-group-provider",
        f"autoScalingGroupArn={group}",
    )
    assert "ClientException" in stderr and "ECS Service Linked Role does not exist" in stderr

    cluster = unique("cluster")
    with pytest.raises(ClientError) as excinfo:
        ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
        400,
    )
    # As on AWS, the refused CreateCluster created the role; once IAM has propagated it, a retry works.
    role = iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]
    assert role["Path"] == "/aws-service-role/ecs.amazonaws.com/"
    with account_settings(iam_propagation_seconds=0):
        ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
        created = ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        assert_matches_output_shape(ecs, "CreateCapacityProvider", created)
        ecs.delete_capacity_provider(capacityProvider=name)
    ecs.delete_cluster(cluster=cluster)


def test_create_service_linked_role_twice_is_refused_as_on_aws():
    iam = sandbox_client("iam")
    _without_ecs_service_linked_role()
    created = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert created["Role"]["RoleName"] == "AWSServiceRoleForECS"
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert error_of(excinfo) == (
        "InvalidInput",
        "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.",
        400,
    )
    stderr = cli_error("iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com")
    assert "InvalidInput" in stderr and "has been taken in this account" in stderr


def test_until_iam_propagates_the_new_role_ecs_still_refuses():
    ecs, iam = sandbox_client("ecs"), sandbox_client("iam")
    _without_ecs_service_linked_role()
    group = _auto_scaling_group()
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    created = time.monotonic()
    name = unique("cp")
    with account_settings(**NOT_YET_PROPAGATED):
        with pytest.raises(ClientError) as excinfo:
            ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        assert error_of(excinfo)[0] == "ClientException"
    with account_settings(iam_propagation_seconds=2):
        time.sleep(max(0.0, created + 2.1 - time.monotonic()))  # at least the window since the role was made
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        ecs.delete_capacity_provider(capacityProvider=name)


# -- capacity providers stay INACTIVE for a while ----------------------------------------------------------
def test_a_deleted_capacity_providers_name_stays_taken_until_it_is_purged():
    ecs = sandbox_client("ecs")
    group = _auto_scaling_group()
    name = unique("cp")
    with account_settings(ecs_service_linked_role_exists=True, capacity_provider_retention_seconds=3600):
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        deleted = ecs.delete_capacity_provider(capacityProvider=name)
        assert_matches_output_shape(ecs, "DeleteCapacityProvider", deleted)
        assert deleted["capacityProvider"]["updateStatus"] == "DELETE_IN_PROGRESS"
        described = ecs.describe_capacity_providers(capacityProviders=[name])
        assert_matches_output_shape(ecs, "DescribeCapacityProviders", described)
        assert [(p["name"], p["status"]) for p in described["capacityProviders"]] == [(name, "INACTIVE")]
        assert name in [p["name"] for p in cli_json("ecs", "describe-capacity-providers")["capacityProviders"]]
        with pytest.raises(ClientError) as excinfo:
            ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        assert error_of(excinfo) == (
            "ClientException",
            "The specified capacity provider already exists. To change the configuration of an existing capacity "
            "provider, update the capacity provider.",
            400,
        )
        stderr = cli_error(
            "ecs",
            "create-capacity-provider",
            "--name",
            name,
            "--auto-scaling-group-provider",
            f"autoScalingGroupArn={group}",
        )
        assert "The specified capacity provider already exists" in stderr
        sandbox.configure_account({"capacity_provider_retention_seconds": 0})  # AWS purges it after a while
        assert ecs.describe_capacity_providers(capacityProviders=[name])["failures"][0]["reason"] == "MISSING"
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group})
        ecs.delete_capacity_provider(capacityProvider=name)


# -- a deleted service drains --------------------------------------------------------------------------------
def test_a_deleted_service_drains_before_it_is_inactive():
    ecs = sandbox_client("ecs")
    cluster = unique("drain")
    ecs.create_cluster(clusterName=cluster)
    definition = ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "web", "image": "node:22-alpine", "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]

    def create() -> dict:
        return ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=definition, desiredCount=0)

    with account_settings(service_draining_seconds=3600):
        create()
        deleted = ecs.delete_service(cluster=cluster, service="web")
        assert deleted["service"]["status"] == "DRAINING"
        assert ecs.describe_services(cluster=cluster, services=["web"])["services"][0]["status"] == "DRAINING"
        with pytest.raises(ClientError) as excinfo:
            ecs.update_service(cluster=cluster, service="web", desiredCount=1)
        assert error_of(excinfo) == ("ServiceNotActiveException", "Service was not ACTIVE.", 400)
        stderr = cli_error("ecs", "update-service", "--cluster", cluster, "--service", "web", "--desired-count", "1")
        assert "ServiceNotActiveException" in stderr
        with pytest.raises(ClientError) as excinfo:
            create()
        assert error_of(excinfo) == (
            "InvalidParameterException",
            "Unable to Start a service that is still Draining.",
            400,
        )
        sandbox.configure_account({"service_draining_seconds": 0})  # its tasks are gone: AWS finishes draining
        assert ecs.describe_services(cluster=cluster, services=["web"])["services"][0]["status"] == "INACTIVE"
        assert create()["service"]["status"] == "ACTIVE"
        ecs.delete_service(cluster=cluster, service="web")


# -- CodeBuild's concurrent-build quota --------------------------------------------------------------------
def _sleeping_project(seconds: float) -> str:
    name = unique("queue")
    spec = f"version: 0.2\nphases:\n  build:\n    commands:\n      - sleep {seconds}\n"
    sandbox_client("codebuild").create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": spec},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=ENVIRONMENT,
        serviceRole=codebuild_service_role(),
    )
    return name


def _build(build_id: str) -> dict:
    return dict(sandbox_client("codebuild").batch_get_builds(ids=[build_id])["builds"][0])


def test_builds_beyond_the_concurrency_queue_and_beyond_the_queue_are_refused():
    codebuild = sandbox_client("codebuild")
    project = _sleeping_project(1.5)  # long enough that the second build waits a whole second
    with account_settings(codebuild_concurrency=1, codebuild_queue=1):
        first = codebuild.start_build(projectName=project)["build"]["id"]
        second = codebuild.start_build(projectName=project)["build"]["id"]
        with pytest.raises(ClientError) as excinfo:
            codebuild.start_build(projectName=project)
        assert error_of(excinfo) == (
            "AccountLimitExceededException",
            "Cannot have more than 1 builds in queue for the account",
            400,
        )
        deadline = time.monotonic() + 5
        while _build(first)["currentPhase"] == "QUEUED" and time.monotonic() < deadline:
            time.sleep(0.05)  # the first build takes the free slot at once
        assert _build(first)["currentPhase"] != "QUEUED"
        waiting = _build(second)
        if not _build(first)["buildComplete"]:  # read while the first still ran: the second waited in the queue
            assert (waiting["currentPhase"], waiting["buildStatus"]) == ("QUEUED", "IN_PROGRESS")
        # (on a machine slow enough to miss that moment, the records below still show the second's wait)
        deadline = time.monotonic() + 30
        while not _build(second)["buildComplete"] and time.monotonic() < deadline:
            time.sleep(0.2)
        done_first, done_second = _build(first), _build(second)
        assert done_second["buildStatus"] == "SUCCEEDED"
        assert done_second["startTime"] < done_first["endTime"] <= done_second["endTime"]
        queued = next(p for p in done_second["phases"] if p["phaseType"] == "QUEUED")
        assert queued["phaseStatus"] == "SUCCEEDED" and queued["durationInSeconds"] >= 1


def test_a_zero_quota_refuses_every_build_like_a_brand_new_account():
    project = _sleeping_project(0)
    with account_settings(codebuild_concurrency=0):
        with pytest.raises(ClientError) as excinfo:
            sandbox_client("codebuild").start_build(projectName=project)
        assert error_of(excinfo)[1] == "Cannot have more than 0 builds in queue for the account"
        stderr = cli_error("codebuild", "start-build", "--project-name", project)
        assert "AccountLimitExceededException" in stderr and "Cannot have more than 0 builds in queue" in stderr


@pytest.mark.parametrize("quota_code", ["L-9D07B6EF", "L-2DC20C30", "L-4DDC4A99"])
def test_service_quotas_answers_the_concurrent_build_quota(quota_code):
    quotas = sandbox_client("service-quotas")
    with account_settings(codebuild_concurrency=3):
        answer = quotas.get_service_quota(ServiceCode="codebuild", QuotaCode=quota_code)
        assert_matches_output_shape(quotas, "GetServiceQuota", answer)
        assert answer["Quota"]["Value"] == 3.0 and answer["Quota"]["QuotaName"].startswith("Concurrently running")
        listed = cli_json(
            "service-quotas", "get-service-quota", "--service-code", "codebuild", "--quota-code", quota_code
        )
        assert listed["Quota"]["Value"] == 3.0


# -- IAM propagation ------------------------------------------------------------------------------------------
def _new_role(service: str | None = None) -> str:
    trust = TRUST
    if service:  # one principal, as moto's CreatePipeline check wants it
        statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam = sandbox_client("iam")
    return str(iam.create_role(RoleName=unique("role"), AssumeRolePolicyDocument=trust)["Role"]["Arn"])


def test_codebuild_refuses_a_service_role_iam_has_not_propagated(not_yet_propagated):
    codebuild = sandbox_client("codebuild")
    role = _new_role()
    project = {
        "source": {
            "type": "NO_SOURCE",
            "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - 'true'\n",
        },
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": ENVIRONMENT,
        "serviceRole": role,
    }
    with pytest.raises(ClientError) as excinfo:
        codebuild.create_project(name=unique("young"), **project)
    assert error_of(excinfo) == (
        "InvalidInputException",
        f"CodeBuild is not authorized to perform: sts:AssumeRole on {role}",
        400,
    )
    with account_settings(iam_propagation_seconds=0):
        codebuild.create_project(name=unique("young"), **project)


def _pipeline(role: str, bucket: str) -> dict:
    return {
        "name": unique("pipe"),
        "roleArn": role,
        "artifactStore": {"type": "S3", "location": bucket},
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                        "configuration": {"S3Bucket": bucket, "S3ObjectKey": "src.zip"},
                        "outputArtifacts": [{"name": "Src"}],
                    }
                ],
            },
            {
                "name": "Approve",
                "actions": [
                    {
                        "name": "Approve",
                        "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"},
                    }
                ],
            },
        ],
    }


def test_codepipeline_refuses_a_role_iam_has_not_propagated(not_yet_propagated):
    codepipeline = sandbox_client("codepipeline")
    bucket = unique("pipe-artifacts")
    sandbox_client("s3").create_bucket(Bucket=bucket)
    role = _new_role("codepipeline.amazonaws.com")
    with pytest.raises(ClientError) as excinfo:
        codepipeline.create_pipeline(pipeline=_pipeline(role, bucket))
    assert error_of(excinfo) == (
        "InvalidStructureException",
        f"CodePipeline is not authorized to perform AssumeRole on role {role}",
        400,
    )


def test_auto_scaling_refuses_an_instance_profile_iam_has_not_propagated(not_yet_propagated):
    iam, ec2, autoscaling = sandbox_client("iam"), sandbox_client("ec2"), sandbox_client("autoscaling")
    profile = unique("profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    template = ec2.create_launch_template(
        LaunchTemplateName=profile,
        LaunchTemplateData={"ImageId": AMI, "InstanceType": "t2.micro", "IamInstanceProfile": {"Name": profile}},
    )["LaunchTemplate"]["LaunchTemplateId"]
    arguments = {
        "MinSize": 0,
        "MaxSize": 1,
        "LaunchTemplate": {"LaunchTemplateId": template},
        "AvailabilityZones": ["us-east-1a"],
    }
    with pytest.raises(ClientError) as excinfo:
        autoscaling.create_auto_scaling_group(AutoScalingGroupName=profile, **arguments)
    assert error_of(excinfo) == (
        "ValidationError",
        f"You must use a valid fully-formed launch template. Value ({profile}) for parameter iamInstanceProfile.name "
        "is invalid. Invalid IAM Instance Profile name",
        400,
    )
    with account_settings(iam_propagation_seconds=0):
        autoscaling.create_auto_scaling_group(AutoScalingGroupName=profile, **arguments)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=profile, ForceDelete=True)


def test_a_stack_whose_resource_is_refused_fails_and_rolls_back(not_yet_propagated):
    cfn, codebuild = sandbox_client("cloudformation"), sandbox_client("codebuild")
    role = _new_role()
    stack = unique("young-role")
    template = {
        "Resources": {
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": f"/test/{stack}"}},
            "Project": {
                "Type": "AWS::CodeBuild::Project",
                "DependsOn": "Logs",
                "Properties": {
                    "Name": stack,
                    "ServiceRole": role,
                    "Artifacts": {"Type": "NO_ARTIFACTS"},
                    "Source": {"Type": "NO_SOURCE", "BuildSpec": "version: 0.2"},
                    "Environment": {
                        "Type": "LINUX_CONTAINER",
                        "ComputeType": "BUILD_GENERAL1_SMALL",
                        "Image": "aws/codebuild/standard:7.0",
                    },
                },
            },
        }
    }
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))  # accepted: the work is asynchronous
    deadline = time.monotonic() + 10
    while cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"].endswith("IN_PROGRESS"):
        assert time.monotonic() < deadline, "the stack never finished"
        time.sleep(0.2)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    failed = next(e for e in events if e["ResourceStatus"] == "CREATE_FAILED")
    assert (failed["LogicalResourceId"], failed["ResourceType"]) == ("Project", "AWS::CodeBuild::Project")
    assert f"CodeBuild is not authorized to perform: sts:AssumeRole on {role}" in failed["ResourceStatusReason"]
    assert not codebuild.batch_get_projects(names=[stack])["projects"]
    assert not sandbox_client("logs").describe_log_groups(logGroupNamePrefix=f"/test/{stack}")["logGroups"]
    stack_id = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
    with pytest.raises(ClientError) as excinfo:
        cfn.create_change_set(
            StackName=stack, ChangeSetName="again", TemplateBody=json.dumps(template), ChangeSetType="UPDATE"
        )
    assert error_of(excinfo) == (
        "ValidationError",
        f"Stack:{stack_id} is in ROLLBACK_COMPLETE state and can not be updated.",
        400,
    )
    cfn.delete_stack(StackName=stack)


# -- CloudFormation: REVIEW_IN_PROGRESS ---------------------------------------------------------------------
def test_a_stack_left_in_review_in_progress_cannot_be_updated():
    cfn = sandbox_client("cloudformation")
    stack = unique("review")
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    created = cfn.create_change_set(StackName=stack, ChangeSetName="first", TemplateBody=body, ChangeSetType="CREATE")
    cfn.delete_change_set(ChangeSetName=created["Id"])  # like a failed first change set: the stub stays
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "REVIEW_IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        cfn.create_change_set(StackName=stack, ChangeSetName="second", TemplateBody=body, ChangeSetType="UPDATE")
    assert error_of(excinfo) == ("ValidationError", f"Stack [{stack}] does not exist", 400)
    stderr = cli_error(
        "cloudformation",
        "create-change-set",
        "--stack-name",
        stack,
        "--change-set-name",
        "cli",
        "--template-body",
        body,
        "--change-set-type",
        "UPDATE",
    )
    assert f"Stack [{stack}] does not exist" in stderr
    # The fix AWS's own tools use: a CREATE change set takes the stub over.
    cfn.create_change_set(StackName=stack, ChangeSetName="third", TemplateBody=body, ChangeSetType="CREATE")
    assert len([s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack]) == 1
    cfn.execute_change_set(ChangeSetName="third", StackName=stack)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    with pytest.raises(ClientError) as excinfo:
        cfn.create_change_set(StackName=stack, ChangeSetName="fourth", TemplateBody=body, ChangeSetType="CREATE")
    assert "already exists" in error_of(excinfo)[1]
    cfn.delete_stack(StackName=stack)


# -- instance types only where the region offers them ------------------------------------------------------
def test_instance_type_offerings_follow_the_region():
    def offered(region: str) -> set[str]:
        answer = sandbox_client("ec2", region).describe_instance_type_offerings(
            Filters=[{"Name": "instance-type", "Values": ["t2.micro", "t3.micro"]}]
        )
        return {o["InstanceType"] for o in answer["InstanceTypeOfferings"]}

    assert offered("us-east-1") == {"t2.micro", "t3.micro"}
    assert offered("eu-north-1") == {"t3.micro"}  # no T2 in Stockholm


def test_a_group_with_an_unoffered_type_gets_no_instance_and_its_services_never_start():
    region = "eu-north-1"
    ecs, autoscaling = sandbox_client("ecs", region), sandbox_client("autoscaling", region)
    group = _auto_scaling_group(region, "t2.micro", desired=1)
    name = group.rsplit("/", 1)[-1]
    described = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    assert described["DesiredCapacity"] == 1 and described["Instances"] == []
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName=name)
    assert_matches_output_shape(autoscaling, "DescribeScalingActivities", activities)
    activity = activities["Activities"][0]
    assert activity["StatusCode"] == "Failed"
    assert activity["StatusMessage"].startswith("The requested configuration is currently not supported.")
    assert cli_json("autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", name, region=region)[
        "Activities"
    ]

    cluster = unique("no-capacity")
    provider = f"cp-{cluster}"
    with account_settings(ecs_service_linked_role_exists=True):
        ecs.create_capacity_provider(name=provider, autoScalingGroupProvider={"autoScalingGroupArn": group})
        ecs.create_cluster(clusterName=cluster, capacityProviders=[provider])
        definition = ecs.register_task_definition(
            family=cluster, containerDefinitions=[{"name": "web", "image": "node:22-alpine", "memory": 128}]
        )["taskDefinition"]["taskDefinitionArn"]
        created = ecs.create_service(
            cluster=cluster,
            serviceName="web",
            taskDefinition=definition,
            desiredCount=1,
            capacityProviderStrategy=[{"capacityProvider": provider, "weight": 1}],
        )["service"]
        # answered at once, as AWS does: the deployment has only begun, no task is placed yet
        assert created["runningCount"] == 0 and created["deployments"][0]["rolloutState"] == "IN_PROGRESS"
        deadline = time.monotonic() + 60
        while True:  # the scheduler's verdict comes later, as a service event
            service = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]
            if any("no container instance met all of its requirements" in e["message"] for e in service["events"]):
                break
            assert time.monotonic() < deadline, f"no placement event in 60 s: {service['events']}"
            time.sleep(0.2)
        assert service["runningCount"] == 0
        ecs.delete_service(cluster=cluster, service="web", force=True)


def test_an_offered_type_launches_and_its_services_get_capacity():
    autoscaling = sandbox_client("autoscaling")
    group = _auto_scaling_group("us-east-1", "t2.micro", desired=1)
    name = group.rsplit("/", 1)[-1]
    described = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    assert len(described["Instances"]) == 1
    activity = autoscaling.describe_scaling_activities(AutoScalingGroupName=name)["Activities"][0]
    assert activity["StatusCode"] == "Successful"
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)


# -- names AWS reserves ---------------------------------------------------------------------------------------
def test_security_group_names_may_not_look_like_ids():
    with pytest.raises(ClientError) as excinfo:
        sandbox_client("ec2").create_security_group(GroupName="sg-team", Description="x")
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "Value (sg-team) for parameter GroupName is invalid. Group names may not be in the format sg-*.",
        400,
    )
    assert "Group names may not be in the format sg-*" in cli_error(
        "ec2", "create-security-group", "--group-name", "sg-cli", "--description", "x"
    )


def test_load_balancer_names_may_not_begin_with_internal():
    ec2 = sandbox_client("ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    with pytest.raises(ClientError) as excinfo:
        sandbox_client("elbv2").create_load_balancer(Name="internal-ws", Subnets=subnets)
    assert error_of(excinfo) == ("ValidationError", "Load balancer name cannot begin with 'internal-'", 400)
    assert "cannot begin with 'internal-'" in cli_error(
        "elbv2", "create-load-balancer", "--name", "internal-cli", "--subnets", *subnets
    )


@pytest.mark.parametrize(
    "bucket", ["xn--team-bucket", "sthree-team", "amzn-s3-demo-team", "team-s3alias", "team--ol-s3"]
)
def test_reserved_bucket_names_are_refused(bucket):
    with pytest.raises(ClientError) as excinfo:
        sandbox_client("s3").create_bucket(Bucket=bucket)
    assert error_of(excinfo) == ("InvalidBucketName", "The specified bucket is not valid.", 400)


def test_a_reserved_bucket_name_through_the_cli():
    assert "InvalidBucketName" in cli_error("s3api", "create-bucket", "--bucket", "sthree-cli-team")


def test_a_pipeline_build_action_whose_start_build_is_refused_fails_like_aws():
    codecommit, codebuild, codepipeline = (
        sandbox_client("codecommit"),
        sandbox_client("codebuild"),
        sandbox_client("codepipeline"),
    )
    name = unique("quota-pipe")
    bucket = unique("quota-artifacts")
    sandbox_client("s3").create_bucket(Bucket=bucket)
    codecommit.create_repository(repositoryName=name)
    codecommit.put_file(repositoryName=name, branchName="main", fileContent=b"hello", filePath="README.md")
    with account_settings(iam_propagation_seconds=0, codebuild_concurrency=0):
        role = _new_role()
        codebuild.create_project(
            name=name,
            source={
                "type": "CODEPIPELINE",
                "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - 'true'\n",
            },
            artifacts={"type": "CODEPIPELINE"},
            environment=ENVIRONMENT,
            serviceRole=role,
        )
        source = {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"}
        build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
        pipeline_role = _new_role("codepipeline.amazonaws.com")
        pipeline_policy = {  # what the source and build actions need (the sandbox enforces the role)
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "codecommit:GetBranch",
                        "codecommit:GetCommit",
                        "codecommit:UploadArchive",
                        "codecommit:GetUploadArchiveStatus",
                        "s3:GetObject",
                        "s3:PutObject",
                        "codebuild:StartBuild",
                        "codebuild:BatchGetBuilds",
                    ],
                    "Resource": "*",
                }
            ],
        }
        sandbox_client("iam").put_role_policy(
            RoleName=pipeline_role.rsplit("/", 1)[-1], PolicyName="actions", PolicyDocument=json.dumps(pipeline_policy)
        )
        codepipeline.create_pipeline(
            pipeline={
                "name": name,
                "roleArn": pipeline_role,
                "artifactStore": {"type": "S3", "location": bucket},
                "stages": [
                    {
                        "name": "Source",
                        "actions": [
                            {
                                "name": "Source",
                                "actionTypeId": source,
                                "configuration": {"RepositoryName": name, "BranchName": "main"},
                                "outputArtifacts": [{"name": "Src"}],
                            }
                        ],
                    },
                    {
                        "name": "Build",
                        "actions": [
                            {
                                "name": "Build",
                                "actionTypeId": build,
                                "configuration": {"ProjectName": name},
                                "inputArtifacts": [{"name": "Src"}],
                            }
                        ],
                    },
                ],
            }
        )
        deadline = time.monotonic() + 30
        while True:
            stage = codepipeline.get_pipeline_state(name=name)["stageStates"][1]
            latest = stage.get("actionStates", [{}])[0].get("latestExecution", {})
            if latest.get("status") in ("Failed", "Succeeded") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert latest["status"] == "Failed"
    message = latest["errorDetails"]["message"]
    assert message.startswith("Error calling startBuild: Cannot have more than 0 builds in queue for the account")
    assert "Error Code: AccountLimitExceededException" in message
    codepipeline.delete_pipeline(name=name)


def test_a_strategy_naming_a_provider_the_cluster_does_not_have_is_refused():
    """CreateService refuses a capacity provider strategy with a provider not associated with the cluster (AWS's
    InvalidParameterException), instead of a service that waits for capacity forever."""
    ecs = sandbox_client("ecs")
    cluster = unique("no-such-provider")
    ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE"])
    definition = ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "web", "image": "node:22-alpine", "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]
    with pytest.raises(ecs.exceptions.InvalidParameterException) as refused:
        ecs.create_service(
            cluster=cluster,
            serviceName="web",
            taskDefinition=definition,
            desiredCount=1,
            capacityProviderStrategy=[{"capacityProvider": "cp-not-this-clusters", "weight": 1}],
        )
    assert "not associated with the cluster" in str(refused.value)
    assert ecs.list_services(cluster=cluster)["serviceArns"] == []
    ecs.delete_cluster(cluster=cluster)
