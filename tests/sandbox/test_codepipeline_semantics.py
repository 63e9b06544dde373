"""CodePipeline's execution semantics through boto3 (and the AWS CLI where it is the natural client), each test
citing the AWS documentation it follows: execution modes, stop and wait or abandon, retrying a stage, and manual
approvals that expire after seven days with AWS's notification format."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws import api as sandbox
from tests.helpers_for_tests import cli_json, sandbox_client, unique

GUIDE = "https://docs.aws.amazon.com/codepipeline/latest/userguide/"
API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/"
SOURCE = {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"}
BUILD = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
MANUAL = {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}
ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}


def _trusting(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    iam = sandbox_client("iam")
    name = unique("role")
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    iam.put_role_policy(
        RoleName=name,
        PolicyName="all-the-pipeline-needs",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["codecommit:*", "s3:*", "codebuild:*", "sns:Publish", "logs:*"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    return str(arn["Role"]["Arn"])


@pytest.fixture(scope="module")
def world() -> dict[str, str]:
    """A repository, an artifact bucket, the two service roles and a topic, made once (IAM propagated at once)."""
    sandbox.configure_account({"iam_propagation_seconds": 0})
    try:
        name = unique("sem")
        sandbox_client("s3").create_bucket(Bucket=name)
        codecommit = sandbox_client("codecommit")
        codecommit.create_repository(repositoryName=name)
        codecommit.put_file(repositoryName=name, branchName="main", fileContent=b"hello", filePath="README.md")
        topic = sandbox_client("sns").create_topic(Name=name)["TopicArn"]
        yield {
            "name": name,
            "pipeline_role": _trusting("codepipeline.amazonaws.com"),
            "build_role": _trusting("codebuild.amazonaws.com"),
            "topic": topic,
        }
    finally:
        sandbox.reset_account()


def _project(world: dict[str, str], commands: list[str]) -> str:
    name = unique("proj")
    sandbox_client("codebuild").create_project(
        name=name,
        source={
            "type": "CODEPIPELINE",
            "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n"
            + "".join(f"      - {command}\n" for command in commands),
        },
        artifacts={"type": "CODEPIPELINE"},
        environment=ENVIRONMENT,
        serviceRole=world["build_role"],
    )
    return name


def _pipeline(world: dict[str, str], second: dict[str, Any], mode: str | None = None, kind: str = "V2") -> str:
    name = unique("pipe")
    declaration: dict[str, Any] = {
        "name": name,
        "roleArn": world["pipeline_role"],
        "pipelineType": kind,
        "artifactStore": {"type": "S3", "location": world["name"]},
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": SOURCE,
                        "configuration": {"RepositoryName": world["name"], "BranchName": "main"},
                        "outputArtifacts": [{"name": "Src"}],
                    }
                ],
            },
            {"name": "Second", "actions": [second]},
        ],
    }
    if mode:
        declaration["executionMode"] = mode
    sandbox_client("codepipeline").create_pipeline(pipeline=declaration)
    return name


def _approval(world: dict[str, str], custom: str | None = None) -> dict[str, Any]:
    configuration = {"NotificationArn": world["topic"], **({"CustomData": custom} if custom else {})}
    return {"name": "Approve", "actionTypeId": MANUAL, "configuration": configuration}


def _build(project: str) -> dict[str, Any]:
    return {
        "name": "Build",
        "actionTypeId": BUILD,
        "configuration": {"ProjectName": project},
        "inputArtifacts": [{"name": "Src"}],
    }


def _until(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


def _executions(name: str) -> dict[str, dict[str, Any]]:
    listed = sandbox_client("codepipeline").list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    return {e["pipelineExecutionId"]: e for e in listed}


def _action(name: str, execution_id: str, stage: str) -> dict[str, Any] | None:
    details = sandbox_client("codepipeline").list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    return next((d for d in details if d["stageName"] == stage), None)


def _status(name: str, execution_id: str) -> str:
    return str(_executions(name)[execution_id]["status"])


def _approve_all(name: str, world: dict[str, str]) -> None:
    codepipeline = sandbox_client("codepipeline")
    for stage in codepipeline.get_pipeline_state(name=name)["stageStates"]:
        for action in stage.get("actionStates", []):
            token = action.get("latestExecution", {}).get("token")
            if token:
                codepipeline.put_approval_result(
                    pipelineName=name, stageName=stage["stageName"], actionName=action["actionName"],
                    result={"summary": "ok", "status": "Approved"}, token=token,
                )  # fmt: skip


# -- execution modes: GUIDE + "concepts-how-it-works.html" ---------------------------------------------------------
def _three_runs(name: str) -> list[str]:
    codepipeline = sandbox_client("codepipeline")
    first = _until("the first run", lambda: list(_executions(name)))[0]  # CreatePipeline starts one
    return [first] + [codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"] for _ in range(2)]


def _waiting_at_approval(name: str, execution_id: str) -> bool:
    action = _action(name, execution_id, "Second")
    return action is not None and action["status"] == "InProgress"


def test_queued_mode_processes_runs_one_by_one_in_order(world):
    """QUEUED: "Executions are processed one by one in the order that they are queued" (how-it-works)."""
    name = _pipeline(world, _approval(world), "QUEUED")
    runs = _three_runs(name)
    _until("the first run at the approval", lambda: _waiting_at_approval(name, runs[0]))
    time.sleep(0.5)  # the others had time to overtake, and must not
    assert [_status(name, r) for r in runs] == ["InProgress"] * 3
    assert not _waiting_at_approval(name, runs[1]) and not _waiting_at_approval(name, runs[2])
    for expected_next in (runs[1], runs[2]):
        _approve_all(name, world)
        _until("the next queued run at the approval", lambda r=expected_next: _waiting_at_approval(name, r))
    _approve_all(name, world)
    _until("all three succeeded", lambda: all(_status(name, r) == "Succeeded" for r in runs))
    assert {e["executionMode"] for e in _executions(name).values()} == {"QUEUED"}
    sandbox_client("codepipeline").delete_pipeline(name=name)


def test_superseded_mode_lets_the_newest_waiting_run_overtake(world):
    """SUPERSEDED: "A more recent execution can overtake an older one"; the one waiting is Superseded."""
    name = _pipeline(world, _approval(world))
    runs = _three_runs(name)
    _until("the second run superseded", lambda: _status(name, runs[1]) == "Superseded")
    _approve_all(name, world)
    _until("the third run at the approval", lambda: _waiting_at_approval(name, runs[2]))
    assert _status(name, runs[0]) == "Succeeded"
    assert _executions(name)[runs[2]]["executionMode"] == "SUPERSEDED"
    sandbox_client("codepipeline").delete_pipeline(name=name)


def test_parallel_mode_holds_no_stage(world):
    """PARALLEL: "executions run simultaneously and independently of one another" (how-it-works)."""
    name = _pipeline(world, _approval(world), "PARALLEL")
    runs = _three_runs(name)
    for run in runs:
        _until("every run at the approval at once", lambda r=run: _waiting_at_approval(name, r))
    assert {e["executionMode"] for e in _executions(name).values()} == {"PARALLEL"}
    described = sandbox_client("codepipeline").get_pipeline_execution(pipelineName=name, pipelineExecutionId=runs[1])
    assert described["pipelineExecution"]["executionMode"] == "PARALLEL"
    sandbox_client("codepipeline").delete_pipeline(name=name)


@pytest.mark.parametrize("mode", ["QUEUED", "PARALLEL"])
def test_queued_and_parallel_need_a_v2_pipeline(world, mode):
    """Both modes "require pipeline type V2" (how-it-works); a V1 pipeline in them is refused."""
    with pytest.raises(ClientError) as excinfo:
        _pipeline(world, _approval(world), mode, kind="V1")
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidStructureException" and "V2" in error["Message"]


# -- stop and retry: GUIDE + "pipelines-stop.html", API + "API_RetryStageExecution.html" -----------------------------
def _build_running(name: str, run: str) -> bool:
    action = _action(name, run, "Second")
    return action is not None and action["status"] == "InProgress" and bool(action["output"]["executionResult"])


def test_stop_and_wait_lets_the_build_in_progress_finish(world):
    """ "Stop and wait": the action in progress completes; the execution then stops (pipelines-stop)."""
    name = _pipeline(world, _build(_project(world, ["sleep 2"])))
    run = _until("the first run", lambda: list(_executions(name)))[0]
    _until("the build running", lambda: _build_running(name, run))
    codepipeline = sandbox_client("codepipeline")
    codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=False, reason="wait")
    assert _status(name, run) == "Stopping"
    _until("the run stopped", lambda: _status(name, run) == "Stopped")
    assert _action(name, run, "Second")["status"] == "Succeeded"  # the build was let finish
    assert _executions(name)[run]["stopTrigger"] == {"reason": "wait"}
    codepipeline.delete_pipeline(name=name)


def test_stop_and_wait_can_be_escalated_to_abandon_but_not_repeated(world):
    """DuplicatedStopRequestException: "If you already chose to stop and wait, you cannot make that request again.
    You can choose to stop and abandon now" (API reference, botocore's model); then a stopped run can be retried."""
    name = _pipeline(world, _build(_project(world, ["sleep 30"])))
    codepipeline = sandbox_client("codepipeline")
    run = _until("the first run", lambda: list(_executions(name)))[0]
    _until("the build running", lambda: _build_running(name, run))
    codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=False)
    with pytest.raises(codepipeline.exceptions.DuplicatedStopRequestException):
        codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=False)
    codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=True, reason="now")
    with pytest.raises(codepipeline.exceptions.DuplicatedStopRequestException):
        codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=True)
    _until("the run stopped", lambda: _status(name, run) == "Stopped")
    assert _action(name, run, "Second")["status"] == "Abandoned"
    with pytest.raises(codepipeline.exceptions.PipelineExecutionNotStoppableException):
        codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=True)
    # "You can retry... a stopped execution": its abandoned action runs again.
    codepipeline.retry_stage_execution(
        pipelineName=name, stageName="Second", pipelineExecutionId=run, retryMode="FAILED_ACTIONS"
    )
    _until("the retried build running", lambda: _build_running(name, run))
    assert _status(name, run) == "InProgress"
    codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=run, abandon=True)
    codepipeline.delete_pipeline(name=name)


