"""The sandbox's CodePipeline engine, set up as the kit's templates set it up: commit -> Dev serves it;
a failing unit test stops at Build; approvals approved and rejected; and the operations that inspect
and steer executions, through boto3 and the AWS CLI, with AWS's shapes and error codes."""

from __future__ import annotations

import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from helpers import prod_approval, release
from helpers.inventory import environment_urls
from tests.helpers_for_tests import (
    assert_matches_output_shape,
    aws_cli,
    cli_json,
    sandbox_client,
)
from tests.shared_workshops import EC2_WORKSHOP_GROUP, quick_account

# Runs on the EC2 workshop of its group (tests/shared_workshops.py): `make test`, not `make test-fast`.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(EC2_WORKSHOP_GROUP)]


@pytest.fixture(scope="module")
def workshop(shared_ec2_workshop):
    with quick_account():
        yield shared_ec2_workshop


def serves(workshop, env: str) -> str:
    with urllib.request.urlopen(environment_urls(workshop)[env], timeout=5) as answer:
        return answer.read().decode()


def wait_for_run(workshop, env: str, after: dict[str, str], stop_at_approval: bool = False) -> dict:
    summary = release.watch_environment(workshop, env, after, stop_at_approval=stop_at_approval)
    return summary[env]


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_a_commit_on_master_is_served_by_dev(workshop):
    after = release.snapshot(workshop)
    release.change_message(workshop, "Hello from a test")
    row = wait_for_run(workshop, "dev", after)  # how long it takes is benchmarks/commit_to_dev's, not a test's
    assert row["status"] == "Succeeded"
    assert serves(workshop, "dev") == "Hello from a test"
    execution = sandbox_client("codepipeline").get_pipeline_execution(
        pipelineName=workshop.names.pipeline("dev"), pipelineExecutionId=row["execution"]
    )
    assert_matches_output_shape(sandbox_client("codepipeline"), "GetPipelineExecution", execution)
    assert execution["pipelineExecution"]["trigger"]["triggerType"] == "CloudWatchEvent"


