"""Write data/templates/deployment-pipeline-for-all-env.yaml: three pipelines that differ only in
their branch, cluster, service and repository (and Prod's approval), written out in full because
CloudFormation YAML has no loops. Edit here, then run ``python tools/render_pipeline_template.py``."""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "data" / "templates" / "deployment-pipeline-for-all-env.yaml"
ENVIRONMENTS = (("Dev", "development", "master"), ("QA", "quality assurance", "qa"), ("Prod", "production", "prod"))

HEADER = """AWSTemplateFormatVersion: "2010-09-09"
Description: >-
  ECS CD workshop - three pipelines, one per environment: Dev follows master, QA follows qa and
  Prod follows prod. Each is Source (CodeCommit) -> Build (unit tests, then the container image;
  Prod asks for a manual approval first) -> Deploy (ECS), and is started by an EventBridge rule on
  its own branch. One stack, no nested templates hosted elsewhere.

Metadata:
  AWS::CloudFormation::Interface:
    ParameterGroups:
      - Label: {default: CodePipeline Settings}
        Parameters:
          - WorkshopPrefix
          - CodePipelineNameForDevEnv
          - CodePipelineNameForQAEnv
          - CodePipelineNameForProdEnv
          - CodePipelineServiceRoleName
          - CodePipelineArtifactBucketName
          - SNSTopicName
          - CloudWatchEventRoleName
      - Label: {default: CodeCommit Settings}
        Parameters:
          - CodeCommitRepositoryName
          - CodeCommitBranchNameForDevEnv
          - CodeCommitBranchNameForQAEnv
          - CodeCommitBranchNameForProdEnv
      - Label: {default: CodeBuild Settings}
        Parameters:
          - CodeBuildNodejsProjectName
          - CodeBuildContainerImageProjectName
          - ECRRepositoryNameForDevEnv
          - ECRRepositoryNameForQAEnv
          - ECRRepositoryNameForProdEnv
      - Label: {default: ECS Settings}
        Parameters:
          - ECSTaskContainerName
          - ECSClusterNameForDevEnv
          - ECSClusterNameForQAEnv
          - ECSClusterNameForProdEnv
          - ECSServiceNameForDevEnv
          - ECSServiceNameForQAEnv
          - ECSServiceNameForProdEnv
    ParameterLabels:
      CodePipelineServiceRoleName: {default: "Which IAM role do the pipelines use?"}
      CodePipelineArtifactBucketName: {default: "Which S3 bucket carries the artifacts?"}
      SNSTopicName: {default: "Which SNS topic announces Prod approvals?"}
      CloudWatchEventRoleName: {default: "Which IAM role lets EventBridge start the pipelines?"}
      CodeCommitRepositoryName: {default: "Which CodeCommit repository holds the app?"}
      ECSTaskContainerName: {default: "What is the container called in the task definitions?"}

Parameters:
  WorkshopPrefix:
    Type: String
    Description: The workshop prefix, used to tag every resource
    AllowedPattern: "[a-z][a-z0-9-]*[a-z0-9]"
  CodePipelineServiceRoleName:
    Type: String
    Description: Existing IAM role the three pipelines assume
  CodePipelineArtifactBucketName:
    Type: String
    Description: Existing S3 bucket for pipeline artifacts
  SNSTopicName:
    Type: String
    Description: Existing SNS topic the Prod approval notifies
  CloudWatchEventRoleName:
    Type: String
    Description: Existing IAM role EventBridge assumes to start the pipelines
  CodeCommitRepositoryName:
    Type: String
    Description: Existing CodeCommit repository with the sample app
  CodeBuildNodejsProjectName:
    Type: String
    Description: CodeBuild project that runs the unit tests
  CodeBuildContainerImageProjectName:
    Type: String
    Description: CodeBuild project that builds and pushes the image
  ECSTaskContainerName:
    Type: String
    Description: Container name shared by the three task definitions
    Default: sample-app
"""


def parameters(env: str, description: str, branch: str) -> str:
    return f"""  CodePipelineNameFor{env}Env:
    Type: String
    Description: Name of the {description} pipeline
  CodeCommitBranchNameFor{env}Env:
    Type: String
    Description: Branch that starts the {description} pipeline
    Default: {branch}
  ECRRepositoryNameFor{env}Env:
    Type: String
    Description: Existing ECR repository for {description} images
  ECSClusterNameFor{env}Env:
    Type: String
    Description: Existing ECS cluster of the {description} environment
  ECSServiceNameFor{env}Env:
    Type: String
    Description: Existing ECS service of the {description} environment
"""


