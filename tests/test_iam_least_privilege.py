"""Each service role's policy is needed: for every role, one permission the workshop uses is removed
with the AWS CLI (``aws iam put-role-policy``), the step that needs it fails with AWS's message where
AWS reports it, and once the policy is restored the next run passes.

The EC2 workshop it runs on (so that the instance role acts too) is shared with the other files of its group
(``tests/shared_workshops.py``); the Dev pipeline is re-run for each check.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import release
from helpers.changes import gitflow
from helpers.resources.roles import INLINE_POLICY_NAME, ROLES, render_policy, role_name
from localaws import api
from tests.helpers_for_tests import aws_cli, sandbox_client
from tests.shared_workshops import EC2_WORKSHOP_GROUP, quick_account

# Runs on an EC2 workshop with its pipelines and first runs (a changed policy is not delayed by IAM's propagation).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(EC2_WORKSHOP_GROUP)]


@pytest.fixture(scope="module")
def workshop(shared_ec2_workshop):
    with quick_account():
        yield shared_ec2_workshop


def _spec(key: str) -> Any:
    return next(spec for spec in ROLES if spec.key == key)


@contextlib.contextmanager
def without(workshop: Any, key: str, action: str) -> Iterator[str]:
    """The role's inline policy without ``action`` (put with the AWS CLI), restored afterwards."""
    name = role_name(workshop, _spec(key))
    policy = render_policy(workshop, key)
    reduced = json.loads(json.dumps(policy))
    for statement in reduced["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != action]
    reduced["Statement"] = [s for s in reduced["Statement"] if s["Action"]]
    assert reduced != policy, f"{action} is not granted to {key}"

    def put(document: dict[str, Any]) -> None:
        aws_cli(
            "iam",
            "put-role-policy",
            "--role-name",
            name,
            "--policy-name",
            INLINE_POLICY_NAME,
            "--policy-document",
            json.dumps(document),
        )

    if reduced["Statement"]:
        put(reduced)
    else:  # IAM refuses a policy without statements: the action was the policy's only one
        aws_cli("iam", "delete-role-policy", "--role-name", name, "--policy-name", INLINE_POLICY_NAME)
    try:
        yield f"arn:aws:sts::{workshop.account}:assumed-role/{name}/"
    finally:
        put(policy)


def run_dev(workshop: Any, timeout: float = 120) -> dict[str, Any]:
    """Start the Dev pipeline (as the learner) and wait for the run to end."""
    codepipeline = sandbox_client("codepipeline")
    name = workshop.names.pipeline("dev")
    execution_id = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    return wait_for(name, execution_id, timeout)


def wait_for(name: str, execution_id: str, timeout: float = 120) -> dict[str, Any]:
    codepipeline = sandbox_client("codepipeline")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = codepipeline.get_pipeline_execution(pipelineName=name, pipelineExecutionId=execution_id)
        if execution["pipelineExecution"]["status"] not in ("InProgress", "Stopping"):
            return dict(execution["pipelineExecution"])
        time.sleep(0.3)
    raise AssertionError(f"{name} {execution_id} did not finish in {timeout} s")


def build_log(workshop: Any, execution_id: str, action: str) -> str:
    details = sandbox_client("codepipeline").list_action_executions(
        pipelineName=workshop.names.pipeline("dev"), filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    build_id = next(d for d in details if d["actionName"] == action)["output"]["executionResult"]["externalExecutionId"]
    build = sandbox_client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    events = sandbox_client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
    )["events"]
    return "\n".join(e["message"] for e in events)


def test_codepipeline_role_without_start_build(workshop):
    with without(workshop, "codepipeline-service-role", "codebuild:StartBuild") as session:
        failed = run_dev(workshop)
        assert failed["status"] == "Failed"
        summary = failed["statusSummary"]
        assert summary.startswith("Stage Build failed at action BuildApp: Error calling startBuild: User: " + session)
        project = f"arn:aws:codebuild:us-east-1:{workshop.account}:project/{workshop.names.nodejs_project}"
        assert f"is not authorized to perform: codebuild:StartBuild on resource: {project}" in summary
    assert run_dev(workshop)["status"] == "Succeeded"


def test_codebuild_role_without_put_image(workshop):
    with without(workshop, "codebuild-service-role", "ecr:PutImage") as session:
        failed = run_dev(workshop)
        assert failed["status"] == "Failed"
        assert "Stage Build failed at action BuildContainer" in failed["statusSummary"]
        assert "Phase: POST_BUILD, Code: COMMAND_EXECUTION_ERROR" in failed["statusSummary"]
        log = build_log(workshop, failed["pipelineExecutionId"], "BuildContainer")
        repository = f"arn:aws:ecr:us-east-1:{workshop.account}:repository/{workshop.names.ecr_repository('dev')}"
        assert f"denied: User: {session}AWSCodeBuild-" in log
        assert f"is not authorized to perform: ecr:PutImage on resource: {repository}" in log
    assert run_dev(workshop)["status"] == "Succeeded"


def test_task_execution_role_without_batch_get_image(workshop):
    ecs = sandbox_client("ecs")
    with without(workshop, "ecs-task-execution-role", "ecr:BatchGetImage") as session:
        failed = run_dev(workshop, timeout=180)
        assert failed["status"] == "Failed"
        assert "Stage Deploy failed at action Deploy" in failed["statusSummary"]
        assert "is not authorized to perform: ecr:BatchGetImage" in failed["statusSummary"]
        service = ecs.describe_services(
            cluster=workshop.names.cluster("dev"), services=[workshop.names.service("dev")]
        )["services"][0]
        messages = "\n".join(e["message"] for e in service["events"])
        assert "CannotPullContainerError" in messages
        assert f"User: {session}" in messages and "is not authorized to perform: ecr:BatchGetImage" in messages
    assert run_dev(workshop, timeout=180)["status"] == "Succeeded"


def test_instance_role_without_poll(workshop):
    ecs = sandbox_client("ecs")
    with without(workshop, "ecs-instance-role", "ecs:Poll") as session:
        failed = run_dev(workshop, timeout=180)
        assert failed["status"] == "Failed"
        assert "Stage Deploy failed at action Deploy" in failed["statusSummary"]
        service = ecs.describe_services(
            cluster=workshop.names.cluster("dev"), services=[workshop.names.service("dev")]
        )["services"][0]
        messages = "\n".join(e["message"] for e in service["events"])
        assert "no container instance met all of its requirements" in messages
        assert f"User: {session}" in messages and "is not authorized to perform: ecs:Poll" in messages
    assert run_dev(workshop, timeout=180)["status"] == "Succeeded"


def test_events_role_without_start_pipeline_execution(workshop):
    codepipeline = sandbox_client("codepipeline")
    name = workshop.names.pipeline("dev")
    with without(workshop, "events-start-pipeline-role", "codepipeline:StartPipelineExecution"):
        before = {
            e["pipelineExecutionId"]
            for e in codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
        }
        gitflow.commit_file(workshop, "NOTES.md", "no run expected\n", "A commit EventBridge may not deliver")
        deadline = time.monotonic() + 10
        refused = []
        while time.monotonic() < deadline and not refused:
            refused = [
                d
                for d in api.iam_usage()["denied"]
                if d["action"] == "codepipeline:StartPipelineExecution"
                and d["role"].endswith(f"/{workshop.names.events_role}")
            ]
            time.sleep(0.2)
        assert refused and refused[-1]["resource"] == f"arn:aws:codepipeline:us-east-1:{workshop.account}:{name}"
        after = {
            e["pipelineExecutionId"]
            for e in codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
        }
        assert after == before  # the rule's invocation failed: nothing started
    snapshot = release.snapshot(workshop)
    gitflow.commit_file(workshop, "NOTES.md", "a run expected\n", "A commit EventBridge delivers")
    assert release.watch_environment(workshop, "dev", snapshot)["dev"]["status"] == "Succeeded"