def test_retrying_a_stage_that_failed_again_later_is_not_the_latest(world):
    """NotLatestPipelineExecutionException: "The stage has failed in a later run of the pipeline and the
    pipelineExecutionId associated with the request is out of date" (API_RetryStageExecution)."""
    name = _pipeline(world, _build(_project(world, ["exit 3"])))
    codepipeline = sandbox_client("codepipeline")
    first = _until("the first run", lambda: list(_executions(name)))[0]
    _until("the first run failed", lambda: _status(name, first) == "Failed")
    second = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    _until("the second run failed", lambda: _status(name, second) == "Failed")
    with pytest.raises(codepipeline.exceptions.NotLatestPipelineExecutionException):
        codepipeline.retry_stage_execution(
            pipelineName=name, stageName="Second", pipelineExecutionId=first, retryMode="FAILED_ACTIONS"
        )
    with pytest.raises(codepipeline.exceptions.StageNotRetryableException):  # Source succeeded: nothing to retry
        codepipeline.retry_stage_execution(
            pipelineName=name, stageName="Source", pipelineExecutionId=second, retryMode="FAILED_ACTIONS"
        )
    retried = cli_json(
        "codepipeline", "retry-stage-execution", "--pipeline-name", name, "--stage-name", "Second",
        "--pipeline-execution-id", second, "--retry-mode", "ALL_ACTIONS",
    )  # fmt: skip
    assert retried == {"pipelineExecutionId": second}
    _until("the retried run failed again", lambda: _status(name, second) == "Failed")
    codepipeline.delete_pipeline(name=name)


