"""Docker mode (issue 23): the sandbox picks its container runtime, makes the Dockerfile's base image available
offline, and a CodeBuild build's `docker build` runs the real engine (RUN steps execute; a failing one fails BUILD
with docker's message; a project without privilegedMode has no daemon).

`make test` provides the engine (`make docker-engine`: as root it installs Debian's docker.io and mmdebstrap and
starts dockerd), so the session's sandbox runs in Docker mode. A Docker-mode test that finds no engine fails with
that instruction; the tests named `process_mode` are the variants that need none.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localaws import api, config
from localaws.buildtools import base_image, docker, engine, engine_build
from tests.helpers_for_tests import codebuild_service_role, sandbox_client, unique

pytestmark = pytest.mark.docker  # Docker mode: `make test` runs these with a Docker-mode sandbox

SAMPLE_APP = Path(__file__).resolve().parents[2] / "data" / "sample-app"


@pytest.fixture(scope="module")
def docker_cli() -> str:
    """The real docker CLI with an engine that answers; a failure with the instruction when there is none."""
    found = engine.cli()
    if found is None or not engine.reachable():
        pytest.fail(f"No Docker engine answers at {engine.docker_host()}. {engine.ENGINE_HINT}", pytrace=False)
    return found


# -- choosing the runtime ---------------------------------------------------------------------------------------
def test_process_mode_is_chosen_without_an_engine_or_when_forced(tmp_path):
    nowhere = f"unix://{tmp_path}/no-docker.sock"
    assert engine.decide({"DOCKER_HOST": nowhere}) == engine.PROCESS
    assert engine.decide({config.CONTAINERS: "process"}) == engine.PROCESS
    with pytest.raises(engine.EngineUnavailable, match="make docker-engine"):
        engine.decide({config.CONTAINERS: "docker", "DOCKER_HOST": nowhere})
    with pytest.raises(ValueError, match="LOCALAWS_CONTAINERS must be one of auto, docker, process"):
        config.check({config.CONTAINERS: "podman"})


def test_docker_mode_is_chosen_when_the_engine_answers(docker_cli):
    assert engine.decide({}) == engine.DOCKER
    assert engine.decide({config.CONTAINERS: "docker"}) == engine.DOCKER


def test_status_says_which_runtime_the_sessions_sandbox_uses(docker_cli):
    """The session's sandbox started in auto mode with an engine present: Docker mode, with its base image."""
    status = api.status()
    assert status.running and status.containers == "docker"
    assert status.base_image is not None and status.base_image["image"] == base_image.NODE_IMAGE
    answer = subprocess.run(
        [sys.executable, "-m", "helpers", "sandbox", "status", "--json"], capture_output=True, text=True, check=True
    )
    assert json.loads(answer.stdout)["containers"] == "docker"


def test_process_mode_sandbox_says_so(tmp_path, monkeypatch):
    """A second sandbox forced into process mode reports it (and never asks the engine for a base image)."""
    monkeypatch.setenv(config.CONTAINERS, "process")
    monkeypatch.setenv("LOCALAWS_PERSIST", "0")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tmp_path / "sandbox"
    try:
        status = api.start(home, port)
        assert status.containers == "process" and status.base_image is None
        assert api.status(home).containers == "process"
    finally:
        api.stop(home)


