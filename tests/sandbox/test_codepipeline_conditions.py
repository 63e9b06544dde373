"""CodePipeline V2 stage conditions and stage rollback through boto3 and the AWS CLI, each test citing the AWS
documentation it follows: onFailure's ROLLBACK and RETRY, beforeEntry and onSuccess conditions with VariableCheck and
DeploymentWindow rules, RollbackStage, and how executions and the pipeline state show them."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws import api as sandbox
from tests.helpers_for_tests import aws_cli, cli_json, sandbox_client, unique
from tests.sandbox.test_codepipeline_semantics import (
    BUILD,
    ENVIRONMENT,
    MANUAL,
    SOURCE,
    _executions,
    _status,
    _trusting,
    _until,
)

GUIDE = "https://docs.aws.amazon.com/codepipeline/latest/userguide/"
API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/"
ROLLBACK_ON_FAILURE = {"result": "ROLLBACK"}
HEALTH_CHECK = "version: 0.2\nphases:\n  build:\n    commands:\n      - grep -q good STATUS\n"


@pytest.fixture(scope="module")
def world() -> dict[str, str]:
    sandbox.configure_account({"iam_propagation_seconds": 0})
    try:
        name = unique("cond")
        sandbox_client("s3").create_bucket(Bucket=name)
        topic = sandbox_client("sns").create_topic(Name=name)["TopicArn"]
        yield {
            "bucket": name,
            "pipeline_role": _trusting("codepipeline.amazonaws.com"),
            "build_role": _trusting("codebuild.amazonaws.com"),
            "topic": topic,
        }
    finally:
        sandbox.reset_account()


def _repository(content: bytes = b"good") -> str:
    name = unique("repo")
    codecommit = sandbox_client("codecommit")
    codecommit.create_repository(repositoryName=name)
    codecommit.put_file(repositoryName=name, branchName="main", fileContent=content, filePath="STATUS")
    return name


def _commit(repository: str, content: bytes) -> None:
    codecommit = sandbox_client("codecommit")
    parent = codecommit.get_branch(repositoryName=repository, branchName="main")["branch"]["commitId"]
    codecommit.put_file(
        repositoryName=repository, branchName="main", fileContent=content, filePath="STATUS", parentCommitId=parent
    )


def _checking_build(world: dict[str, str]) -> dict[str, Any]:
    """A build that passes while STATUS says "good": the release's health check."""
    name = unique("proj")
    sandbox_client("codebuild").create_project(
        name=name,
        source={"type": "CODEPIPELINE", "buildspec": HEALTH_CHECK},
        artifacts={"type": "CODEPIPELINE"},
        environment=ENVIRONMENT,
        serviceRole=world["build_role"],
    )
    configuration = {"ProjectName": name}
    return {"name": "Check", "actionTypeId": BUILD, "configuration": configuration, "inputArtifacts": [{"name": "Src"}]}


def _declaration(world: dict[str, str], repository: str, second: dict[str, Any], kind: str = "V2") -> dict[str, Any]:
    return {
        "name": unique("pipe"),
        "roleArn": world["pipeline_role"],
        "pipelineType": kind,
        "artifactStore": {"type": "S3", "location": world["bucket"]},
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": SOURCE,
                        "namespace": "SourceVariables",
                        "configuration": {"RepositoryName": repository, "BranchName": "main"},
                        "outputArtifacts": [{"name": "Src"}],
                    }
                ],
            },
            {"name": "Deploy", **second},
        ],
    }


def _create(declaration: dict[str, Any]) -> str:
    sandbox_client("codepipeline").create_pipeline(pipeline=declaration)
    return str(declaration["name"])


def _rule(provider: str, configuration: dict[str, str], name: str = "Check") -> dict[str, Any]:
    type_id = {"category": "Rule", "owner": "AWS", "provider": provider, "version": "1"}
    return {"name": name, "ruleTypeId": type_id, "configuration": configuration}


