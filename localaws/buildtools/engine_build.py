"""A build's ``docker`` in Docker mode: the real CLI against the engine, and the built image copied into the
sandbox's image store.

``docker build`` runs unchanged (every RUN step executes; a failing one fails the command with docker's own
message and exit code). The image's WORKDIR and config are then copied into the layout the stand-in writes
(``<SANDBOX_DOCKER_HOME>/images/<config digest>/rootfs`` and ``config.json``), so ``push`` (ECR's layer API, as the
build's role) and the ECS task runner read one kind of image in both modes.

CodeBuild: "Use privileged mode ... to build Docker images"; without it the build container has no daemon. The
sandbox passes ``SANDBOX_DOCKER_PRIVILEGED=1`` to the builds of projects with ``privilegedMode: true`` only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from .. import config
from . import engine, engine_tasks

PRIVILEGED_VARIABLE = "SANDBOX_DOCKER_PRIVILEGED"
#: What docker prints with no daemon to talk to (a CodeBuild project without privilegedMode).
NO_DAEMON = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"


class CommandFailed(Exception):
    """The real docker CLI exited non-zero (it has printed its own message)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"docker exited with {code}")
        self.code = code


def enabled() -> bool:
    """Whether this build's ``docker`` uses the real CLI: the sandbox decided on Docker mode when it started."""
    return engine.current() == engine.DOCKER


def privileged() -> bool:
    """Whether this build may reach the Docker daemon: only a CodeBuild project with ``privilegedMode: true`` gets it,
    as on AWS; in any other build every docker command answers what docker answers with no daemon."""
    return os.environ.get(PRIVILEGED_VARIABLE, "") == "1"


def cli_path() -> str:
    """The real docker CLI (the sandbox names it in the build's environment)."""
    found = os.environ.get(engine.CLI_VARIABLE) or engine.cli()
    if not found:
        raise CommandFailed(127)
    return found


def run_cli(arguments: list[str]) -> None:
    """The real CLI, its output the build's; CommandFailed with its exit code when it fails."""
    code = subprocess.run([cli_path(), *arguments], check=False).returncode
    if code != 0:
        raise CommandFailed(code)


def _inspect(reference: str) -> dict[str, Any]:
    """The engine's inspection of an image, through its API (a CLI process per call cost more than the call)."""
    try:
        return engine_tasks.image(reference)
    except (OSError, engine_tasks.EngineError):
        return {}


def export(reference: str, home: Path, base: str) -> str:
    """Copy the engine's image ``reference`` into the image store under ``home``; its config digest."""
    image = _inspect(reference)
    config = image.get("Config") or {}
    base_env = set((_inspect(base).get("Config") or {}).get("Env") or []) if base else set()
    env = {}
    for entry in config.get("Env") or []:
        if entry not in base_env:
            key, _, value = entry.partition("=")
            env[key] = value
    workdir = config.get("WorkingDir") or "/"
    staging = home / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    rootfs = staging / "rootfs"
    rootfs.mkdir(parents=True)
    if workdir != "/":  # the app's folder, as the stand-in lays it out (the ECS runner runs the command there)
        parent = rootfs / str(Path(workdir).parent).lstrip("/")
        parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(engine_tasks.folder_archive(reference, workdir))) as archive:
            archive.extractall(parent, filter="tar")
    document = {
        "base": base,
        "workdir": workdir,
        "cmd": list(config.get("Cmd") or []),
        "entrypoint": list(config.get("Entrypoint") or []),
        "env": env,
        "exposed": sorted(port.split("/")[0] for port in (config.get("ExposedPorts") or {})),
        "user": config.get("User") or "",
        "engine_image": image.get("Id", ""),
    }
    config_bytes = json.dumps(document, sort_keys=True).encode()
    # Named by the engine's image id, which is the config digest of the manifest a push makes (what ECS looks up).
    image_id = str(image.get("Id") or "sha256:" + hashlib.sha256(config_bytes).hexdigest())
    local = home / "images" / image_id.replace("sha256:", "")
    shutil.rmtree(local, ignore_errors=True)
    local.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(local)
    (local / "config.json").write_bytes(config_bytes)
    return image_id


def build_environment(privileged: bool) -> dict[str, str]:
    """What a build's ``docker`` needs to know (the CodeBuild runner adds it to the build's environment): the
    sandbox's mode and, in Docker mode, the real CLI, and the engine only for a project with ``privilegedMode``
    (CodeBuild gives no other build a Docker daemon)."""
    mode = engine.current()
    environment = {config.CONTAINERS: mode}
    if mode == engine.DOCKER:
        environment[engine.CLI_VARIABLE] = os.environ.get(engine.CLI_VARIABLE) or engine.cli() or "docker"
        if privileged:
            environment[PRIVILEGED_VARIABLE] = "1"
            if os.environ.get("SANDBOX_REGISTRY"):  # the real registry behind ECR (services/ecr/registry.py)
                environment["SANDBOX_REGISTRY"] = os.environ["SANDBOX_REGISTRY"]
            if os.environ.get("DOCKER_HOST"):
                environment["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
    return environment