def test_a_failing_unit_test_stops_at_build_and_dev_keeps_serving(workshop):
    before = serves(workshop, "dev")
    after = release.snapshot(workshop)
    release.break_the_build(workshop)
    row = wait_for_run(workshop, "dev", after)
    assert (row["status"], row["stage"], row["action"]) == ("Failed", "Build", "BuildApp")
    assert "npm test" in row["detail"] and "Stage Build failed at action BuildApp" in row["detail"]
    assert serves(workshop, "dev") == before
    codepipeline = sandbox_client("codepipeline")
    actions = codepipeline.list_action_executions(
        pipelineName=workshop.names.pipeline("dev"), filter={"pipelineExecutionId": row["execution"]}
    )
    assert_matches_output_shape(codepipeline, "ListActionExecutions", actions)
    statuses = {a["actionName"]: a["status"] for a in actions["actionExecutionDetails"]}
    assert statuses == {"Source": "Succeeded", "BuildApp": "Failed"}

    retried = codepipeline.retry_stage_execution(
        pipelineName=workshop.names.pipeline("dev"),
        stageName="Build",
        pipelineExecutionId=row["execution"],
        retryMode="FAILED_ACTIONS",
    )
    assert retried["pipelineExecutionId"] == row["execution"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        execution = codepipeline.get_pipeline_execution(
            pipelineName=workshop.names.pipeline("dev"), pipelineExecutionId=row["execution"]
        )["pipelineExecution"]
        if execution["status"] != "InProgress":
            break
        time.sleep(0.2)
    assert execution["status"] == "Failed"  # the same commit fails again
    with pytest.raises(ClientError) as excinfo:
        codepipeline.retry_stage_execution(
            pipelineName=workshop.names.pipeline("dev"),
            stageName="Source",
            pipelineExecutionId=row["execution"],
            retryMode="FAILED_ACTIONS",
        )
    assert error_code(excinfo) == "StageNotRetryableException"
    after = release.snapshot(workshop)
    release.revert_last_commit(workshop)
    assert wait_for_run(workshop, "dev", after)["status"] == "Succeeded"


def test_a_branch_without_a_rule_starts_nothing(workshop):
    """A commit on a branch no rule watches starts nothing; proved against a commit on master made after it, whose
    Dev run must appear (so the trigger path was alive) while no run ever carries the feature commit."""
    codecommit = sandbox_client("codecommit")
    repository = workshop.names.repository
    head = codecommit.get_branch(repositoryName=repository, branchName="master")["branch"]["commitId"]
    after = release.snapshot(workshop)
    codecommit.create_branch(repositoryName=repository, branchName="feature-x", commitId=head)
    feature = codecommit.put_file(
        repositoryName=repository, branchName="feature-x", fileContent=b"x", filePath="feature.txt", parentCommitId=head
    )["commitId"]
    master = codecommit.put_file(
        repositoryName=repository, branchName="master", fileContent=b"y", filePath="later.txt", parentCommitId=head
    )["commitId"]
    row = wait_for_run(workshop, "dev", after)
    assert row["commit"] == master[:8]
    codepipeline = sandbox_client("codepipeline")
    revisions = {
        revision["revisionId"]
        for env in ("dev", "qa", "prod")
        for execution in codepipeline.list_pipeline_executions(pipelineName=workshop.names.pipeline(env))[
            "pipelineExecutionSummaries"
        ]
        for revision in execution.get("sourceRevisions", [])
    }
    assert feature not in revisions


def test_prod_waits_for_approval_and_a_rejection_fails_it(workshop):
    codepipeline = sandbox_client("codepipeline")
    name = workshop.names.pipeline("prod")
    prod_approval.clear_pending_approval(workshop)
    after = release.snapshot(workshop)
    release.promote(workshop, "master", "qa")
    release.promote(workshop, "qa", "prod")
    assert wait_for_run(workshop, "qa", after)["status"] == "Succeeded"  # later tests compare Prod with QA
    row = wait_for_run(workshop, "prod", after, stop_at_approval=True)
    assert (row["status"], row["action"]) == ("Waiting", "Approval")
    state = codepipeline.get_pipeline_state(name=name)
    assert_matches_output_shape(codepipeline, "GetPipelineState", state)
    approval = prod_approval.pending_approval(workshop)
    with pytest.raises(ClientError) as excinfo:
        codepipeline.put_approval_result(
            pipelineName=name,
            stageName="Build",
            actionName="Approval",
            result={"summary": "x", "status": "Approved"},
            token="not-the-token",
        )
    assert error_code(excinfo) == "InvalidApprovalTokenException"
    with pytest.raises(ClientError) as excinfo:
        codepipeline.put_approval_result(
            pipelineName=name,
            stageName="Build",
            actionName="Nope",
            result={"summary": "x", "status": "Approved"},
            token=approval["token"],
        )
    assert error_code(excinfo) == "ActionNotFoundException"
    response = codepipeline.put_approval_result(
        pipelineName=name,
        stageName="Build",
        actionName="Approval",
        result={"summary": "not today", "status": "Rejected"},
        token=approval["token"],
    )
    assert_matches_output_shape(codepipeline, "PutApprovalResult", response)
    with pytest.raises(ClientError) as excinfo:
        codepipeline.put_approval_result(
            pipelineName=name,
            stageName="Build",
            actionName="Approval",
            result={"summary": "again", "status": "Approved"},
            token=approval["token"],
        )
    assert error_code(excinfo) == "ApprovalAlreadyCompletedException"
    row = wait_for_run(workshop, "prod", after)
    assert row["status"] == "Failed" and "Rejected: not today" in row["detail"]


def test_an_approved_release_reaches_prod(workshop):
    after = release.snapshot(workshop)
    codepipeline = sandbox_client("codepipeline")
    codepipeline.start_pipeline_execution(name=workshop.names.pipeline("prod"))
    assert wait_for_run(workshop, "prod", after, stop_at_approval=True)["status"] == "Waiting"
    assert release.approval(workshop, auto_approve=True, comment="ship it") == "Approved with comment: ship it"
    assert wait_for_run(workshop, "prod", after)["status"] == "Succeeded"
    assert serves(workshop, "prod") == serves(workshop, "qa")


def test_the_run_of_a_merged_commit_is_followed_by_its_commit_id(workshop):
    """Notebook 04's promotion: the merge answers the commit the branch points at now, and ``release.run_of``
    follows the run of exactly that commit, with no handle taken before the merge; a merge that moves nothing
    gives the commit's run that has already finished."""
    dev = release.change_message(workshop, "Hello, promoted by commit id")
    assert dev.watch()["dev"]["status"] == "Succeeded"
    merged = sandbox_client("codecommit").merge_branches_by_fast_forward(
        repositoryName=workshop.names.repository,
        sourceCommitSpecifier="master",
        destinationCommitSpecifier="qa",
        targetBranch="qa",
    )
    row = release.run_of(workshop, "qa", merged["commitId"]).watch()["qa"]
    assert (row["status"], row["commit"]) == ("Succeeded", merged["commitId"][:8])
    assert serves(workshop, "qa") == "Hello, promoted by commit id"
    again = release.run_of(workshop, "qa", merged["commitId"]).watch()["qa"]  # nothing new runs: the same run
    assert again["execution"] == row["execution"]


def test_stopping_an_execution(workshop):
    codepipeline = sandbox_client("codepipeline")
    name = workshop.names.pipeline("prod")
    after = release.snapshot(workshop)
    execution_id = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    wait_for_run(workshop, "prod", after, stop_at_approval=True)
    stopped = codepipeline.stop_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution_id, abandon=True, reason="test"
    )
    assert_matches_output_shape(codepipeline, "StopPipelineExecution", stopped)
    # The kit's watch follows the run to its end: Stopped (an abandoned approval does not wait for anything).
    assert wait_for_run(workshop, "prod", after)["status"] == "Stopped"
    # Once Stopped, a second stop is refused as not stoppable (while still Stopping, AWS answers that it is a
    # duplicate: tests/sandbox/test_codepipeline_semantics.py pins that case, which depends on timing).
    with pytest.raises(ClientError) as excinfo:
        codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=execution_id, abandon=True)
    assert error_code(excinfo) == "PipelineExecutionNotStoppableException"
    listed = codepipeline.list_pipeline_executions(pipelineName=name)
    assert_matches_output_shape(codepipeline, "ListPipelineExecutions", listed)
    assert listed["pipelineExecutionSummaries"][0]["status"] == "Stopped"


