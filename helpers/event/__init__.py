"""Guided workshops at scale: an instructor plans, starts, watches and cleans up an event.

``python -m helpers event plan|start|status|cleanup`` and ``notebooks/instructor/event.ipynb`` call these.
Names are imported on first use, so the kit's CLI starts without loading pandas for other commands.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "check_event": "names",
    "known_prefixes": "names",
    "participant_prefixes": "names",
    "Plan": "plan",
    "plan_event": "plan",
    "EventDoesNotFitError": "start",
    "start_event": "start",
    "event_status": "status",
    "show_event": "status",
    "live_status": "watch",
    "cleanup_event": "teardown",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helpers.event' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
