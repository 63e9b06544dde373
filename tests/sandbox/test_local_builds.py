"""Builds past the machine's limit (LOCALAWS_LOCAL_BUILDS) wait in PROVISIONING, not QUEUED: the account's
quota admitted them, and CodeBuild is getting a build host ready. StopBuild still stops one that waits."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from localaws import api, config
from localaws.services.codebuild import local_builds
from tests.helpers_for_tests import free_port

ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture
def one_local_build(tmp_path, monkeypatch):
    """A sandbox of its own that runs one build at a time on this machine, in an account that allows three."""
    monkeypatch.setenv(local_builds.VARIABLE, "1")
    monkeypatch.setenv("LOCALAWS_CODEBUILD_CONCURRENCY", "3")
    monkeypatch.setenv("LOCALAWS_IAM_PROPAGATION_SECONDS", "0")  # not what this test is about
    monkeypatch.setenv("LOCALAWS_IAM_ENFORCEMENT", "0")
    home = tmp_path / "sandbox"
    status = api.start(home, free_port())
    try:  # the sandbox stops even when the set-up below fails
        codebuild, iam = (
            boto3.client(
                service,
                endpoint_url=status.endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for service in ("codebuild", "iam")
        )
        role = iam.create_role(RoleName="local-builds", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        codebuild.create_project(
            name="sleeper",
            source={
                "type": "NO_SOURCE",
                "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 1\n",
            },
            artifacts={"type": "NO_ARTIFACTS"},
            environment=ENVIRONMENT,
            serviceRole=role,
        )
        yield codebuild
    finally:
        api.stop(home)


def _wait_until_complete(codebuild, ids: list[str]) -> list[dict]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        builds = codebuild.batch_get_builds(ids=ids)["builds"]
        if all(b["buildComplete"] for b in builds):
            return builds
        time.sleep(0.1)
    raise AssertionError(f"builds still running: {[b['currentPhase'] for b in builds]}")


def _out_of_the_queue(codebuild, build_id: str) -> dict:
    """The build as soon as it has left SUBMITTED and QUEUED: polled, not slept for, so that a loaded machine only
    makes the wait longer. A build the account's quota does not admit stays QUEUED, and this fails."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["currentPhase"] not in ("SUBMITTED", "QUEUED"):
            return build
        time.sleep(0.05)
    raise AssertionError(f"build {build_id} still {build['currentPhase']} after 30 s")


def _phase(build: dict, name: str) -> dict:
    return next(p for p in build["phases"] if p["phaseType"] == name)


def test_a_build_past_the_machines_limit_waits_in_provisioning(one_local_build):
    codebuild = one_local_build
    first, second = (codebuild.start_build(projectName="sleeper")["build"]["id"] for _ in range(2))
    waiting = _out_of_the_queue(codebuild, second)
    assert waiting["currentPhase"] == "PROVISIONING"  # admitted by the account's quota: not QUEUED
    done = {b["id"]: b for b in _wait_until_complete(codebuild, [first, second])}
    assert [done[i]["buildStatus"] for i in (first, second)] == ["SUCCEEDED", "SUCCEEDED"]
    assert _phase(done[second], "QUEUED")["durationInSeconds"] == 0
    assert _phase(done[second], "PROVISIONING")["durationInSeconds"] >= 1
    assert _phase(done[first], "BUILD")["endTime"] <= _phase(done[second], "BUILD")["startTime"]


def test_a_build_stopped_while_it_waits_for_the_machine_ends_stopped(one_local_build):
    codebuild = one_local_build
    running, waiting = (codebuild.start_build(projectName="sleeper")["build"]["id"] for _ in range(2))
    assert _out_of_the_queue(codebuild, waiting)["currentPhase"] == "PROVISIONING"
    codebuild.stop_build(id=waiting)
    stopped, done = (
        {b["id"]: b for b in _wait_until_complete(codebuild, [running, waiting])}[i] for i in (waiting, running)
    )
    assert stopped["buildStatus"] == "STOPPED"
    assert _phase(stopped, "PROVISIONING")["phaseStatus"] == "STOPPED"
    assert "BUILD" not in {p["phaseType"] for p in stopped["phases"]}
    assert done["buildStatus"] == "SUCCEEDED"


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_a_limit_that_is_not_a_whole_number_of_builds_is_refused_with_its_variable(raw):
    with pytest.raises(ValueError, match=f"LOCALAWS_LOCAL_BUILDS must be a whole number of builds, 1 or more .*{raw}"):
        local_builds.limit({local_builds.VARIABLE: raw})


@pytest.mark.parametrize(("cpus", "builds"), [(None, 2), (1, 2), (2, 4), (8, 16)])
def test_by_default_two_builds_per_cpu_and_never_fewer_than_two(monkeypatch, cpus, builds):
    """The README's contract: two per CPU (an unknown count counts as one), at least two, or the variable's."""
    monkeypatch.setattr(config.os, "cpu_count", lambda: cpus)
    assert local_builds.limit({}) == builds
    assert local_builds.limit({local_builds.VARIABLE: "3"}) == 3
