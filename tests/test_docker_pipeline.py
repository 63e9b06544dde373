"""Docker mode through the kit's pipelines (issue 23's done-when): a Dockerfile change with a RUN step takes effect
in Dev; a Dockerfile whose RUN fails fails Dev's build with docker's message while Dev keeps serving; the image's
digest in ECR is the registry's. Then what the learner sees (item 6): notebook 04's Dockerfile exercise deployed, with
its RUN step's file in the running container and the engine's view beside ECS's; and the workshop's cleanup leaves
nothing of it in the engine (containers, images under the ECR or registry address) while unrelated ones stay.

Needs the Docker engine (`make docker-engine`; `make test` runs it): without one it fails with that instruction.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import cleanup, containers, release
from helpers.changes import gitflow
from helpers.inventory import environment_urls
from localaws import api
from localaws.buildtools import base_image, engine, engine_tasks
from tests.helpers_for_tests import provisioned_workshop, sandbox_client, unique

pytestmark = [pytest.mark.slow, pytest.mark.docker]  # sets up the kit's pipelines: `make test`, not `make test-fast`

DOCKERFILE = (Path(__file__).resolve().parents[1] / "data" / "sample-app" / "Dockerfile").read_text()
COPY = "COPY package.json app.js ./"


@pytest.fixture(scope="module")
def workshop():
    """A workshop of its own: the only file of the Docker session that needs one (tests/shared_workshops.py's are
    the process session's)."""
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


def test_notebook_04s_dockerfile_exercise_is_deployed_with_its_run_step(workshop):
    gitflow.commit_file(workshop, "Dockerfile", DOCKERFILE, "The kit's Dockerfile again (the last one fails)")
    run = release.change_dockerfile(workshop, "Built in Docker mode")
    assert run.watch()["dev"]["status"] == "Succeeded"
    deployed = containers.deployed(workshop, "dev", run.commit or "").frame.iloc[0]
    assert deployed["status"] == "✅ deployed", deployed
    assert deployed["digest in ECR"] != deployed["image before it"]
    table = containers.running(workshop, ("dev",)).frame
    assert {"container id", "engine image", "engine status"} <= set(table.columns)
    [row] = table.to_dict("records")
    assert row["image digest"] == deployed["digest in ECR"] and row["engine status"].startswith("Up")
    written = subprocess.run(
        [engine.cli() or "docker", "exec", row["container id"], "cat", "/usr/src/app/build-note.txt"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert written.stdout.strip() == "Built in Docker mode"  # the RUN step ran, in the image Dev runs


def _engine_references(workshop) -> list[str]:
    """Every image reference in the engine under the workshop's repositories (the build's ECR tag, the task's pull)."""
    names = [workshop.names.ecr_repository(env) for env in ("dev", "qa", "prod")]
    listed = subprocess.run(
        [engine.cli() or "docker", "images", "--digests", "--format", "{{.Repository}}:{{.Tag}}@{{.Digest}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [line for line in listed if any(f"/{name}:" in line for name in names)]


def test_cleanup_leaves_nothing_of_the_workshop_in_the_engine_and_the_rest_stays(workshop):
    cli = engine.cli() or "docker"
    keep = unique("unrelated")
    subprocess.run([cli, "tag", base_image.NODE_IMAGE, f"{keep}:kept"], check=True)
    subprocess.run([cli, "create", "--name", keep, f"{keep}:kept", "true"], check=True, capture_output=True)
    clusters = [
        sandbox_client("ecs").describe_clusters(clusters=[workshop.names.cluster(env)])["clusters"][0]["clusterArn"]
        for env in ("dev", "qa", "prod")
    ]
    try:
        assert _engine_references(workshop), "the workshop's builds and tasks left images in the engine"
        assert any(engine_tasks.labelled("com.amazonaws.ecs.cluster", arn) for arn in clusters)
        report = cleanup.cleanup(workshop)
        assert report.ok, report
        assert [row for arn in clusters for row in engine_tasks.labelled("com.amazonaws.ecs.cluster", arn)] == []
        assert _engine_references(workshop) == []
        names = subprocess.run([cli, "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True).stdout
        assert keep in names.split()  # an unrelated container stays
        kept = subprocess.run([cli, "image", "inspect", f"{keep}:kept"], capture_output=True)
        assert kept.returncode == 0  # and an unrelated image
    finally:
        subprocess.run([cli, "rm", "-f", keep], capture_output=True)
        subprocess.run([cli, "rmi", f"{keep}:kept"], capture_output=True)