# -- the base image -----------------------------------------------------------------------------------------------
def test_the_sample_apps_base_image_is_there_and_says_it_is_a_stand_in(docker_cli):
    froms = [
        line.split()[1] for line in (SAMPLE_APP / "Dockerfile").read_text().splitlines() if line.startswith("FROM")
    ]
    assert froms == [base_image.NODE_IMAGE]
    result = base_image.ensure(docker_cli)
    assert result["source"] == "present"  # the session's sandbox made it at start; built once per machine
    label = base_image.labels(docker_cli, base_image.NODE_IMAGE).get(base_image.STAND_IN_LABEL, "")
    assert result["stand_in"] and label.startswith("built offline")  # no registry is reachable here to pull from
    ran = subprocess.run(
        [
            docker_cli,
            "run",
            "--rm",
            "--user",
            "node",
            base_image.NODE_IMAGE,
            "sh",
            "-c",
            "node --version; npm --version; id -un",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    node_version, _, user = ran.stdout.split()
    assert node_version.startswith("v22.") and user == "node"


# -- the build's docker ------------------------------------------------------------------------------------------
def _context(tmp_path: Path, run: str) -> Path:
    context = tmp_path / "context"
    context.mkdir()
    for name in ("app.js", "package.json"):
        (context / name).write_text((SAMPLE_APP / name).read_text())
    dockerfile = (
        (SAMPLE_APP / "Dockerfile")
        .read_text()
        .replace("COPY package.json app.js ./", f"COPY package.json app.js ./\n{run}")
    )
    (context / "Dockerfile").write_text(dockerfile)
    return context


def _docker_mode(monkeypatch, tmp_path: Path, privileged: bool) -> None:
    monkeypatch.setenv(config.CONTAINERS, engine.DOCKER)
    monkeypatch.setenv("SANDBOX_DOCKER_HOME", str(tmp_path / "docker-home"))
    if privileged:
        monkeypatch.setenv(engine_build.PRIVILEGED_VARIABLE, "1")
    else:
        monkeypatch.delenv(engine_build.PRIVILEGED_VARIABLE, raising=False)


def test_run_steps_execute_and_their_files_are_in_the_image(docker_cli, tmp_path, monkeypatch):
    _docker_mode(monkeypatch, tmp_path, privileged=True)
    context = _context(tmp_path, "RUN node -e \"require('fs').writeFileSync('from-run.txt', process.version)\"")
    tag = f"localaws-tests/run:{unique('t')}"
    try:
        assert docker.main(["build", "--tag", tag, str(context)]) == 0
        ran = subprocess.run([docker_cli, "run", "--rm", tag, "cat", "from-run.txt"], capture_output=True, text=True)
        assert ran.stdout.startswith("v22.")
        state = json.loads((tmp_path / "docker-home" / "state.json").read_text())
        stored = tmp_path / "docker-home" / "images" / state["tags"][tag].removeprefix("sha256:")
        assert (stored / "rootfs" / "usr" / "src" / "app" / "from-run.txt").read_text().startswith("v22.")
        assert json.loads((stored / "config.json").read_text())["env"] == {"NODE_ENV": "production"}
    finally:
        subprocess.run([docker_cli, "rmi", "--force", tag], capture_output=True, check=False)


def test_a_failing_run_step_fails_with_dockers_message(docker_cli, tmp_path, monkeypatch, capfd):
    _docker_mode(monkeypatch, tmp_path, privileged=True)
    context = _context(tmp_path, "RUN exit 3")

    def containers() -> set[str]:
        """The engine's containers of a `RUN exit 3` step (other workers' tests run containers of their own)."""
        listed = subprocess.run(
            [docker_cli, "ps", "--all", "--no-trunc", "--format", "{{.ID}}\t{{.Command}}"],
            capture_output=True,
            text=True,
            check=True,
        )
        return {line.split("\t")[0] for line in listed.stdout.splitlines() if "exit 3" in line}

    before = containers()
    assert docker.main(["build", "--tag", f"localaws-tests/fail:{unique('t')}", str(context)]) == 3
    captured = capfd.readouterr()
    assert "The command '/bin/sh -c exit 3' returned a non-zero code: 3" in captured.out + captured.err
    assert not containers() - before  # the failed step's container is removed (--force-rm)


def test_without_privileged_mode_there_is_no_daemon(docker_cli, tmp_path, monkeypatch, capfd):
    _docker_mode(monkeypatch, tmp_path, privileged=False)
    assert docker.main(["build", "--tag", "localaws-tests/none:1", str(_context(tmp_path, ""))]) == 1
    assert engine_build.NO_DAEMON in capfd.readouterr().err


# -- through CodeBuild ---------------------------------------------------------------------------------------------
SPEC = """
version: 0.2
phases:
  build:
    commands:
      - printf 'FROM {base}\\nWORKDIR /app\\n{run}\\nCMD ["node"]\\n' > Dockerfile
      - docker build --tag "localaws-tests/cb:$CODEBUILD_BUILD_NUMBER" .
"""


def _build(run: str, privileged: bool) -> tuple[dict, str]:
    codebuild = sandbox_client("codebuild")
    name = unique("dockermode")
    codebuild.create_project(
        name=name,
        source={"type": "NO_SOURCE", "buildspec": SPEC.format(base=base_image.NODE_IMAGE, run=run)},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": privileged,
        },
        serviceRole=codebuild_service_role(),
    )
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildComplete"]:
            events = sandbox_client("logs").get_log_events(
                logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
            )["events"]
            return build, "\n".join(e["message"] for e in events)
        time.sleep(0.2)
    raise AssertionError(f"build {build_id} did not finish")


def _phase(build: dict, name: str) -> str:
    return next(p["phaseStatus"] for p in build["phases"] if p["phaseType"] == name)


def test_a_privileged_project_builds_with_the_engine_and_a_failing_run_fails_build(docker_cli):
    api_status = api.status()
    if api_status.containers != "docker":
        pytest.fail(f"The session's sandbox runs in process mode. {engine.ENGINE_HINT}", pytrace=False)
    build, log = _build("RUN echo run-step-ran", privileged=True)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert "run-step-ran" in log  # the RUN step's own output, from the engine
    build, log = _build("RUN ls /no-such-folder", privileged=True)
    assert _phase(build, "BUILD") == "FAILED"
    assert "No such file or directory" in log
    assert "The command '/bin/sh -c ls /no-such-folder' returned a non-zero code: 2" in log


def test_a_project_without_privileged_mode_cannot_reach_the_daemon(docker_cli):
    build, log = _build("RUN true", privileged=False)
    assert _phase(build, "BUILD") == "FAILED"
    assert engine_build.NO_DAEMON in log
