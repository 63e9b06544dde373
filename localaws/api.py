"""The emulator's public face: everything a program outside ``localaws`` may use.

Start, stop and inspect the detached sandbox, and build the URLs of what it serves besides AWS's APIs
(the environments' listeners, a pipeline's page). Each function takes the sandbox's home folder; when
it is not given, ``LOCALAWS_HOME`` or ``./.localaws`` is used.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from . import process, routes
from .errors import SandboxError
from .process import DEFAULT_PORT, SandboxStatus

__all__ = [
    "DEFAULT_PORT",
    "SandboxError",
    "SandboxStatus",
    "default_home",
    "endpoint",
    "listener_urls",
    "pipeline_page_url",
    "saved_resources",
    "start",
    "state_statistics",
    "status",
    "stop",
    "task_summaries",
]


def default_home() -> Path:
    """``LOCALAWS_HOME`` if set, else ``.localaws`` in the current folder."""
    configured = os.environ.get("LOCALAWS_HOME")
    return Path(configured) if configured else Path.cwd() / ".localaws"


def start(
    home: Path | None = None, port: int = DEFAULT_PORT, timeout: float = 60.0, fresh: bool = False
) -> SandboxStatus:
    """Start the sandbox on 127.0.0.1:``port`` unless it already runs (idempotent). It resumes from the
    state it saved under ``home``; ``fresh=True`` discards that state (and restarts a running sandbox)."""
    return process.start(home or default_home(), port, timeout, fresh)


def stop(home: Path | None = None) -> SandboxStatus:
    """Stop the sandbox and every process it started (idempotent)."""
    return process.stop(home or default_home())


def status(home: Path | None = None) -> SandboxStatus:
    """Whether the sandbox runs, with its endpoint, pid and log file."""
    return process.status(home or default_home())


def endpoint(home: Path | None = None) -> str:
    """The running sandbox's base URL; SandboxError when it does not run."""
    return process.endpoint(home or default_home())


def listener_urls(home: Path | None = None) -> list[dict[str, object]]:
    """Every load-balancer listener with the local URL that serves it (``port``, ``url``, ARNs)."""
    return _get_json(endpoint(home) + routes.LISTENERS)


def saved_resources(home: Path | None = None) -> dict[str, int]:
    """What the sandbox's saved state holds, counted by kind ("ECS clusters": 1, ...): what a fresh
    start would discard. Works whether the sandbox runs or not."""
    from .persistence.inventory import count_saved

    return count_saved((home or default_home()) / "data" / "state")


def state_statistics(home: Path | None = None) -> dict[str, object]:
    """What saving the running sandbox's state has cost: saves, seconds, bytes per service."""
    try:
        with urllib.request.urlopen(endpoint(home) + routes.STATE, timeout=5) as answer:
            return dict(json.loads(answer.read()))
    except OSError as error:
        raise SandboxError(f"The sandbox did not answer {routes.STATE}: {error}") from error


def task_summaries(home: Path | None = None) -> list[dict[str, object]]:
    """Every ECS task process the sandbox runs: service, port, pid, last lines of output."""
    return _get_json(endpoint(home) + routes.ECS_TASKS)


def pipeline_page_url(region: str, name: str, home: Path | None = None) -> str:
    """The sandbox's own page for a pipeline: stages, actions and runs, like the console's."""
    return endpoint(home) + routes.pipeline_page(region, name)


def _get_json(url: str) -> list[dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return list(json.loads(answer.read()))
    except OSError as error:
        raise SandboxError(f"The sandbox did not answer {url}: {error}") from error
