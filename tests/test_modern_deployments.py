"""The advanced module (notebooks/advanced/modern-deployments.ipynb) after notebooks 00-04 and before 05, on the
sandbox: section 1 (Prod's Deploy stage gains an onFailure ROLLBACK condition, a release that fails its health check
on purpose is rolled back, Prod still serves the last good release), section 2 (Prod deploys ECS blue/green: a
release serves the test URL while production serves the old one until the PAUSE hook is continued, or rolled back;
then CANARY and LINEAR with the traffic ECS reports), and 05 then leaves nothing. EC2 rolls the paused release back
here; on Fargate a participant continues it (tests/test_participant_identities.py runs 00 -> 05 and the module as an
event's participant, with ``assert_continued_release`` and ``assert_nothing_left`` from here: one workshop proves the
module and the participant's policy at once, issue 26).

The EC2 run is a Workshop Studio participant's (issue 21): ``event start --workshop-studio --launch-type EC2`` makes
the participant a role in an account of their own, and every notebook, 00 -> 04, the module and 05, signs as a session
of it and works in that account (the test reads the participant's resources there); then every statement of the Studio
policy the run alone needed is removed one at a time and the simulator refuses its request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from helpers import cleanup, runner, setup
from helpers.__main__ import main
from helpers.event.names import load_record
from helpers.runner import NOTEBOOK_DIR
from localaws import api
from tests.helpers_for_tests import participant_client, unique
from tests.iam_usage import assert_least_privilege, attached_documents, identity_usage, remove_each_proven_statement
from tests.test_workshop_flow import answers
from tests.workshop_runs import plain_text, run_notebook, status_after

pytestmark = pytest.mark.slow  # runs whole notebooks: `make test`, not `make test-fast`

#: The instructor's account (the sandbox's default); the Studio participant's is another.
ACCOUNT = "123456789012"
MODULE = "advanced/modern-deployments.ipynb"
GOOD = "Hello from the pipeline"
RELEASE = "Hello from a blue/green release"


def _through_04(tmp_path: Path, prefix: str, launch_type: str) -> None:
    run_notebook("00-setup.ipynb", tmp_path, prefix=prefix, launch_type=launch_type)
    for name in ("01-prerequisites.ipynb", "02-build-projects.ipynb", "03-pipelines.ipynb"):
        run_notebook(name, tmp_path, prefix=prefix)
    run_notebook("04-test-the-pipeline.ipynb", tmp_path, prefix=prefix, auto_approve=True)
    assert answers(prefix)["prod"] == GOOD


def _module(tmp_path: Path, prefix: str, auto_continue: bool | str) -> str:
    seconds = runner.run_notebook(NOTEBOOK_DIR / MODULE, tmp_path, {"prefix": prefix, "auto_continue": auto_continue})
    print(f"the module took {seconds:.1f} s")
    text = module_output(tmp_path / Path(MODULE).name)
    print(text[text.find("Blue/green for Prod") :])  # section 2's outputs, in the log of a failing run
    return text


def _section_1(prefix: str, module: str) -> list[dict]:
    """Section 1's executions, newest first (the manual rollback, the automated one, the failed run, the good run),
    checked; returns the executions section 2 added before them."""
    codepipeline = participant_client("codepipeline", prefix)
    deploy = next(
        s for s in codepipeline.get_pipeline(name=f"{prefix}-prod")["pipeline"]["stages"] if s["name"] == "Deploy"
    )
    assert deploy["onFailure"] == {"result": "ROLLBACK"}
    listed = codepipeline.list_pipeline_executions(pipelineName=f"{prefix}-prod")["pipelineExecutionSummaries"]
    manual = next(i for i, e in enumerate(listed) if e["trigger"]["triggerType"] == "ManualRollback")
    automated, failed, good_run = listed[manual + 1], listed[manual + 2], listed[manual + 3]
    assert listed[manual]["status"] == "Succeeded"
    assert failed["status"] == "Failed" and "circuit breaker" in failed["statusSummary"]
    assert automated["executionType"] == "ROLLBACK" and automated["status"] == "Succeeded"
    assert automated["trigger"]["triggerType"] == "AutomatedRollback"
    assert automated["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": good_run["pipelineExecutionId"]}
    assert f"'before the failing release': '{GOOD}'" in module and f"'now': '{GOOD}'" in module
    return list(listed[:manual])


def _service(prefix: str) -> dict:
    ecs = participant_client("ecs", prefix)
    return dict(ecs.describe_services(cluster=f"{prefix}-prod", services=[f"{prefix}-prod-service"])["services"][0])


def _deployments(prefix: str) -> list[dict]:
    ecs = participant_client("ecs", prefix)
    listed = ecs.list_service_deployments(cluster=f"{prefix}-prod", service=f"{prefix}-prod-service")
    arns = [d["serviceDeploymentArn"] for d in listed["serviceDeployments"]]
    return list(ecs.describe_service_deployments(serviceDeploymentArns=arns[:6])["serviceDeployments"])


def _canary_and_linear(prefix: str, module: str) -> None:
    """The last two deployments are LINEAR then CANARY (newest first), both SUCCESSFUL, and the pictures' texts
    show the shares the service reported: 10 then 100 for the canary, 25, 50, 75, 100 for the linear one."""
    linear, canary = _deployments(prefix)[:2]
    assert (linear["deploymentConfiguration"]["strategy"], linear["status"]) == ("LINEAR", "SUCCESSFUL")
    assert (canary["deploymentConfiguration"]["strategy"], canary["status"]) == ("CANARY", "SUCCESSFUL")
    canary_title, linear_title = "CANARY 10 %: production traffic per revision", "LINEAR 25 %: production traffic"
    assert canary_title in module and linear_title in module
    canary_text = module.split(canary_title)[1].split(linear_title)[0]
    assert " 90.0    10.0" in canary_text and "  0.0   100.0" in canary_text
    linear_text = module.split(linear_title)[1]
    for old, new in ((75.0, 25.0), (50.0, 50.0), (25.0, 75.0)):
        assert f"{old:>5.1f}   {new:>5.1f}" in linear_text, linear_text[:2000]
    assert _service(prefix)["deploymentConfiguration"]["strategy"] == "LINEAR"


def _cleanup_leaves_nothing(tmp_path: Path, prefix: str) -> None:
    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
    assert_nothing_left(prefix)


def assert_nothing_left(prefix: str) -> None:
    """After 05: nothing of the workshop, the module's green target group and infrastructure role included."""
    assert [r for r in cleanup.leftovers(setup.open_workshop(prefix)) if r.is_problem] == []
    assert status_after(prefix)["resources"] == []
    elbv2 = participant_client("elbv2", prefix)
    with pytest.raises(elbv2.exceptions.TargetGroupNotFoundException):
        elbv2.describe_target_groups(Names=[f"{prefix}-prod-green"])
    iam = participant_client("iam", prefix)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=f"{prefix}-ecs-infrastructure-role")