def _branch_is(value: str) -> dict[str, Any]:
    return _rule("VariableCheck", {"Variable": "#{SourceVariables.BranchName}", "Operator": "EQ", "Value": value})


def _approval(world: dict[str, str]) -> dict[str, Any]:
    return {"name": "Approve", "actionTypeId": MANUAL, "configuration": {"NotificationArn": world["topic"]}}


def _first(name: str) -> str:
    return str(_until("the first run", lambda: list(_executions(name)))[0])


def _stage_state(name: str, stage: str = "Deploy") -> dict[str, Any]:
    states = sandbox_client("codepipeline").get_pipeline_state(name=name)["stageStates"]
    return next(s for s in states if s["stageName"] == stage)


# -- validation: GUIDE + "stage-conditions.html", "concepts-how-it-works-conditions.html", "stage-rollback.html" -----
def test_a_v1_pipeline_refuses_stage_conditions(world):
    """Conditions and rollback are features of V2 pipelines (stage-conditions); a V1 pipeline with one is refused
    with InvalidStructureException, as CodePipeline refuses other V2-only features ("... can only be used with V2
    pipelines")."""
    stage = {"actions": [_approval(world)], "onFailure": ROLLBACK_ON_FAILURE}
    declaration = _declaration(world, _repository(), stage, "V1")
    with pytest.raises(ClientError) as excinfo:
        _create(declaration)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidStructureException"
    assert "can only be used with V2 pipelines" in error["Message"] and "onFailure" in error["Message"]


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        # "Entry ... result options: Fail or Skip" (stage-conditions)
        ({"beforeEntry": {"conditions": [{"result": "ROLLBACK", "rules": [_branch_is("main")]}]}}, "FAIL or SKIP"),
        # "On Success ... result options: Rollback or Fail"
        ({"onSuccess": {"conditions": [{"result": "SKIP", "rules": [_branch_is("main")]}]}}, "ROLLBACK or FAIL"),
        # automatic retry needs its retryConfiguration (stage-retry)
        ({"onFailure": {"result": "RETRY"}}, "retryMode"),
        # rules the sandbox does not run are refused, not assumed to pass
        (
            {
                "beforeEntry": {
                    "conditions": [{"result": "FAIL", "rules": [_rule("LambdaInvoke", {"FunctionName": "f"})]}]
                }
            },
            "The sandbox does not evaluate LambdaInvoke rules",
        ),
        (
            {
                "beforeEntry": {
                    "conditions": [{"result": "FAIL", "rules": [_rule("DeploymentWindow", {"Cron": "0 9 * * L ?"})]}]
                }
            },
            "L, W and #",
        ),
    ],
)
def test_conditions_a_stage_may_not_have_are_refused(world, stage, message):
    declaration = _declaration(world, _repository(), {"actions": [_approval(world)], **stage})
    with pytest.raises(ClientError) as excinfo:
        _create(declaration)
    assert excinfo.value.response["Error"]["Code"] == "InvalidStructureException"
    assert message in excinfo.value.response["Error"]["Message"]


def test_a_source_stage_cannot_roll_back(world):
    """ "You cannot roll back a source stage" (stage-rollback, considerations)."""
    declaration = _declaration(world, _repository(), {"actions": [_approval(world)]})
    declaration["stages"][0]["onFailure"] = ROLLBACK_ON_FAILURE
    with pytest.raises(ClientError, match="cannot roll back a source stage"):
        _create(declaration)