# -- manual approvals: GUIDE + "approvals-json-format.html" and "approvals-approve-or-reject.html" -------------------
def test_the_approval_notification_has_awss_format(world):
    sqs, sns = sandbox_client("sqs"), sandbox_client("sns")
    queue = sqs.create_queue(QueueName=unique("approvals"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=world["topic"], Protocol="sqs", Endpoint=queue_arn)
    name = _pipeline(world, _approval(world, custom="Check Dev first"))
    received = _until("the notification", lambda: sqs.receive_message(QueueUrl=queue).get("Messages"))
    message = json.loads(json.loads(received[0]["Body"])["Message"])
    approval = message["approval"]
    assert message["consoleLink"].endswith(f"#/view/{name}") and message["region"] == "us-east-1"
    assert (
        approval["pipelineName"] == name and approval["stageName"] == "Second" and approval["actionName"] == "Approve"
    )
    assert approval["approvalReviewLink"].endswith(f"#/view/{name}/Second/Approve/approve/{approval['token']}")
    assert approval["customData"] == "Check Dev first"
    assert time.strptime(approval["expires"], "%Y-%m-%dT%H:%MZ")  # a timestamp, seven days on
    sandbox_client("codepipeline").delete_pipeline(name=name)


def test_an_approval_nobody_answers_fails_after_seven_days(world):
    """ "If no response is received within seven days, the action status changes to Failed" (approve-or-reject);
    the sandbox's clock is moved on instead of waiting."""
    name = _pipeline(world, _approval(world))
    codepipeline = sandbox_client("codepipeline")
    run = _until("the first run", lambda: list(_executions(name)))[0]
    _until("waiting at the approval", lambda: _waiting_at_approval(name, run))
    state = codepipeline.get_pipeline_state(name=name)["stageStates"][1]["actionStates"][0]
    token = state["latestExecution"]["token"]
    sandbox.advance_clock(6 * 24 * 3600)
    time.sleep(0.5)
    assert _status(name, run) == "InProgress"  # six days: still waiting
    sandbox.advance_clock(24 * 3600 + 1)
    _until("the run failed", lambda: _status(name, run) == "Failed")
    assert "expired" in _action(name, run, "Second")["output"]["executionResult"]["externalExecutionSummary"]
    with pytest.raises(codepipeline.exceptions.InvalidApprovalTokenException):
        codepipeline.put_approval_result(
            pipelineName=name, stageName="Second", actionName="Approve",
            result={"summary": "too late", "status": "Approved"}, token=token,
        )  # fmt: skip
    codepipeline.delete_pipeline(name=name)


def _user_with(actions: list[str]) -> tuple[str, Any]:
    """An IAM user allowed ``actions`` on every resource, and a boto3 session signed with their new key."""
    import boto3

    iam, name = sandbox_client("iam"), unique("caller")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="test", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    session = boto3.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1"
    )
    return arn, session


