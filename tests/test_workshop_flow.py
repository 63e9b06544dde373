"""The whole workshop, 00 -> 05, on the sandbox, checking at each step what each environment's URL answers, what
`status --json` says, that the service roles used every permission they were granted, and that nothing is left at
the end. The flows that run it are participants' (issue 26: one workshop per flow, not a workshop of its own for
each question): Fargate in ``test_participant_identities.py`` (a shared-account IAM user, with the advanced module
before 05) and EC2 in ``test_workshop_flow_ec2.py`` (files of their own, so that xdist's ``--dist loadgroup`` runs
them on different workers). Signed with the account's own keys, the way a self-paced learner runs it, the workshop
runs in ``test_browser.py`` (Run All in JupyterLab) and ``test_persistence.py``."""

from __future__ import annotations

import json
import urllib.request

import pytest

from helpers import cleanup, setup
from helpers.core.environments import ENVIRONMENTS
from helpers.inventory import environment_urls
from tests.helpers_for_tests import sandbox_client, unique
from tests.iam_usage import assert_least_privilege
from tests.workshop_runs import has_image, helpers_cli_json, plain_text, run_notebook, status_after

pytestmark = pytest.mark.slow  # runs whole notebooks or workshop flows: `make test`, not `make test-fast`


def answers(prefix: str) -> dict[str, str]:
    urls = environment_urls(setup.open_workshop(prefix))
    result = {}
    for env, url in urls.items():
        with urllib.request.urlopen(url, timeout=5) as response:
            result[env] = response.read().decode()
    return result


def whole_workshop(
    tmp_path,
    launch_type: str,
    region: str | None = None,
    after_01=None,
    prefix: str | None = None,
    before_05=None,
    begun: bool = False,
) -> str:
    """Notebooks 00 -> 05 with the checks after each; ``after_01(prefix)`` adds a launch type's own checks, and
    ``before_05(prefix)`` what a flow does with the finished workshop before the cleanup (the advanced module, a
    second participant's refusals). ``prefix``: an event participant's (``event start`` wrote its state file and
    profile), so every notebook signs as them; by default a new prefix, signed with the account's own keys. Returns
    the prefix. ``begun``: an earlier test already made some of the workshop's resources under this prefix."""
    prefix = prefix or unique(f"wf{launch_type[:1].lower()}")
    run_notebook("00-setup.ipynb", tmp_path, prefix=prefix, launch_type=launch_type, region=region)
    region = region or "us-east-1"  # notebook 00's default
    # `status --json` answers after every notebook (the README documents it for instructors and CI); here as the
    # README runs it, in a process of its own, and after the other notebooks its own code in this process.
    assert status_after(prefix, own_process=True)["resources"] == [] or begun
    run_notebook("01-prerequisites.ipynb", tmp_path, prefix=prefix)
    placeholder = {env: f"Placeholder for {env}: waiting for the first pipeline run" for env in ENVIRONMENTS}
    assert answers(prefix) == placeholder
    status_01 = status_after(prefix, "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::CodeCommit::Repository")
    assert {env: e["answer"] for env, e in status_01["environments"].items()} == placeholder
    if after_01:
        after_01(prefix)

    projects = plain_text(run_notebook("02-build-projects.ipynb", tmp_path, prefix=prefix))
    assert projects.count("CREATE_COMPLETE (created)") == 2  # re-runs are tested in test_stacks.py
    after_02 = status_after(prefix, "AWS::CodeBuild::Project", "AWS::CloudFormation::Stack")
    assert build_log_groups(after_02) == {"not yet"}  # CodeBuild makes them at the first build: not "missing"

    pipelines = plain_text(run_notebook("03-pipelines.ipynb", tmp_path, prefix=prefix))
    assert "Prod ✋ Waiting (waiting for approval)" in pipelines
    assert "(no image yet)" in pipelines and pipelines.count("sha256:") >= 2  # Dev's and QA's images in ECR
    assert answers(prefix) == {"dev": "Hello world", "qa": "Hello world", "prod": placeholder["prod"]}
    assert_pipelines_as_designed(prefix, region)
    assert build_log_groups(status_after(prefix, "AWS::CodePipeline::Pipeline", "AWS::Events::Rule")) == {"yes"}

    release = run_notebook(
        "04-test-the-pipeline.ipynb",
        tmp_path,
        prefix=prefix,
        auto_approve=True,
        new_message="Hello from the pipeline",
        git_message="Hello from git",
    )
    text = plain_text(release)
    assert "Approved with comment: Looks good" in text
    assert "Dev ❌ Failed (Stage Build failed at action BuildApp" in text  # the broken build
    assert has_image(release)  # the timeline
    assert "RUNNING" in text  # each environment's running containers (describe_tasks)
    assert "✅ deployed" in text  # the Dockerfile exercise: the digest ECR has for its tag is the one Dev runs
    assert answers(prefix) == {
        "dev": "Hello from git",
        "qa": "Hello from the pipeline",
        "prod": "Hello from the pipeline",
    }
    after_04 = status_after(prefix, "AWS::CodePipeline::Pipeline")
    assert after_04["environments"]["prod"]["answer"] == "Hello from the pipeline"

    # Least privilege measured: every permission granted to a service role was used by some step above.
    print(assert_least_privilege(prefix, launch_type))
    if before_05:
        before_05(prefix)

    run_notebook("05-cleanup.ipynb", tmp_path, prefix=prefix)
    left = [r for r in cleanup.leftovers(setup.open_workshop(prefix)) if r.is_problem]
    assert left == []
    assert status_after(prefix)["resources"] == []
    code, report = helpers_cli_json("cleanup", "--prefix", prefix)  # a second cleanup: nothing to do, and says so
    assert code == 0 and report["ok"], report
    return prefix


def build_log_groups(status: dict) -> set[str]:
    return {r["exists"] for r in status["resources"] if r["name"].startswith("/aws/codebuild/")}


def assert_pipelines_as_designed(prefix: str, region: str) -> None:
    """Three pipelines; Prod's approval comes before its builds and notifies the topic; each pipeline is
    started by a rule on its own branch."""
    codepipeline, events = sandbox_client("codepipeline", region), sandbox_client("events", region)
    names = {p["name"] for p in codepipeline.list_pipelines()["pipelines"]}
    assert {f"{prefix}-{env}" for env in ENVIRONMENTS} <= names
    prod = codepipeline.get_pipeline(name=f"{prefix}-prod")["pipeline"]
    build = next(s for s in prod["stages"] if s["name"] == "Build")
    order = sorted(build["actions"], key=lambda a: a["runOrder"])
    assert [a["name"] for a in order] == ["Approval", "BuildApp", "BuildContainer"]
    assert order[0]["configuration"]["NotificationArn"].endswith(f":{prefix}-prod-approval")
    for env, branch in (("dev", "master"), ("qa", "qa"), ("prod", "prod")):
        pattern = json.loads(events.describe_rule(Name=f"{prefix}-{env}")["EventPattern"])
        assert pattern["detail"]["referenceName"] == [branch]
        targets = events.list_targets_by_rule(Rule=f"{prefix}-{env}")["Targets"]
        assert targets[0]["Arn"].endswith(f":{prefix}-{env}")
        source = codepipeline.get_pipeline(name=f"{prefix}-{env}")["pipeline"]["stages"][0]["actions"][0]
        assert source["configuration"]["BranchName"] == branch
        assert source["configuration"]["PollForSourceChanges"] == "false"