# -- onFailure ROLLBACK and RollbackStage: GUIDE + "stage-rollback-auto.html", "stage-rollback-manual.html" ----------
def test_a_failed_stage_rolls_back_to_the_last_successful_execution_and_can_be_rolled_back_by_hand(world):
    """onFailure ROLLBACK "will roll back a failed stage automatically to the last successful pipeline execution in
    the stage" (botocore, StageDeclaration.onFailure); "The rolled back operation will result in a new execution. The
    target pipeline execution chosen for rollback is used to retrieve source revisions and variables", and its type
    "displays in the pipeline history, pipeline state, and pipeline execution details" (stage-rollback). RollbackStage
    by the CLI (API_RollbackStage; stage-rollback-manual) and its refusals (UnableToRollbackStageException: "the
    pipeline version has changed since the target pipeline execution was deployed ... or an incorrect target")."""
    repository = _repository(b"good")
    codepipeline = sandbox_client("codepipeline")
    stage = {"actions": [_checking_build(world)], "onFailure": ROLLBACK_ON_FAILURE}
    name = _create(_declaration(world, repository, stage))
    good = _first(name)
    _until("the good release succeeded", lambda: _status(name, good) == "Succeeded", 120)
    good_commit = _executions(name)[good]["sourceRevisions"][0]["revisionId"]

    _commit(repository, b"broken")
    bad = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    _until("the broken release failed", lambda: _status(name, bad) == "Failed", 120)
    rollback = _until(
        "a rollback execution",
        lambda: next((e for e in _executions(name).values() if e.get("executionType") == "ROLLBACK"), None),
    )
    assert rollback["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": good}
    assert rollback["trigger"]["triggerType"] == "AutomatedRollback"
    assert [r["revisionId"] for r in rollback["sourceRevisions"]] == [good_commit]
    rollback_id = rollback["pipelineExecutionId"]
    _until("the rollback succeeded", lambda: _status(name, rollback_id) == "Succeeded", 120)
    assert _executions(name)[bad]["executionType"] == "STANDARD"
    described = codepipeline.get_pipeline_execution(pipelineName=name, pipelineExecutionId=rollback_id)
    assert described["pipelineExecution"]["executionType"] == "ROLLBACK"
    assert described["pipelineExecution"]["rollbackMetadata"]["rollbackTargetPipelineExecutionId"] == good
    deploy = _stage_state(name)
    assert deploy["latestExecution"] == {"pipelineExecutionId": rollback_id, "status": "Succeeded", "type": "ROLLBACK"}
    assert _stage_state(name, "Source")["latestExecution"]["pipelineExecutionId"] == bad  # only Deploy ran again
    with urllib.request.urlopen(sandbox.pipeline_page_url("us-east-1", name), timeout=5) as answer:
        page = answer.read().decode()  # the sandbox's page labels it as the console does
    assert "Succeeded (Rollback)" in page and f"ROLLBACK to {good[:8]}" in page

    # By hand, with the CLI: the same target again.
    manual = cli_json(
        "codepipeline", "rollback-stage", "--pipeline-name", name, "--stage-name", "Deploy",
        "--target-pipeline-execution-id", good,
    )["pipelineExecutionId"]  # fmt: skip
    _until("the manual rollback succeeded", lambda: _status(name, manual) == "Succeeded", 120)
    assert _executions(name)[manual]["trigger"]["triggerType"] == "ManualRollback"

    refusals = [
        (
            "Deploy",
            rollback_id,
            "UnableToRollbackStageException",
        ),  # "cannot roll back to ... a rollback execution type"
        ("Deploy", bad, "UnableToRollbackStageException"),  # it did not succeed in the stage
        ("Source", good, "UnableToRollbackStageException"),  # "You cannot roll back a source stage"
        ("Nowhere", good, "StageNotFoundException"),
        ("Deploy", "00000000-0000-4000-8000-000000000000", "PipelineExecutionNotFoundException"),
    ]
    for stage, target, code in refusals:
        with pytest.raises(ClientError) as excinfo:
            codepipeline.rollback_stage(pipelineName=name, stageName=stage, targetPipelineExecutionId=target)
        assert excinfo.value.response["Error"]["Code"] == code, (stage, target)
    # "The pipeline can only roll back to a previous execution if the previous execution was started in the current
    # pipeline structure version."
    pipeline = codepipeline.get_pipeline(name=name)["pipeline"]
    codepipeline.update_pipeline(pipeline=pipeline)
    failed = aws_cli(
        "codepipeline", "rollback-stage", "--pipeline-name", name, "--stage-name", "Deploy",
        "--target-pipeline-execution-id", good, check=False,
    )  # fmt: skip
    assert failed.returncode != 0 and "UnableToRollbackStageException" in failed.stderr
    codepipeline.delete_pipeline(name=name)


