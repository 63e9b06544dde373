"""ValidateTemplate checks what CloudFormation checks (syntax, sections, types, references) and answers
as it does, through boto3 and through the AWS CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import assert_matches_output_shape, aws_cli, cli_json, sandbox_client

TEMPLATES = sorted((Path(__file__).parents[2] / "data" / "templates").glob("*.yaml"))


def _template(resources: dict, **sections) -> str:
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, **sections})


TOPIC = {"Topic": {"Type": "AWS::SNS::Topic"}}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_the_kits_templates_validate_with_their_parameters(path):
    cfn = sandbox_client("cloudformation")
    answer = cfn.validate_template(TemplateBody=path.read_text())
    assert_matches_output_shape(cfn, "ValidateTemplate", answer)
    assert answer["Parameters"], "every kit template takes parameters"
    assert "WorkshopPrefix" in {p["ParameterKey"] for p in answer["Parameters"]}
    assert answer["Description"]


def test_yaml_short_forms_parameters_and_iam_capabilities():
    body = """
Description: a role and a topic
Parameters:
  Name:
    Type: String
    Default: demo
    Description: the topic's name
  Secret:
    Type: String
    NoEcho: true
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Name}-role"
      AssumeRolePolicyDocument: {}
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Role
    Properties:
      TopicName: !Ref Name
      DisplayName: !GetAtt Role.Arn
Outputs:
  TopicArn:
    Value: !Ref Topic
"""
    answer = sandbox_client("cloudformation").validate_template(TemplateBody=body)
    assert answer["Description"] == "a role and a topic"
    assert answer["Parameters"] == [
        {"ParameterKey": "Name", "DefaultValue": "demo", "NoEcho": False, "Description": "the topic's name"},
        {"ParameterKey": "Secret", "NoEcho": True},
    ]
    assert answer["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert answer["CapabilitiesReason"] == "The following resource(s) require capabilities: [AWS::IAM::Role]"


def test_property_values_are_not_checked_until_a_stack_creates_the_resource():
    """cfn-lint (which moto runs) refuses this; CloudFormation's ValidateTemplate does not look at properties."""
    body = _template({"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"NoSuchProperty": 1}}})
    assert sandbox_client("cloudformation").validate_template(TemplateBody=body)["Capabilities"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"Resources": {', "Template format error: JSON not well-formed. (line 1, column "),
        ("Resources:\n  Topic: [unclosed\n", "Template format error: YAML not well-formed."),
        ("just text", "Template format error: unsupported structure."),
        (_template({}), "Template format error: At least one Resources member must be defined."),
        (
            _template(TOPIC, Extra={}),
            "Template format error: Invalid template property or properties [Extra]",
        ),
        (
            _template({"Service": {"Type": "AWS::ECS::Servise"}}),
            "Template format error: Unrecognized resource types: [AWS::ECS::Servise]",
        ),
        (
            _template({"Topic": {"Properties": {}}}),
            "Template format error: Every Resources object must contain a Type member.",
        ),
        (
            _template({"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Missing"}}}}),
            "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template",
        ),
        (
            _template({"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${Nope}-x"}}}}),
            "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template",
        ),
        (
            _template({"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": ["x"]}}}}),
            "Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments.",
        ),
        (
            _template({"Topic": {"Type": "AWS::SNS::Topic", "DependsOn": ["Ghost"]}}),
            "Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template",
        ),
        (
            _template(TOPIC, Outputs={"Arn": {"Value": {"Fn::GetAtt": ["Ghost", "Arn"]}}}),
            "Template error: instance of Fn::GetAtt references undefined resource Ghost",
        ),
        (
            _template(TOPIC, Outputs={"Arn": {"Value": {"Ref": "Ghost"}}}),
            "Template format error: Unresolved resource dependencies [Ghost] in the Outputs block of the template",
        ),
        (
            _template(TOPIC, Parameters={"Size": {"Type": "Integer"}}),
            "Template format error: Unrecognized parameter type: Integer",
        ),
    ],
    ids=[
        "json",
        "yaml",
        "not-a-mapping",
        "no-resources",
        "unknown-section",
        "unknown-type",
        "no-type",
        "ref",
        "sub",
        "sub-arguments",
        "depends-on",
        "get-att",
        "output-ref",
        "parameter-type",
    ],
)
def test_what_cloudformation_refuses(body, message):
    with pytest.raises(ClientError) as refused:
        sandbox_client("cloudformation").validate_template(TemplateBody=body)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"].startswith(message)


def test_a_body_over_cloudformations_limit_is_refused():
    body = _template(TOPIC, Description="x" * 52_000)
    with pytest.raises(ClientError, match="Member must have length less than or equal to 51200"):
        sandbox_client("cloudformation").validate_template(TemplateBody=body)


def test_a_type_the_region_does_not_offer_is_unrecognized_there():
    """Resource types differ by region, as they do in CloudFormation's registry."""
    from localaws.services.cloudformation.validation import resource_types

    offered = resource_types("eu-north-1")
    everywhere = resource_types("us-east-1")
    assert offered is not None and everywhere is not None
    missing = sorted(everywhere - offered)
    assert missing, "every us-east-1 type is offered in eu-north-1: pick another region for this test"
    body = _template({"R": {"Type": missing[0]}})
    assert sandbox_client("cloudformation").validate_template(TemplateBody=body)["Parameters"] == []
    with pytest.raises(ClientError, match=r"Unrecognized resource types: \[" + missing[0]):
        sandbox_client("cloudformation", region="eu-north-1").validate_template(TemplateBody=body)


def test_validate_template_through_the_cli(tmp_path):
    good = TEMPLATES[0]
    answer = cli_json("cloudformation", "validate-template", "--template-body", f"file://{good}")
    assert {p["ParameterKey"] for p in answer["Parameters"]} >= {"WorkshopPrefix"}
    bad = tmp_path / "bad.json"
    bad.write_text(_template({"Service": {"Type": "AWS::ECS::Servise"}}))
    refused = aws_cli("cloudformation", "validate-template", "--template-body", f"file://{bad}", check=False)
    assert refused.returncode != 0
    assert "(ValidationError)" in refused.stderr
    assert "Unrecognized resource types: [AWS::ECS::Servise]" in refused.stderr
