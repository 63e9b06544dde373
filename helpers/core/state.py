"""One JSON state file per workshop prefix: the settings and every resource the kit created.

Each notebook reads it so that it can run on its own after the earlier ones, and cleanup reads it
to know what to delete.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import InvalidSettingError, StateFileError
from .paths import workshop_home
from .settings import DEFAULT_PREFIX, WorkshopSettings, prefix_problems

FORMAT_VERSION = 1
#: Steps create independent resources at once (``resources.base.at_once``): one record and save at a time.
_RECORDING = threading.RLock()
_CURRENT_POINTER = "current-prefix"


def state_path(prefix: str) -> Path:
    """Where ``prefix``'s state file lives (``$WORKSHOP_HOME/<prefix>.json``), whether or not it exists yet:
    callers check ``.exists()``. WORKSHOP_HOME is created if missing."""
    return workshop_home() / f"{prefix}.json"


@dataclass
class WorkshopState:
    settings: WorkshopSettings
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return state_path(self.settings.prefix)

    def record(
        self, key: str, *, type: str, name: str, arn: str | None = None, environment: str | None = None, **details: Any
    ) -> dict[str, Any]:
        """Remember a resource the kit created (and so must delete), save at once, and return the entry."""
        entry = {"type": type, "name": name, "arn": arn, "environment": environment, **details}
        with _RECORDING:
            previous = self.resources.get(key, {})
            entry["created_at"] = previous.get("created_at") or _now()
            self.resources[key] = entry
            self.save()
        return entry

    def save(self) -> None:
        with _RECORDING:
            document = {
                "format": FORMAT_VERSION,
                "settings": self.settings.to_dict(),
                "resources": dict(self.resources),
                **self.extra,
            }
            _write_atomically(self.path, json.dumps(document, indent=2, sort_keys=True) + "\n")


def load_state(prefix: str | None = None) -> WorkshopState:
    """The saved workshop, or a StateFileError that says how to get one."""
    prefix = prefix or current_prefix()
    problems = prefix_problems(prefix)
    if problems:
        raise InvalidSettingError(problems[0])
    path = state_path(prefix)
    if not path.exists():
        raise StateFileError(
            f"No workshop state for prefix {prefix!r} at {path}. Run notebooks/00-setup.ipynb first "
            f"(with prefix={prefix!r}), or set WORKSHOP_HOME to the folder that holds it."
        )
    try:
        document = json.loads(path.read_text())
        settings = WorkshopSettings.build(**document["settings"])
        resources = dict(document.get("resources", {}))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, InvalidSettingError) as error:
        raise StateFileError(
            f"The state file {path} is damaged ({type(error).__name__}: {error}). Fix it, or move it away "
            f"and run notebooks/00-setup.ipynb again; `python -m helpers cleanup --prefix {prefix}` still "
            "finds resources by their tags."
        ) from None
    extra = {k: v for k, v in document.items() if k not in {"format", "settings", "resources"}}
    return WorkshopState(settings=settings, resources=resources, extra=extra)


def save_settings(settings: WorkshopSettings) -> WorkshopState:
    """Create or update the state file for ``settings.prefix``, keeping recorded resources."""
    try:
        state = load_state(settings.prefix)
    except StateFileError:
        if state_path(settings.prefix).exists():
            raise
        state = WorkshopState(settings=settings)
    state.settings = settings
    state.save()
    set_current_prefix(settings.prefix)
    return state


#: Set for each participant's server on a shared JupyterHub (hub/jupyterhub_config.py): their prefix is
#: fixed, and the pointer file that WORKSHOP_HOME shares with every other participant is left alone.
PREFIX_VARIABLE = "WORKSHOP_PREFIX"


def current_prefix() -> str:
    """The prefix notebook 00 chose last, so later notebooks need no parameter (WORKSHOP_PREFIX wins)."""
    if os.environ.get(PREFIX_VARIABLE):
        return os.environ[PREFIX_VARIABLE]
    pointer = workshop_home() / _CURRENT_POINTER
    if pointer.exists():
        value = pointer.read_text().strip()
        if value:
            return value
    return DEFAULT_PREFIX


def set_current_prefix(prefix: str) -> None:
    """Remember ``prefix`` as the one later notebooks open without a parameter. Does nothing while
    WORKSHOP_PREFIX is set (a hub participant's server): that variable wins in ``current_prefix`` anyway."""
    if os.environ.get(PREFIX_VARIABLE):
        return
    _write_atomically(workshop_home() / _CURRENT_POINTER, prefix + "\n")


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