def test_a_failure_with_nothing_to_roll_back_to_just_fails(world):
    """With no earlier successful execution in the stage there is no target: the execution fails, no rollback."""
    stage = {"actions": [_checking_build(world)], "onFailure": ROLLBACK_ON_FAILURE}
    name = _create(_declaration(world, _repository(b"broken"), stage))
    first = _first(name)
    _until("the run failed", lambda: _status(name, first) == "Failed", 120)
    assert "nothing to roll back to" in _executions(name)[first]["statusSummary"]
    assert [e["executionType"] for e in _executions(name).values()] == ["STANDARD"]
    sandbox_client("codepipeline").delete_pipeline(name=name)


def test_on_failure_retry_retries_the_stage_once(world):
    """onFailure RETRY with retryConfiguration.retryMode: "One attempt is allowed for automatic stage retry on
    failure" (botocore, RetryStageMetadata.autoStageRetryAttempt); GetPipelineState shows the retry."""
    on_failure = {"result": "RETRY", "retryConfiguration": {"retryMode": "ALL_ACTIONS"}}
    build = _checking_build(world)
    name = _create(_declaration(world, _repository(b"broken"), {"actions": [build], "onFailure": on_failure}))
    first = _first(name)
    _until("the run failed", lambda: _status(name, first) == "Failed", 180)
    assert _stage_state(name)["retryStageMetadata"] == {
        "autoStageRetryAttempt": 1,
        "latestRetryTrigger": "AutomatedStageRetry",
    }
    project = build["configuration"]["ProjectName"]
    assert len(sandbox_client("codebuild").list_builds_for_project(projectName=project)["ids"]) == 2
    sandbox_client("codepipeline").delete_pipeline(name=name)


# -- beforeEntry and onSuccess: GUIDE + "concepts-how-it-works-conditions.html", "rule-reference-VariableCheck.html",
# "rule-reference-DeploymentWindow.html" ------------------------------------------------------------------------------
def test_entry_conditions_skip_or_fail_the_stage_when_a_rule_fails(world):
    """ "If the condition fails, the result is engaged" (how-it-works-conditions): SKIP passes over the stage (its
    approval never waits), FAIL fails the execution; a met condition lets the stage run. GetPipelineState shows the
    condition and its rules (StageState.beforeEntryConditionState)."""
    codepipeline = sandbox_client("codepipeline")
    skipping = {"conditions": [{"result": "SKIP", "rules": [_branch_is("release")]}]}
    name = _create(_declaration(world, _repository(), {"actions": [_approval(world)], "beforeEntry": skipping}))
    first = _first(name)
    _until("the run succeeded without waiting", lambda: _status(name, first) == "Succeeded")
    deploy = _stage_state(name)
    assert deploy["latestExecution"]["status"] == "Skipped"
    condition = deploy["beforeEntryConditionState"]
    assert condition["latestExecution"]["status"] == "Failed"
    rule = condition["conditionStates"][0]["ruleStates"][0]
    assert rule["ruleName"] == "Check" and rule["latestExecution"]["status"] == "Failed"
    assert "'main' EQ 'release'" in rule["latestExecution"]["summary"]
    codepipeline.delete_pipeline(name=name)

    failing = {"conditions": [{"result": "FAIL", "rules": [_branch_is("release")]}]}
    name = _create(_declaration(world, _repository(), {"actions": [_approval(world)], "beforeEntry": failing}))
    first = _first(name)
    _until("the run failed", lambda: _status(name, first) == "Failed")
    assert "entry condition" in _executions(name)[first]["statusSummary"]
    assert _stage_state(name)["latestExecution"]["status"] == "Failed"
    codepipeline.delete_pipeline(name=name)

    met = {"conditions": [{"result": "FAIL", "rules": [_branch_is("main")]}]}
    name = _create(_declaration(world, _repository(), {"actions": [_approval(world)], "beforeEntry": met}))
    first = _first(name)
    _until("the run waiting at the approval", lambda: _stage_state(name)["actionStates"][0].get("latestExecution"))
    assert _stage_state(name)["beforeEntryConditionState"]["latestExecution"]["status"] == "Succeeded"
    codepipeline.stop_pipeline_execution(pipelineName=name, pipelineExecutionId=first, abandon=True)
    codepipeline.delete_pipeline(name=name)