def _git(*args: str, cwd: Any = None, key: str = "testing") -> subprocess.CompletedProcess[str]:
    """``git`` against the sandbox's git endpoint, identified by ``key`` as git-remote-codecommit would be."""
    header = "Authorization: Basic " + base64.b64encode(f"{key}:secret".encode()).decode()
    return subprocess.run(
        ["git", "-c", f"http.extraHeader={header}", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )


def test_events_and_manual_starts_name_their_caller(world, tmp_path):
    """A branch event's ``detail.callerUserArn`` is whoever moved the branch, through the API or with ``git push``
    (CodeCommit user guide, "Monitoring CodeCommit events in Amazon EventBridge"), so a rule can match it; a manual
    start's ``trigger.triggerDetail`` is the caller's ARN (API reference, ExecutionTrigger)."""
    events, codecommit = sandbox_client("events"), sandbox_client("codecommit")
    name = _pipeline(world, _approval(world))
    user, session = _user_with(
        ["codecommit:PutFile", "codecommit:GitPull", "codecommit:GitPush", "codepipeline:StartPipelineExecution"]
    )
    events_role = _trusting("events.amazonaws.com")
    sandbox_client("iam").put_role_policy(
        RoleName=events_role.rsplit("/", 1)[-1],
        PolicyName="start",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "codepipeline:StartPipelineExecution", "Resource": "*"}],
            }
        ),
    )
    pattern = {"source": ["aws.codecommit"], "detail": {"callerUserArn": [user], "referenceName": ["main"]}}
    rule = unique("by-user")
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    pipeline_arn = f"arn:aws:codepipeline:us-east-1:123456789012:{name}"
    events.put_targets(Rule=rule, Targets=[{"Id": "p", "Arn": pipeline_arn, "RoleArn": events_role}])

    def started_by_rule() -> int:
        return sum(e["trigger"]["triggerType"] == "CloudWatchEvent" for e in _executions(name).values())

    try:
        head = codecommit.get_branch(repositoryName=world["name"], branchName="main")["branch"]["commitId"]
        head = codecommit.put_file(  # the root user's commit: the rule does not match it
            repositoryName=world["name"], branchName="main", fileContent=b"r", filePath="root.txt", parentCommitId=head
        )["commitId"]
        session.client("codecommit", endpoint_url=sandbox.endpoint()).put_file(
            repositoryName=world["name"], branchName="main", fileContent=b"u", filePath="user.txt", parentCommitId=head
        )
        _until("the user's PutFile starts the pipeline through the rule", lambda: started_by_rule() == 1)

        url = codecommit.get_repository(repositoryName=world["name"])["repositoryMetadata"]["cloneUrlHttp"]
        key = session.get_credentials().access_key
        assert _git("clone", "--quiet", url, str(tmp_path / "copy"), key=key).returncode == 0
        (tmp_path / "copy" / "pushed.txt").write_text("git")
        _git("add", ".", cwd=tmp_path / "copy")
        _git("commit", "-qm", "pushed", cwd=tmp_path / "copy")
        assert _git("push", "-q", "origin", "HEAD:main", cwd=tmp_path / "copy", key=key).returncode == 0
        _until("the user's git push starts it too", lambda: started_by_rule() == 2)
        time.sleep(0.5)
        assert started_by_rule() == 2  # the root user's commit never matched

        started = session.client("codepipeline", endpoint_url=sandbox.endpoint()).start_pipeline_execution(name=name)
        trigger = _executions(name)[started["pipelineExecutionId"]]["trigger"]
        assert trigger == {"triggerType": "StartPipelineExecution", "triggerDetail": user}
    finally:
        events.remove_targets(Rule=rule, Ids=["p"])
        events.delete_rule(Name=rule)


