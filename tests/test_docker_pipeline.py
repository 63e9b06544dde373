"""Docker mode through the kit's pipelines (issue 23's done-when): a Dockerfile change with a RUN step takes effect
in Dev; a Dockerfile whose RUN fails fails Dev's build with docker's message while Dev keeps serving; the image's
digest in ECR is the registry's.

Needs the Docker engine (`make docker-engine`; `make test` runs it): without one it fails with that instruction.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from helpers import release
from helpers.changes import gitflow
from helpers.inventory import environment_urls
from localaws import api
from localaws.buildtools import engine
from tests.helpers_for_tests import provisioned_workshop, sandbox_client, unique

pytestmark = [pytest.mark.slow, pytest.mark.docker]  # sets up the kit's pipelines: `make test`, not `make test-fast`

DOCKERFILE = (Path(__file__).resolve().parents[1] / "data" / "sample-app" / "Dockerfile").read_text()
COPY = "COPY package.json app.js ./"


@pytest.fixture(scope="module")
def workshop():
    if api.status().containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)
    with provisioned_workshop(unique("dock")) as workshop:
        yield workshop


def serves(workshop, env: str) -> str:
    with urllib.request.urlopen(environment_urls(workshop)[env], timeout=5) as answer:
        return answer.read().decode()


def commit_dockerfile(workshop, run: str, message: str) -> dict:
    after = release.snapshot(workshop)
    gitflow.commit_file(workshop, "Dockerfile", DOCKERFILE.replace(COPY, f"{COPY}\n{run}"), message)
    return release.watch_environment(workshop, "dev", after)["dev"]


def build_log(workshop, execution: str) -> str:
    codepipeline = sandbox_client("codepipeline")
    actions = codepipeline.list_action_executions(
        pipelineName=workshop.names.pipeline("dev"), filter={"pipelineExecutionId": execution}
    )["actionExecutionDetails"]
    builds = [
        a["output"]["executionResult"]["externalExecutionId"]
        for a in actions
        if a.get("output", {}).get("executionResult", {}).get("externalExecutionId", "").count(":") == 1
    ]
    text = []
    for build in sandbox_client("codebuild").batch_get_builds(ids=builds)["builds"]:
        events = sandbox_client("logs").get_log_events(
            logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
        )["events"]
        text += [e["message"] for e in events]
    return "\n".join(text)


def test_a_dockerfile_run_step_takes_effect_in_dev(workshop):
    started = time.monotonic()
    row = commit_dockerfile(workshop, "RUN sed -i \"s/'Hello world'/'Hello from a RUN step'/\" app.js", "RUN step")
    assert row["status"] == "Succeeded", row
    assert serves(workshop, "dev") == "Hello from a RUN step"
    print(f"Dockerfile commit to Dev serving it: {time.monotonic() - started:.1f} s")
    # ECR's digest is the registry's (the pushed manifest's), for the image Dev runs.
    ecr = sandbox_client("ecr")
    images = ecr.describe_images(repositoryName=workshop.names.ecr_repository("dev"))["imageDetails"]
    latest = max(images, key=lambda image: image["imagePushedAt"])
    assert latest["imageDigest"].startswith("sha256:") and latest["imageSizeInBytes"] > 0


def test_a_failing_run_step_fails_devs_build_with_dockers_message_and_dev_keeps_serving(workshop):
    before = serves(workshop, "dev")
    row = commit_dockerfile(workshop, "RUN echo breaking the image && exit 7", "a failing RUN step")
    assert (row["status"], row["stage"]) == ("Failed", "Build"), row
    assert "returned a non-zero code: 7" in build_log(workshop, row["execution"])
    assert serves(workshop, "dev") == before
