"""AWS::CodeBuild::Project and AWS::CodePipeline::Pipeline in the sandbox's CloudFormation: create,
update, delete, Ref and GetAtt."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import codebuild_service_role, sandbox_client, unique

ROLE = "arn:aws:iam::123456789012:role/cfn-types"


@pytest.fixture(scope="module", autouse=True)
def _service_role() -> None:
    """The role the template names must exist: CodeBuild refuses a project whose role it cannot assume."""
    assert codebuild_service_role("cfn-types") == ROLE


def template(description: str, stages_source_branch: str = "main") -> str:
    return json.dumps(
        {
            "Resources": {
                "Project": {
                    "Type": "AWS::CodeBuild::Project",
                    "Properties": {
                        "Name": {"Fn::Sub": "${AWS::StackName}-project"},
                        "Description": description,
                        "ServiceRole": ROLE,
                        "Artifacts": {"Type": "CODEPIPELINE"},
                        "Source": {"Type": "CODEPIPELINE", "BuildSpec": "buildspec.yml"},
                        "Environment": {
                            "Type": "LINUX_CONTAINER",
                            "ComputeType": "BUILD_GENERAL1_SMALL",
                            "Image": "aws/codebuild/standard:7.0",
                        },
                        "Tags": [{"Key": "owner", "Value": "test"}],
                    },
                },
                "Pipeline": {
                    "Type": "AWS::CodePipeline::Pipeline",
                    "Properties": {
                        "Name": {"Fn::Sub": "${AWS::StackName}-pipeline"},
                        "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                        "ArtifactStore": {"Type": "S3", "Location": {"Ref": "Bucket"}},
                        "Stages": [
                            {
                                "Name": "Source",
                                "Actions": [
                                    {
                                        "Name": "Source",
                                        "ActionTypeId": {
                                            "Category": "Source",
                                            "Owner": "AWS",
                                            "Provider": "CodeCommit",
                                            "Version": "1",
                                        },
                                        "Configuration": {
                                            "RepositoryName": "nowhere",
                                            "BranchName": stages_source_branch,
                                            "PollForSourceChanges": False,
                                        },
                                        "OutputArtifacts": [{"Name": "Src"}],
                                    }
                                ],
                            },
                            {
                                "Name": "Build",
                                "Actions": [
                                    {
                                        "Name": "Build",
                                        "ActionTypeId": {
                                            "Category": "Build",
                                            "Owner": "AWS",
                                            "Provider": "CodeBuild",
                                            "Version": "1",
                                        },
                                        "Configuration": {"ProjectName": {"Ref": "Project"}},
                                        "InputArtifacts": [{"Name": "Src"}],
                                    }
                                ],
                            },
                        ],
                        "Tags": [{"Key": "owner", "Value": "test"}],
                    },
                },
                "Bucket": {"Type": "AWS::S3::Bucket"},
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Principal": {"Service": "codepipeline.amazonaws.com"},
                                }
                            ],
                        }
                    },
                },
            },
            "Outputs": {
                "ProjectName": {"Value": {"Ref": "Project"}},
                "ProjectArn": {"Value": {"Fn::GetAtt": ["Project", "Arn"]}},
                "PipelineName": {"Value": {"Ref": "Pipeline"}},
                "PipelineVersion": {"Value": {"Fn::GetAtt": ["Pipeline", "Version"]}},
            },
        }
    )


QUICK = {"Delay": 0.2, "MaxAttempts": 300}  # the sandbox's operations take seconds; poll more often than AWS's 30 s


def outputs(cfn, stack: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}


def test_create_update_delete_with_ref_and_getatt():
    cfn, codebuild, codepipeline = (sandbox_client(s) for s in ("cloudformation", "codebuild", "codepipeline"))
    stack = unique("cfntypes")
    cfn.create_stack(StackName=stack, TemplateBody=template("first"), Capabilities=["CAPABILITY_IAM"])
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig=QUICK)  # it takes time, as on AWS
    values = outputs(cfn, stack)
    assert values["ProjectName"] == f"{stack}-project"
    assert values["ProjectArn"] == f"arn:aws:codebuild:us-east-1:123456789012:project/{stack}-project"
    assert values["PipelineName"] == f"{stack}-pipeline"
    assert values["PipelineVersion"] == "1"
    project = codebuild.batch_get_projects(names=[f"{stack}-project"])["projects"][0]
    assert project["description"] == "first" and project["source"]["buildspec"] == "buildspec.yml"
    pipeline = codepipeline.get_pipeline(name=f"{stack}-pipeline")["pipeline"]
    assert pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] == f"{stack}-project"
    assert pipeline["stages"][0]["actions"][0]["configuration"]["PollForSourceChanges"] == "false"
    assert codepipeline.list_pipeline_executions(pipelineName=f"{stack}-pipeline")["pipelineExecutionSummaries"]

    cfn.update_stack(StackName=stack, TemplateBody=template("second", "develop"), Capabilities=["CAPABILITY_IAM"])
    cfn.get_waiter("stack_update_complete").wait(StackName=stack, WaiterConfig=QUICK)
    assert codebuild.batch_get_projects(names=[f"{stack}-project"])["projects"][0]["description"] == "second"
    updated = codepipeline.get_pipeline(name=f"{stack}-pipeline")["pipeline"]
    assert updated["version"] == 2
    assert updated["stages"][0]["actions"][0]["configuration"]["BranchName"] == "develop"

    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=QUICK)
    assert codebuild.batch_get_projects(names=[f"{stack}-project"])["projects"] == []
    with pytest.raises(ClientError) as excinfo:
        codepipeline.get_pipeline(name=f"{stack}-pipeline")
    assert excinfo.value.response["Error"]["Code"] == "PipelineNotFoundException"
