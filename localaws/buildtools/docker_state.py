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
    home = Path(os.environ.get("SANDBOX_DOCKER_HOME") or Path.home() / ".sandbox-docker")
    home.mkdir(parents=True, exist_ok=True)
    return home


def load_state() -> dict[str, Any]:
    path = home() / "state.json"
    return json.loads(path.read_text()) if path.exists() else {"auths": [], "tags": {}}


def save_state(state: dict[str, Any]) -> None:
    (home() / "state.json").write_text(json.dumps(state))


def normalise(reference: str) -> str:
    return reference if ":" in reference.rsplit("/", 1)[-1] else reference + ":latest"