def test_deployment_window_rules_read_the_sandboxs_clock(world):
    """DeploymentWindow: a Cron (6 fields and an optional year) and a TimeZone; the rule succeeds inside the window
    (rule-reference-DeploymentWindow). Outside it, an entry condition with FAIL fails the run."""
    later = datetime.now(UTC) + timedelta(hours=3)
    window = _rule("DeploymentWindow", {"Cron": f"* * {later.hour} * * ?", "TimeZone": "UTC"}, "Window")
    blocked = {"conditions": [{"result": "FAIL", "rules": [window]}]}
    name = _create(_declaration(world, _repository(), {"actions": [_approval(world)], "beforeEntry": blocked}))
    first = _first(name)
    _until("the run failed outside the window", lambda: _status(name, first) == "Failed")
    summary = _stage_state(name)["beforeEntryConditionState"]["conditionStates"][0]["ruleStates"][0]
    assert "outside the deployment window" in summary["latestExecution"]["summary"]
    sandbox_client("codepipeline").delete_pipeline(name=name)


def test_a_success_condition_that_fails_fails_the_stage(world):
    """On Success conditions "make checks for the stage when it succeeds"; with FAIL, a failed rule fails the stage
    although its actions succeeded (stage-conditions), shown as onSuccessConditionState."""
    failing = {"conditions": [{"result": "FAIL", "rules": [_branch_is("release")]}]}
    name = _create(_declaration(world, _repository(), {"actions": [_checking_build(world)], "onSuccess": failing}))
    first = _first(name)
    _until("the run failed", lambda: _status(name, first) == "Failed", 120)
    deploy = _stage_state(name)
    assert deploy["actionStates"][0]["latestExecution"]["status"] == "Succeeded"
    assert deploy["latestExecution"]["status"] == "Failed"
    assert deploy["onSuccessConditionState"]["latestExecution"]["status"] == "Failed"
    sandbox_client("codepipeline").delete_pipeline(name=name)


# -- the sandbox's own snapshots -------------------------------------------------------------------------------------
def test_executions_keep_their_type_and_conditions_across_a_snapshot():
    """A snapshot keeps an execution's type, rollback target and condition runs, not the backend's rollback hook;
    one saved before stage conditions existed loads as a STANDARD execution without conditions."""
    import pickle

    from localaws.services.codepipeline.conditions import ConditionRun
    from localaws.services.codepipeline.engine import Execution

    execution = Execution.__new__(Execution)
    execution.__setstate__({"id": "old", "pipeline": {"name": "p"}})  # saved before stage conditions
    assert (execution.execution_type, execution.rollback_target, execution.conditions) == ("STANDARD", None, {})
    assert execution.retries == {} and execution.roll_back is None
    execution.execution_type, execution.rollback_target = "ROLLBACK", "target"
    execution.conditions = {"Deploy": {"beforeEntry": ConditionRun("beforeEntry", "Succeeded")}}
    execution.roll_back = lambda failed, stage: None
    restored = pickle.loads(pickle.dumps(execution))
    assert (restored.execution_type, restored.rollback_target, restored.roll_back) == ("ROLLBACK", "target", None)
    assert restored.conditions["Deploy"]["beforeEntry"].state()["latestExecution"]["status"] == "Succeeded"
