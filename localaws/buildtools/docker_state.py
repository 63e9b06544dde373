"""The docker stand-in's own state, kept in a folder of the build's (``SANDBOX_DOCKER_HOME``): the images it
built, the tags that name them and the registries it logged in to, as the real CLI keeps them in its daemon
and config."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class DockerError(Exception):
    pass


def home() -> Path:
    """The stand-in's state folder: ``SANDBOX_DOCKER_HOME``, which the CodeBuild runner sets to a folder of each
    build's, else ``~/.sandbox-docker``; made when missing."""
    home = Path(os.environ.get("SANDBOX_DOCKER_HOME") or Path.home() / ".sandbox-docker")
    home.mkdir(parents=True, exist_ok=True)
    return home


def load_state() -> dict[str, Any]:
    """What the build's earlier ``docker`` commands left (each command is a process of its own): ``tags`` (reference ->
    image id), ``auths`` (the registries logged in to) and, in Docker mode, their ``passwords``."""
    path = home() / "state.json"
    return json.loads(path.read_text()) if path.exists() else {"auths": [], "tags": {}}


def save_state(state: dict[str, Any]) -> None:
    """Keep the state for the build's next ``docker`` command."""
    (home() / "state.json").write_text(json.dumps(state))


def normalise(reference: str) -> str:
    """``reference`` with the ``:latest`` tag docker assumes when none is given (a registry's ``:port`` is not a tag),
    so that ``app`` and ``app:latest`` name one image in the state."""
    return reference if ":" in reference.rsplit("/", 1)[-1] else reference + ":latest"
