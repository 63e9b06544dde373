"""The sample app's tests are real, and its buildspecs are current."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from helpers.core.paths import DATA_DIR

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


def test_server_answers_hello_world_on_8080_by_default():
    source = (APP / "app.js").read_text()
    assert "const MESSAGE = 'Hello world';" in source
    assert "process.env.PORT || 8080" in source
    assert json.loads((APP / "package.json").read_text()).get("dependencies") is None


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
