"""The workshop's link to the offline sandbox (the ``localaws`` package): the only module of ``helpers``
that imports it, and only its public ``api``.

Here the workshop's settings become the emulator's: its home folder is ``$WORKSHOP_HOME/sandbox`` and
its port ``WORKSHOP_SANDBOX_PORT`` (default 4750); its errors become :class:`SandboxError` with the
workshop's next step. On the ``aws`` backend nothing here is needed, so ``localaws`` (the ``sandbox``
extra of the distribution) may be missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .errors import SandboxError
from .paths import workshop_home

if TYPE_CHECKING:
    from localaws.api import SandboxStatus

DEFAULT_PORT = 4750
START_HINT = "Start it with `python -m helpers sandbox start` (or run notebooks/00-setup.ipynb, which starts it)."
_T = TypeVar("_T")


def _api() -> Any:
    try:
        from localaws import api
    except ImportError as error:
        raise SandboxError(
            f"The sandbox is not installed ({error}). Install the kit with `make install` "
            "(or `pip install -e '.[sandbox]'`), or use backend='aws'."
        ) from None
    return api


def home() -> Path:
    """Where the sandbox keeps its files: ``$WORKSHOP_HOME/sandbox``."""
    return workshop_home() / "sandbox"


def configured_port() -> int:
    """WORKSHOP_SANDBOX_PORT, checked; 4750 when unset."""
    raw = os.environ.get("WORKSHOP_SANDBOX_PORT", str(DEFAULT_PORT))
    try:
        port = int(raw)
    except ValueError:
        raise SandboxError(f"WORKSHOP_SANDBOX_PORT={raw!r} is not a port number; unset it or set e.g. 4750.") from None
    if not 1024 <= port <= 65535:
        raise SandboxError(f"WORKSHOP_SANDBOX_PORT={port} is outside 1024-65535; choose a free port such as 4750.")
    return port


def _translated(function: Callable[..., _T]) -> Callable[..., _T]:
    """Re-raise the emulator's errors as the workshop's, with the workshop's next step."""

    @wraps(function)
    def call(*args: Any, **kwargs: Any) -> _T:
        api = _api()
        try:
            return function(api, *args, **kwargs)
        except api.SandboxError as error:
            message = str(error)
            if "not running" in message:
                message = f"{message} {START_HINT}"
            elif "port" in message.lower():
                message += " (set WORKSHOP_SANDBOX_PORT to change the port; `python -m helpers sandbox stop` "
                message += "under the other WORKSHOP_HOME stops another workshop's sandbox)"
            raise SandboxError(message) from None

    return call


@_translated
def start(api: Any, fresh: bool = False) -> SandboxStatus:
    """Start the sandbox unless it already runs (idempotent); returns its status. It resumes from the
    state it saved; ``fresh=True`` discards that state and starts empty (restarting a running sandbox)."""
    return cast("SandboxStatus", api.start(home(), configured_port(), fresh=fresh))


@_translated
def saved_resources(api: Any) -> dict[str, int]:
    """What the sandbox's saved state holds, counted by kind: what ``start(fresh=True)`` discards."""
    return dict(api.saved_resources(home()))


@_translated
def stop(api: Any) -> SandboxStatus:
    """Stop the sandbox and every task process it started (idempotent)."""
    return cast("SandboxStatus", api.stop(home()))


@_translated
def status(api: Any) -> SandboxStatus:
    """Whether the sandbox runs: endpoint, pid, id and log file."""
    return cast("SandboxStatus", api.status(home()))


@_translated
def endpoint(api: Any) -> str:
    """The running sandbox's URL, or a SandboxError that says how to start it."""
    return str(api.endpoint(home()))


@_translated
def listener_urls(api: Any) -> list[dict[str, object]]:
    """Each load-balancer listener with the local URL that serves it."""
    return cast(list[dict[str, object]], api.listener_urls(home()))


@_translated
def engine_containers(api: Any) -> list[dict[str, Any]]:
    """In Docker mode, the engine's rows (``docker ps -a``) for the sandbox's task containers; empty in process mode."""
    return cast(list[dict[str, Any]], api.engine_containers(home()))


@_translated
def pipeline_page_url(api: Any, region: str, name: str) -> str:
    """The sandbox's own page for a pipeline (what the console shows on AWS)."""
    return str(api.pipeline_page_url(region, name, home()))


@_translated
def add_fault(api: Any, service: str, operation: str, error_code: str, times: int | None = None) -> dict[str, Any]:
    """Make the sandbox answer ``error_code`` to ``service``'s ``operation`` (``times`` times, or until cleared)."""
    return cast(dict[str, Any], api.add_fault(service, operation, error_code, times, home()))


@_translated
def list_faults(api: Any) -> list[dict[str, Any]]:
    """The injected faults in force."""
    return cast(list[dict[str, Any]], api.list_faults(home()))


@_translated
def clear_faults(api: Any) -> int:
    """Remove every injected fault; how many there were."""
    return int(api.clear_faults(home()))
