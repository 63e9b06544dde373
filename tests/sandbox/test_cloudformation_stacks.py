"""Stack operations as CloudFormation runs them: asynchronous, with events, an update that fails rolled
back, and a change set that changes nothing failed with AWS's reason.

AWS:
- CreateStack, UpdateStack, ExecuteChangeSet and DeleteStack start an operation and answer; the stack
  is ``*_IN_PROGRESS`` until it ends, and the caller waits ("Stack status codes",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes;
  the ``stack_create_complete`` waiter, https://docs.aws.amazon.com/cli/latest/reference/cloudformation/wait/);
- "If a resource can't be updated, CloudFormation rolls back the stack to its previous working state"
  (UPDATE_ROLLBACK_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE;
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks.html);
- a change set without changes: "The submitted information didn't contain changes. Submit different
  information to create a change set." (status FAILED;
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html);
- a second operation while one runs: "Stack:<id> is in UPDATE_IN_PROGRESS state and can not be updated."
"""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from tests.helpers_for_tests import assert_matches_output_shape, codebuild_service_role, sandbox_client, unique

NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."


def _project(name: str, role: str, description: str) -> dict:
    return {
        "Type": "AWS::CodeBuild::Project",
        "Properties": {
            "Name": name,
            "Description": description,
            "ServiceRole": role,
            "Artifacts": {"Type": "NO_ARTIFACTS"},
            "Source": {"Type": "NO_SOURCE", "BuildSpec": "version: 0.2"},
            "Environment": {
                "Type": "LINUX_CONTAINER",
                "ComputeType": "BUILD_GENERAL1_SMALL",
                "Image": "aws/codebuild/standard:7.0",
            },
        },
    }


def _settled(cfn, stack: str, timeout: float = 20) -> dict:
    """Poll DescribeStacks until the stack's operation ends (no waiter accepts a rolled-back update)."""
    deadline = time.monotonic() + timeout
    while True:
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return described
        time.sleep(0.2)


def _statuses(cfn, stack: str) -> list[tuple[str, str]]:
    return [
        (e["LogicalResourceId"], e["ResourceStatus"])
        for e in reversed(cfn.describe_stack_events(StackName=stack)["StackEvents"])
    ]


def test_create_stack_answers_before_its_resources_exist():
    """The backend registers the stack CREATE_IN_PROGRESS and answers; the resources come after (here the
    background worker is held, so nothing can have been created when CreateStack returns)."""
    from localaws.services.cloudformation import models

    backend = models.ChangeSetCloudFormationBackend("us-east-1", "111122223333")
    template = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    with mock.patch.object(models.threading, "Thread") as worker:
        stack = backend.create_stack("held", template, {})
    assert stack.status == "CREATE_IN_PROGRESS"
    assert stack.stack_resources == [] and stack.outputs is None
    worker.return_value.start.assert_called_once()
    worker.call_args.kwargs["target"]()  # the background work, run now
    assert stack.status == "CREATE_COMPLETE"
    assert [type(r).__name__ for r in stack.stack_resources] == ["Topic"]


def test_stack_and_resource_events_move_through_in_progress():
    cfn = sandbox_client("cloudformation")
    name = unique("events")
    role = codebuild_service_role()
    template = {
        "Resources": {"Project": _project(name, role, "v1")},
        "Outputs": {"Name": {"Value": {"Ref": "Project"}}},
    }
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    assert _statuses(cfn, name) == [
        (name, "CREATE_IN_PROGRESS"),
        ("Project", "CREATE_IN_PROGRESS"),
        ("Project", "CREATE_COMPLETE"),
        (name, "CREATE_COMPLETE"),
    ]
    described = cfn.describe_stacks(StackName=name)
    assert_matches_output_shape(cfn, "DescribeStacks", described)
    assert (described["Stacks"][0]["StackName"], described["Stacks"][0]["StackStatus"]) == (name, "CREATE_COMPLETE")
    assert described["Stacks"][0]["Outputs"][0]["OutputValue"] == name
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    assert not sandbox_client("codebuild").batch_get_projects(names=[name])["projects"]