def approval(env: str) -> str:
    if env != "Prod":
        return ""
    return """            - Name: Approval
              RunOrder: 1
              ActionTypeId: {Category: Approval, Owner: AWS, Provider: Manual, Version: "1"}
              Configuration:
                NotificationArn: !Sub arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${SNSTopicName}
                CustomData: Approve to build and deploy this commit to production.
"""


def resources(env: str, description: str, branch: str) -> str:
    first = 2 if env == "Prod" else 1
    return f"""  PipelineFor{env}Env:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: !Ref CodePipelineNameFor{env}Env
      RoleArn: !Sub arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{CodePipelineServiceRoleName}}
      PipelineType: V2
      ExecutionMode: SUPERSEDED
      ArtifactStore:
        Type: S3
        Location: !Ref CodePipelineArtifactBucketName
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: {{Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1"}}
              Configuration:
                RepositoryName: !Ref CodeCommitRepositoryName
                BranchName: !Ref CodeCommitBranchNameFor{env}Env
                PollForSourceChanges: false
              OutputArtifacts:
                - Name: SourceArtifact
        - Name: Build
          Actions:
{approval(env)}            - Name: BuildApp
              RunOrder: {first}
              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}}
              Configuration:
                ProjectName: !Ref CodeBuildNodejsProjectName
              InputArtifacts:
                - Name: SourceArtifact
              OutputArtifacts:
                - Name: BuildAppArtifact
            - Name: BuildContainer
              RunOrder: {first + 1}
              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}}
              Configuration:
                ProjectName: !Ref CodeBuildContainerImageProjectName
                EnvironmentVariables: !Sub >-
                  [{{"name":"CONTAINER_NAME","value":"${{ECSTaskContainerName}}","type":"PLAINTEXT"}},
                  {{"name":"ECR_REPOSITORY_URI","value":"${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/${{ECRRepositoryNameFor{env}Env}}","type":"PLAINTEXT"}}]
              InputArtifacts:
                - Name: BuildAppArtifact
              OutputArtifacts:
                - Name: BuildContainerArtifact
        - Name: Deploy
          Actions:
            - Name: Deploy
              ActionTypeId: {{Category: Deploy, Owner: AWS, Provider: ECS, Version: "1"}}
              Configuration:
                ClusterName: !Ref ECSClusterNameFor{env}Env
                ServiceName: !Ref ECSServiceNameFor{env}Env
                FileName: imagedefinitions.json
                DeploymentTimeout: "15"
              InputArtifacts:
                - Name: BuildContainerArtifact
      Tags:
        - Key: workshop:prefix
          Value: !Ref WorkshopPrefix
        - Key: workshop:environment
          Value: {env.lower()}

  BranchRuleFor{env}Env:
    Type: AWS::Events::Rule
    Properties:
      Name: !Ref CodePipelineNameFor{env}Env
      Description: !Sub Start ${{CodePipelineNameFor{env}Env}} when ${{CodeCommitBranchNameFor{env}Env}} changes
      State: ENABLED
      EventPattern:
        source: [aws.codecommit]
        detail-type: [CodeCommit Repository State Change]
        resources:
          - !Sub arn:${{AWS::Partition}}:codecommit:${{AWS::Region}}:${{AWS::AccountId}}:${{CodeCommitRepositoryName}}
        detail:
          event: [referenceCreated, referenceUpdated]
          referenceType: [branch]
          referenceName:
            - !Ref CodeCommitBranchNameFor{env}Env
      Targets:
        - Id: pipeline
          Arn: !Sub arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:${{PipelineFor{env}Env}}
          RoleArn: !Sub arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{CloudWatchEventRoleName}}

"""


def outputs(env: str, description: str, branch: str) -> str:
    return f"""  PipelineNameFor{env}Env:
    Description: Name of the {description} pipeline
    Value: !Ref PipelineFor{env}Env
  PipelineUrlFor{env}Env:
    Description: Console URL of the {description} pipeline
    Value: !Sub https://${{AWS::Region}}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${{PipelineFor{env}Env}}/view?region=${{AWS::Region}}
"""


def render() -> str:
    text = HEADER + "".join(parameters(*e) for e in ENVIRONMENTS)
    text += "\nResources:\n" + "".join(resources(*e) for e in ENVIRONMENTS).rstrip("\n") + "\n"
    text += "\nOutputs:\n" + "".join(outputs(*e) for e in ENVIRONMENTS)
    return text


if __name__ == "__main__":
    TARGET.write_text(render())
