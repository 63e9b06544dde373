"""The sample app's tests are real, and its buildspecs are current."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import yaml

from helpers.core.paths import DATA_DIR
from tests.helpers_for_tests import free_port, wait_for

APP = DATA_DIR / "sample-app"


def npm_test(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", "test", "--silent"], cwd=folder, capture_output=True, text=True, timeout=120)


def test_npm_test_passes():
    result = npm_test(APP)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 3" in result.stdout


def test_npm_test_fails_when_the_app_breaks(tmp_path):
    copy = tmp_path / "app"
    shutil.copytree(APP, copy)
    app_js = copy / "app.js"
    app_js.write_text(app_js.read_text().replace("response.end(MESSAGE);", "response.end('oops');"))
    result = npm_test(copy)
    assert result.returncode != 0
    assert "# fail 1" in result.stdout


def test_server_answers_hello_world_on_8080_by_default(tmp_path):
    """What ECS's task definitions and the load balancer's target groups expect of the container: port 8080 when
    PORT is not set (asked of node without taking 8080 on this machine: a module loaded first makes listen report
    its port and exit), "Hello world" at / (on a free port), and no dependencies to install."""
    environment = {name: value for name, value in os.environ.items() if name != "PORT"}
    probe = tmp_path / "report-the-port.js"
    probe.write_text("require('http').Server.prototype.listen = (port) => { console.log(port); process.exit(0); };\n")
    default = subprocess.run(
        ["node", "--require", str(probe), "app.js"],
        cwd=APP,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert default.stdout.strip() == "8080", default.stderr
    port = free_port()
    server = subprocess.Popen(["node", "app.js"], cwd=APP, env={**environment, "PORT": str(port)})
    try:
        assert wait_for(lambda: _answer(f"http://127.0.0.1:{port}/"), timeout=30) == "Hello world"
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert json.loads((APP / "package.json").read_text()).get("dependencies") is None


def _answer(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode())
    except OSError:
        return None


def test_buildspecs_use_current_commands():
    nodejs = yaml.safe_load((APP / "buildspec_nodejs.yml").read_text())
    image = yaml.safe_load((APP / "buildspec_containerImage.yml").read_text())
    assert "npm test" in nodejs["phases"]["build"]["commands"]
    assert nodejs["artifacts"]["files"] == ["**/*"]
    commands = "\n".join(c for phase in image["phases"].values() for c in phase["commands"])
    assert "aws ecr get-login-password" in commands and "docker login" in commands
    assert "get-login " not in commands.replace("get-login-password", "")
    assert 'IMAGE_URI="${ECR_REPOSITORY_URI}:${TAG}"' in commands
    assert "imagedefinitions.json" in commands
    assert image["artifacts"]["files"] == ["imagedefinitions.json"]


def test_dockerfile_runs_the_app_on_8080():
    dockerfile = (APP / "Dockerfile").read_text()
    assert 'CMD ["node", "app.js"]' in dockerfile
    assert "EXPOSE 8080" in dockerfile
    assert "node_modules" in (APP / ".dockerignore").read_text()


def test_node_is_a_maintained_release_everywhere():
    """Node.js 20 reached end-of-life on 2026-04-30: the build runtime, the image's base and the
    placeholder all use 22 (offered by CodeBuild's standard:7.0 and 8.0 images)."""
    from helpers.resources.services import PLACEHOLDER_IMAGE

    nodejs = yaml.safe_load((APP / "buildspec_nodejs.yml").read_text())
    assert nodejs["phases"]["install"]["runtime-versions"]["nodejs"] == 22
    base = next(line for line in (APP / "Dockerfile").read_text().splitlines() if line.startswith("FROM "))
    assert base == "FROM public.ecr.aws/docker/library/node:22-alpine"
    assert base.removeprefix("FROM ") == PLACEHOLDER_IMAGE
