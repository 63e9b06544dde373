"""The emulator's public face: everything a program outside ``localaws`` may use.

Start, stop and inspect the detached sandbox, and build the URLs of what it serves besides AWS's APIs
(the environments' listeners, a pipeline's page). Each function takes the sandbox's home folder; when
it is not given, ``LOCALAWS_HOME`` or ``./.localaws`` is used.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import config, control, process, routes
from .errors import SandboxError
from .persistence.inventory import count_saved
from .process import DEFAULT_PORT, SandboxStatus

__all__ = [
    "DEFAULT_PORT",
    "SandboxError",
    "SandboxStatus",
    "account_settings",
    "add_fault",
    "clear_faults",
    "configure_account",
    "default_home",
    "endpoint",
    "engine_containers",
    "iam_usage",
    "list_faults",
    "listener_urls",
    "pipeline_page_url",
    "reset_account",
    "saved_resources",
    "start",
    "state_statistics",
    "status",
    "stop",
    "task_summaries",
]


def default_home() -> Path:
    """``LOCALAWS_HOME`` if set, else ``.localaws`` in the current folder."""
    return config.home() or Path.cwd() / ".localaws"


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


def engine_containers(home: Path | None = None) -> list[dict[str, object]]:
    """In Docker mode, the engine's own view of the sandbox's task containers (``docker ps -a`` filtered by the label
    of the sandbox's data folder): ``Id``, ``Image``, ``State``, ``Status``, ``Labels`` as the engine answers them.
    Empty in process mode."""
    from .buildtools import engine_tasks  # only Docker mode talks to the engine

    running = status(home)
    if running.containers != "docker":
        return []
    data_dir = ((home or default_home()) / "data").resolve()
    return list(engine_tasks.labelled(engine_tasks.LABEL_DATA_DIR, str(data_dir)))


def iam_usage(home: Path | None = None, reset: bool = False) -> dict[str, object]:
    """Which permissions each service role used (``roles``: role ARN -> action, resource, count), which
    requests were refused (``denied``), and whether enforcement is on; ``reset`` starts a new record."""
    return dict(_request_json("DELETE" if reset else "GET", endpoint(home) + routes.IAM_USAGE, home=home))


def pipeline_page_url(region: str, name: str, home: Path | None = None, account: str | None = None) -> str:
    """The sandbox's own page for a pipeline: stages, actions and runs, like the console's (``account``'s pipeline
    when named; else the default account's, else the one account's that has a pipeline of that name)."""
    return endpoint(home) + routes.pipeline_page(region, name, account)


def _get_json(url: str) -> list[dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return list(json.loads(answer.read()))
    except OSError as error:
        raise SandboxError(f"The sandbox did not answer {url}: {error}") from error


# -- account settings and injected faults ---------------------------------------------------------------
def account_settings(home: Path | None = None) -> dict[str, Any]:
    """The new-account behaviours in force and their ``LOCALAWS_*`` variables (see ``account.py``)."""
    return _request_json("GET", endpoint(home) + routes.ACCOUNT, home=home)


def configure_account(changes: dict[str, Any], home: Path | None = None) -> dict[str, Any]:
    """Change some account settings of the running sandbox; ``reset_account`` undoes every change."""
    return _request_json("POST", endpoint(home) + routes.ACCOUNT, changes, home=home)


def reset_account(home: Path | None = None) -> dict[str, Any]:
    """Back to the settings the sandbox read from its environment at start."""
    return _request_json("DELETE", endpoint(home) + routes.ACCOUNT, home=home)


def add_fault(
    service: str,
    operation: str,
    error_code: str,
    times: int | None = None,
    home: Path | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """Make ``service``'s ``operation`` (``*``: all of them) answer ``error_code``, ``times`` times or until
    cleared. Only requests from clients are faulted, never the sandbox's own engine's."""
    request: dict[str, Any] = {"service": service, "operation": operation, "error_code": error_code}
    if times is not None:
        request["times"] = times
    if message is not None:
        request["message"] = message
    return _request_json("POST", endpoint(home) + routes.FAULTS, request, home=home)


def list_faults(home: Path | None = None) -> list[dict[str, Any]]:
    """The faults in force, with how often each fired and how many times remain."""
    return list(_request_json("GET", endpoint(home) + routes.FAULTS, home=home))


def clear_faults(home: Path | None = None) -> int:
    """Remove every injected fault; returns how many there were."""
    return int(_request_json("DELETE", endpoint(home) + routes.FAULTS, home=home)["cleared"])


def sandbox_time(home: Path | None = None) -> dict[str, Any]:
    """The sandbox's clock: ``now`` (ISO 8601) and how far it was moved on (``offset_seconds``)."""
    return dict(_request_json("GET", endpoint(home) + routes.CLOCK, home=home))


def advance_clock(seconds: float, home: Path | None = None) -> dict[str, Any]:
    """Move the running sandbox's clock on, so AWS's long waits (an approval's 7 days) pass at once."""
    return dict(_request_json("POST", endpoint(home) + routes.CLOCK, {"advance_seconds": seconds}, home=home))


def _request_json(method: str, url: str, document: object = None, home: Path | None = None) -> Any:
    """A JSON request to the sandbox's own routes, with its control token (needed to change the account, faults
    or the clock; ``localaws/control.py``)."""
    data = None if document is None else json.dumps(document).encode()
    headers = {"Content-Type": "application/json"}
    token = control.read_token((home or default_home()) / "data")
    if token:
        headers[control.HEADER] = token
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            reason = json.loads(error.read()).get("error", error.reason)
        except ValueError:
            reason = error.reason
        raise SandboxError(f"The sandbox refused {method} {url}: {reason}") from None
    except OSError as error:
        raise SandboxError(f"The sandbox did not answer {url}: {error}") from error