def test_git_asks_for_credentials_and_evaluates_pull_and_push_apart(world, tmp_path):
    """CodeCommit's git endpoint asks for credentials (git-remote-codecommit sends the access key id), refuses a key
    that is no identity's, and evaluates ``codecommit:GitPull`` for a clone and ``codecommit:GitPush`` for a push
    (CodeCommit user guide, "Permissions reference": GitPull, GitPush)."""
    url = sandbox_client("codecommit").get_repository(repositoryName=world["name"])["repositoryMetadata"][
        "cloneUrlHttp"
    ]
    anonymous = subprocess.run(
        ["git", "clone", "--quiet", url, str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )
    assert anonymous.returncode != 0 and "Username" in anonymous.stderr
    unknown = _git("clone", "--quiet", url, str(tmp_path / "unknown"), key="AKIAUNKNOWNUNKNOWN00")
    assert unknown.returncode != 0 and "403" in unknown.stderr

    _user, session = _user_with(["codecommit:GitPull"])
    key = session.get_credentials().access_key
    assert _git("clone", "--quiet", url, str(tmp_path / "mine"), key=key).returncode == 0
    (tmp_path / "mine" / "x.txt").write_text("x")
    _git("add", ".", cwd=tmp_path / "mine")
    _git("commit", "-qm", "x", cwd=tmp_path / "mine")
    refused = _git("push", "-q", "origin", "HEAD:main", cwd=tmp_path / "mine", key=key)
    assert refused.returncode != 0 and "403" in refused.stderr
    assert _git("clone", "--quiet", url, str(tmp_path / "root")).returncode == 0  # the root user's