def test_an_update_that_fails_rolls_the_changed_resources_back():
    cfn, codebuild = sandbox_client("cloudformation"), sandbox_client("codebuild")
    name = unique("rollback")
    role = codebuild_service_role()
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"{name}-b"}}
    first = {"Resources": {"A": _project(f"{name}-a", role, "v1"), "B": topic}}
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(first))
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    # A's description changes in place; B's new name is one SNS refuses, so its replacement fails
    bad = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "not a topic name!"}}
    second = {"Resources": {"A": _project(f"{name}-a", role, "v2"), "B": bad}}

    cfn.update_stack(StackName=name, TemplateBody=json.dumps(second))
    assert _settled(cfn, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"

    project = codebuild.batch_get_projects(names=[f"{name}-a"])["projects"][0]
    assert project["description"] == "v1"  # A was updated, then rolled back
    topics = [t["TopicArn"] for t in sandbox_client("sns").list_topics()["Topics"]]
    assert any(arn.endswith(f":{name}-b") for arn in topics)
    assert json.loads(json.dumps(cfn.get_template(StackName=name)["TemplateBody"])) in (first, json.dumps(first))
    events = _statuses(cfn, name)
    after = events[events.index((name, "UPDATE_IN_PROGRESS")) :]
    assert ("B", "UPDATE_FAILED") in after
    stack_events = [status for logical, status in after if logical == name]
    assert stack_events == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
    ]
    assert after.index(("A", "UPDATE_COMPLETE")) < after.index((name, "UPDATE_ROLLBACK_IN_PROGRESS"))
    assert ("A", "UPDATE_COMPLETE") in after[after.index((name, "UPDATE_ROLLBACK_IN_PROGRESS")) :]
    failed = next(
        e for e in cfn.describe_stack_events(StackName=name)["StackEvents"] if e["ResourceStatus"] == "UPDATE_FAILED"
    )
    assert (
        failed["ResourceType"] == "AWS::SNS::Topic"
        and "Topic names must be made up of" in failed["ResourceStatusReason"]
    )
    cfn.delete_stack(StackName=name)


def test_a_change_set_without_changes_fails_with_awss_reason_and_the_kit_reports_no_change():
    from helpers import setup
    from helpers.resources import deploy_stack as stacks

    cfn = sandbox_client("cloudformation")
    name = unique("same")
    role = codebuild_service_role()
    body = json.dumps({"Resources": {"Project": _project(name, role, "v1")}})
    cfn.create_stack(StackName=name, TemplateBody=body)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    cfn.create_change_set(StackName=name, ChangeSetName="same", ChangeSetType="UPDATE", TemplateBody=body)
    described = cfn.describe_change_set(StackName=name, ChangeSetName="same")
    assert (described["Status"], described["ExecutionStatus"]) == ("FAILED", "UNAVAILABLE")
    assert described["StatusReason"] == NO_CHANGES
    # the kit's own wait turns exactly this answer into "no changes"
    prefix = unique("nochg")
    setup.configure(prefix=prefix)
    workshop = setup.open_workshop(prefix)
    assert stacks._wait_change_set(workshop, name, "same") == "NO_CHANGES"
    cfn.delete_stack(StackName=name)


def test_a_second_operation_while_one_runs_is_refused():
    """Checked in the backend, where the running operation can be held deterministically."""
    from moto.cloudformation.exceptions import ValidationError

    from localaws.services.cloudformation import models

    backend = models.ChangeSetCloudFormationBackend("us-east-1", "111122223333")
    template = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    with mock.patch.object(models.threading, "Thread"):
        stack = backend.create_stack("busy", template, {})
        with pytest.raises(ValidationError, match=rf"Stack:{stack.stack_id} is in CREATE_IN_PROGRESS state"):
            backend.update_stack("busy", template.replace('"Topic"', '"Other"'), None, [], None)


def test_update_stack_without_changes_is_refused():
    cfn = sandbox_client("cloudformation")
    name = unique("noupdate")
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    cfn.create_stack(StackName=name, TemplateBody=body)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    with pytest.raises(ClientError, match=r"No updates are to be performed\."):
        cfn.update_stack(StackName=name, TemplateBody=body)
    cfn.delete_stack(StackName=name)
