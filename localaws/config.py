"""Every environment setting the sandbox reads, in one place: names, defaults, and one parser per kind.

The sandbox reads its settings when it starts (``serve.py`` calls :func:`check` first, so that a bad value
stops it with a message naming the variable instead of failing a request later). The settings:

- ``LOCALAWS_HOME``: the sandbox's folder (``api.default_home``); ``./.localaws`` when unset.
- ``LOCALAWS_PERSIST``: keep state on disk and resume from it (``persistence``); on by default.
- ``LOCALAWS_IAM_ENFORCEMENT``: evaluate the service roles' policies (``iam_enforcement``); on by default.
- ``LOCALAWS_LOCAL_BUILDS``: how many builds run their commands at once on this machine
  (``services/codebuild/local_builds.py``); two per CPU by default.
- ``LOCALAWS_ENDPOINT``: the sandbox's own endpoint for the clients it makes to itself (``services/loopback.py``);
  the server sets it at start, so the variable matters only to code that runs outside it.
- ``LOCALAWS_CONTAINERS``: ``docker``, ``process`` or ``auto`` (the default): whether builds and images use a
  Docker engine (Docker mode) or today's stand-ins (process mode); ``auto`` uses the engine when one answers at
  ``DOCKER_HOST`` or the default socket (``buildtools/engine.py``).
- ``LOCALAWS_<SETTING>``: the new account's limits and delays (``account.py``, one variable per field).

Two variables keep their ``WORKSHOP_SANDBOX_*``/``SANDBOX_*`` names: the CodeBuild runner sets them for a build's
commands (``WORKSHOP_SANDBOX_DATA``, ``SANDBOX_DOCKER_HOME``) and the ``docker`` stand-in those commands run reads
them (``buildtools/docker.py``); they are the build's environment, not the sandbox's settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HOME = "LOCALAWS_HOME"
PERSIST = "LOCALAWS_PERSIST"
IAM_ENFORCEMENT = "LOCALAWS_IAM_ENFORCEMENT"
LOCAL_BUILDS = "LOCALAWS_LOCAL_BUILDS"
ENDPOINT = "LOCALAWS_ENDPOINT"
CONTAINERS = "LOCALAWS_CONTAINERS"
CONTAINER_MODES = ("auto", "docker", "process")
#: An account setting's variable is this prefix and the field's name in capitals.
ACCOUNT_PREFIX = "LOCALAWS_"
#: Set for a build's commands by the CodeBuild runner; read by the ``docker`` stand-in (see the module's docstring).
BUILD_DATA = "WORKSHOP_SANDBOX_DATA"
BUILD_DOCKER_HOME = "SANDBOX_DOCKER_HOME"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_bool(raw: Any, name: str) -> bool:
    """``raw`` as a bool (a bool, or one of 1/true/yes/on and 0/false/no/off); ValueError naming ``name``."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def parse_value(kind: Any, raw: Any, name: str) -> Any:
    """A value of a dataclass field's type (``bool``, ``int``, ``int | None``, ``float``, ``list[str]``, as the
    annotation's text or the type) from an environment string or a JSON value; ValueError naming ``name``."""
    if kind == "list[str]":
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
            raise ValueError(f"{name} must be a list of names (or one comma-separated string), not {raw!r}")
        return [item.strip() for item in items if item.strip()]
    if kind in ("bool", bool):
        return parse_bool(raw, name)
    text = str(raw).strip().lower()
    if kind == "int | None" and (raw is None or text in ("", "none", "default")):
        return None
    number = float(raw)
    if number < 0:
        raise ValueError(f"{name} cannot be negative ({raw!r})")
    if kind in ("int", "int | None", int):
        if number != int(number):
            raise ValueError(f"{name} must be a whole number, not {raw!r}")
        return int(number)
    return number


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def flag(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """A switch: ``default`` when unset or empty, else :func:`parse_bool`'s answer."""
    raw = _environ(environ).get(name, "").strip()
    return default if not raw else parse_bool(raw, name)


def persist(environ: Mapping[str, str] | None = None) -> bool:
    """``LOCALAWS_PERSIST``: whether the sandbox keeps its state on disk and resumes from it; on unless switched off."""
    return flag(PERSIST, True, environ)


def iam_enforcement(environ: Mapping[str, str] | None = None) -> bool:
    """``LOCALAWS_IAM_ENFORCEMENT``: whether requests and the services' roles are evaluated against IAM policies; on
    unless switched off. Read from the environment at every call (``sessions.enabled`` is this function)."""
    return flag(IAM_ENFORCEMENT, True, environ)


def local_builds(environ: Mapping[str, str] | None = None) -> int:
    """``LOCALAWS_LOCAL_BUILDS``, else two per CPU (at least two)."""
    raw = _environ(environ).get(LOCAL_BUILDS, "").strip()
    if not raw:
        return max(2, 2 * (os.cpu_count() or 1))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{LOCAL_BUILDS} must be a whole number of builds, 1 or more (not {raw!r})")
    return int(raw)


def containers(environ: Mapping[str, str] | None = None) -> str:
    """``LOCALAWS_CONTAINERS``: ``auto`` (the default), ``docker`` or ``process``."""
    raw = _environ(environ).get(CONTAINERS, "").strip().lower() or "auto"
    if raw not in CONTAINER_MODES:
        raise ValueError(f"{CONTAINERS} must be one of {', '.join(CONTAINER_MODES)} (not {raw!r})")
    return raw


def home(environ: Mapping[str, str] | None = None) -> Path | None:
    """``LOCALAWS_HOME`` as a path; None when unset, and ``api.default_home`` then uses ``./.localaws``."""
    configured = _environ(environ).get(HOME)
    return Path(configured) if configured else None


def endpoint(environ: Mapping[str, str] | None = None) -> str:
    """``LOCALAWS_ENDPOINT``, the sandbox's own URL for code that runs outside its server; empty when unset (the server
    aims its own clients at itself when it starts: ``services/loopback.py``)."""
    return _environ(environ).get(ENDPOINT, "")


def account_variable(field_name: str) -> str:
    """The variable of one account setting: the prefix and the field's name in capitals (``codebuild_concurrency`` ->
    ``LOCALAWS_CODEBUILD_CONCURRENCY``)."""
    return ACCOUNT_PREFIX + field_name.upper()


def account_values(kinds: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The account settings (field name -> its type) whose variables are set, parsed."""
    environ = _environ(environ)
    return {
        name: parse_value(kind, environ[account_variable(name)], account_variable(name))
        for name, kind in kinds.items()
        if account_variable(name) in environ
    }


def check(environ: Mapping[str, str] | None = None) -> None:
    """Read every setting once; ValueError naming the first variable whose value is not valid."""
    persist(environ)
    iam_enforcement(environ)
    local_builds(environ)
    containers(environ)
