"""ValidateTemplate checks Conditions, Fn::If, Mappings (Fn::FindInMap) and the resources' dependency
graph as CloudFormation does, with its messages.

AWS documents these in the template reference:
- Conditions: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
  ("you can't reference a logical ID of a resource" in a condition);
- Fn::If: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
  (the condition name must be declared in Conditions; three elements);
- Fn::FindInMap: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap.html;
- circular dependencies: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html
  ("Dependency error ... Circular dependency between resources").
The messages are the ones CloudFormation returns, as users quote them (e.g. aws/aws-cdk#27987 for
Fn::FindInMap's arguments, aws-cloudformation/cfn-lint#99 for a resource in Conditions).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import aws_cli, sandbox_client

PARAMETERS = {"Env": {"Type": "String", "Default": "dev"}}
CONDITIONS = {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}, "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]}}
MAPPINGS = {"Sizes": {"dev": {"Name": "small"}, "prod": {"Name": "large"}}}


def _template(resources: dict, **sections) -> str:
    body = {"Parameters": PARAMETERS, "Conditions": CONDITIONS, "Mappings": MAPPINGS, "Resources": resources}
    return json.dumps({**body, **sections})


def _topic(name) -> dict:
    return {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}


def test_conditions_if_and_find_in_map_that_resolve_validate():
    body = _template(
        {
            "Prod": {**_topic("prod"), "Condition": "IsProd"},
            "Topic": _topic({"Fn::If": ["IsProd", {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Name"]}, "x"]}),
            "Other": _topic({"Fn::FindInMap": ["Sizes", "prod", "Name"]}),
            "Last": {**_topic("last"), "DependsOn": ["Topic", "Other"]},
        },
        Outputs={"Name": {"Condition": "NotProd", "Value": {"Fn::If": ["NotProd", {"Ref": "Topic"}, "none"]}}},
    )
    answer = sandbox_client("cloudformation").validate_template(TemplateBody=body)
    assert [p["ParameterKey"] for p in answer["Parameters"]] == ["Env"]


CIRCLE = {
    "A": _topic({"Fn::GetAtt": ["B", "TopicName"]}),
    "B": _topic({"Fn::Sub": "${C}-b"}),
    "C": {**_topic("c"), "DependsOn": "A"},
    "D": _topic({"Ref": "A"}),
}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _template({"T": {**_topic("t"), "Condition": "IsStaging"}}),
            "Template format error: Unresolved condition dependencies [IsStaging] in the Resources block of the "
            "template",
        ),
        (
            _template({"T": _topic({"Fn::If": ["IsStaging", "a", "b"]})}),
            "Template error: unresolved condition dependency IsStaging in Fn::If",
        ),
        (
            _template({"T": _topic({"Fn::If": ["IsProd", "a"]})}),
            "Template error: Fn::If requires a list argument with three elements",
        ),
        (
            _template({"T": _topic("t")}, Conditions={"HasTopic": {"Fn::Equals": [{"Ref": "T"}, ""]}}),
            "Template format error: Unresolved dependencies [T]. Cannot reference resources in the Conditions "
            "block of the template",
        ),
        (
            _template({"T": _topic({"Fn::FindInMap": ["Sizes", "dev"]})}),
            "Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the "
            "attribute for return value",
        ),
        (
            _template({"T": _topic({"Fn::FindInMap": ["Sizes", "staging", "Name"]})}),
            "Template error: Unable to get mapping for Sizes::staging::Name",
        ),
        (_template(CIRCLE), "Circular dependency between resources: [A, B, C]"),
        (_template({"Self": _topic({"Ref": "Self"})}), "Circular dependency between resources: [Self]"),
    ],
    ids=[
        "resource-condition",
        "if-condition",
        "if-arguments",
        "condition-refs-resource",
        "find-in-map-arguments",
        "find-in-map-missing-key",
        "circle",
        "self",
    ],
)
def test_what_cloudformation_refuses(body, message):
    with pytest.raises(ClientError) as refused:
        sandbox_client("cloudformation").validate_template(TemplateBody=body)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"] == message


def test_a_dynamic_lookup_is_left_to_the_stack():
    """A key given by a parameter is only known when a stack runs; ValidateTemplate cannot refuse it."""
    body = _template({"T": _topic({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Missing"]})})
    assert sandbox_client("cloudformation").validate_template(TemplateBody=body)["Description"] == ""


def test_a_circle_is_refused_through_the_cli_and_create_stack(tmp_path):
    """CreateStack validates the template first, so a circle never starts a stack."""
    path = tmp_path / "circle.json"
    path.write_text(_template(CIRCLE))
    refused = aws_cli("cloudformation", "validate-template", "--template-body", f"file://{path}", check=False)
    assert refused.returncode != 0
    assert "(ValidationError)" in refused.stderr
    assert "Circular dependency between resources: [A, B, C]" in refused.stderr
    cfn = sandbox_client("cloudformation")
    with pytest.raises(ClientError, match=r"Circular dependency between resources: \[A, B, C\]"):
        cfn.create_stack(StackName="circle-never-starts", TemplateBody=path.read_text())
    assert not [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == "circle-never-starts"]