def module_output(path: Path) -> str:
    """The module's outputs as text (an executed copy of the notebook)."""
    return plain_text(nbformat.read(path, as_version=4))


def assert_continued_release(prefix: str, module: str) -> None:
    """Section 1 rolled the failing release back; section 2's release served the test URL while production served
    the last good one, was continued and serves production; canary and linear followed; the service roles were
    asked for nothing they lack."""
    release_runs = _section_1(prefix, module)
    assert [e["status"] for e in release_runs] == ["Succeeded"]  # the blue/green release, continued
    # While paused, the test URL served the release and production the last good one.
    assert f"paused at POST_TEST_TRAFFIC_SHIFT: production {GOOD!r}, test {RELEASE!r}" in module
    assert "ContinueServiceDeployment: CONTINUE at POST_TEST_TRAFFIC_SHIFT" in module
    assert answers(prefix)["prod"] == RELEASE
    blue_green_run = _deployments(prefix)[2]
    assert blue_green_run["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert blue_green_run["status"] == "SUCCESSFUL"
    _canary_and_linear(prefix, module)
    advanced = _service(prefix)["loadBalancers"][0]["advancedConfiguration"]
    assert advanced["alternateTargetGroupArn"].split("/")[-2] == f"{prefix}-prod-green"
    assert status_after(prefix)["environments"]["prod"]["answer"] == RELEASE
    # The rollbacks and the blue/green deployments needed no permission the service roles lacked.
    print(assert_least_privilege(prefix, "FARGATE"))


@pytest.fixture
def studio_participant() -> Iterator[str]:
    """A Workshop Studio event of one on EC2: the participant's profile assumes their role, so their notebooks sign as
    a session of it. The CodeBuild quota is the one the event's plan asks for (two concurrent builds each)."""
    api.configure_account({"codebuild_concurrency": 2})
    name = unique("ms")[:12]
    argv = ["event", "start", "--event", name, "--participants", "1", "--workshop-studio", "--launch-type", "EC2"]
    assert main([*argv, "--json"]) == 0
    try:
        yield f"{name}-01"
    finally:
        main(["event", "cleanup", "--event", name, "--json"])
        api.reset_account()


def test_ec2_blue_green_rolled_back_leaves_production_on_the_old_release(tmp_path, studio_participant):
    prefix = studio_participant
    account = load_record(prefix.rsplit("-", 1)[0]).accounts[prefix]  # the participant's own account
    assert account != ACCOUNT
    session_arn = f"arn:aws:sts::{account}:assumed-role/{prefix}/{prefix}"
    assert setup.open_workshop(prefix, expect_resources=False).client("sts").get_caller_identity()["Arn"] == session_arn
    _through_04(tmp_path, prefix, "EC2")
    module = _module(tmp_path, prefix, "rollback")
    release_runs = _section_1(prefix, module)
    # Newest first: the pipeline's own rollback of Deploy (it redeployed the last good release), the release.
    rollback, release = release_runs
    assert release["status"] == "Failed"
    assert (rollback["executionType"], rollback["status"]) == ("ROLLBACK", "Succeeded")

    assert f"paused at POST_TEST_TRAFFIC_SHIFT: production {GOOD!r}, test {RELEASE!r}" in module
    assert "ContinueServiceDeployment: ROLLBACK at POST_TEST_TRAFFIC_SHIFT" in module
    # The pipeline's rollback paused at the same hook, with the last good release on both URLs, and was continued.
    assert f"paused at POST_TEST_TRAFFIC_SHIFT: production {GOOD!r}, test {GOOD!r}" in module
    statuses = [d["status"] for d in _deployments(prefix)[2:4]]
    assert statuses == ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL"]
    assert answers(prefix)["prod"] == GOOD
    _canary_and_linear(prefix, module)
    _cleanup_leaves_nothing(tmp_path, prefix)
    _studio_statements_proven(prefix, session_arn, account)


def _studio_statements_proven(prefix: str, session_arn: str, account: str) -> None:
    """Used versus granted for the Studio role's session on EC2, the advanced module included: every statement is
    proven needed (CreateServiceLinkedRole's only in an account without ECS's service-linked role yet), and each,
    removed one at a time, makes the simulator refuse the first request it alone allowed."""
    documents = [document for _, _, document in attached_documents("role", prefix, account)]
    usage = identity_usage(session_arn, documents)
    print(f"Studio policy (EC2): {len(usage.sids)} statements, {len(usage.granted)} actions granted, ", end="")
    print(f"{len(usage.used)} used in 00 -> 04, the advanced module and 05")
    print(usage.table())
    print("not used:", ", ".join(sorted(usage.granted - usage.used)))
    assert usage.used <= usage.granted
    # The refusals by design: cleanup's listing of every capacity provider (then looked up by name), and the
    # preflight's GetRole on the participant's own role (then simulated by its name).
    role_arn = f"arn:aws:iam::{account}:role/workshop/{prefix.rsplit('-', 1)[0]}/{prefix}"
    assert set(usage.denied) <= {("ecs:DescribeCapacityProviders", "*"), ("iam:GetRole", role_arn)}, usage.denied
    assert set(usage.sids) - usage.proven <= {"Iam2"}, set(usage.sids) - usage.proven
    removed = remove_each_proven_statement("role", prefix, role_arn, usage.statements, account)
    assert len(removed) == len(usage.proven), removed
    print(f"{len(removed)} statements removed one at a time, each refusing the request it alone allowed")