def test_unknown_pipeline_and_execution(workshop):
    codepipeline = sandbox_client("codepipeline")
    with pytest.raises(ClientError) as excinfo:
        codepipeline.get_pipeline_state(name="no-such-pipeline")
    assert error_code(excinfo) == "PipelineNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        codepipeline.get_pipeline_execution(pipelineName=workshop.names.pipeline("dev"), pipelineExecutionId="nope")
    assert error_code(excinfo) == "PipelineExecutionNotFoundException"


def test_the_same_operations_through_the_cli(workshop):
    dev = workshop.names.pipeline("dev")
    state = cli_json("codepipeline", "get-pipeline-state", "--name", dev)
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build", "Deploy"]
    after = release.snapshot(workshop)
    execution_id = cli_json("codepipeline", "start-pipeline-execution", "--name", dev)["pipelineExecutionId"]
    assert wait_for_run(workshop, "dev", after)["execution"] == execution_id
    executions = cli_json("codepipeline", "list-pipeline-executions", "--pipeline-name", dev)
    assert executions["pipelineExecutionSummaries"][0]["pipelineExecutionId"] == execution_id
    assert executions["pipelineExecutionSummaries"][0]["trigger"]["triggerType"] == "StartPipelineExecution"
    actions = cli_json(
        "codepipeline",
        "list-action-executions",
        "--pipeline-name",
        dev,
        "--filter",
        f"pipelineExecutionId={execution_id}",
    )
    assert {a["actionName"] for a in actions["actionExecutionDetails"]} == {
        "Source",
        "BuildApp",
        "BuildContainer",
        "Deploy",
    }
    execution = cli_json(
        "codepipeline", "get-pipeline-execution", "--pipeline-name", dev, "--pipeline-execution-id", execution_id
    )
    assert execution["pipelineExecution"]["status"] == "Succeeded"
    prod = workshop.names.pipeline("prod")
    after = release.snapshot(workshop)
    prod_execution = cli_json("codepipeline", "start-pipeline-execution", "--name", prod)["pipelineExecutionId"]
    wait_for_run(workshop, "prod", after, stop_at_approval=True)
    token = prod_approval.pending_approval(workshop)["token"]
    aws_cli(
        "codepipeline",
        "put-approval-result",
        "--pipeline-name",
        prod,
        "--stage-name",
        "Build",
        "--action-name",
        "Approval",
        "--result",
        "summary=cli,status=Approved",
        "--token",
        token,
    )
    assert wait_for_run(workshop, "prod", after)["status"] == "Succeeded"
    aws_cli("codepipeline", "start-pipeline-execution", "--name", prod)
    stop = aws_cli(
        "codepipeline",
        "stop-pipeline-execution",
        "--pipeline-name",
        prod,
        "--pipeline-execution-id",
        prod_execution,
        check=False,
    )
    assert "PipelineExecutionNotStoppableException" in stop.stderr
