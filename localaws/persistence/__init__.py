"""The sandbox keeps its state on disk and resumes from it: moto's backends and the kit's extensions,
one snapshot file per service under ``<home>/data/state`` (see ``store.py``).

``LOCALAWS_PERSIST=0`` turns it off (the sandbox then starts empty every time, as it did before).
"""

from __future__ import annotations

import os

from . import changes
from .snapshot import SnapshotError
from .store import StateStore, read_saved

__all__ = ["SnapshotError", "StateStore", "changes", "enabled", "read_saved"]


def enabled() -> bool:
    """Whether the sandbox saves its state (``LOCALAWS_PERSIST``, on unless set to 0/false/no/off)."""
    return os.environ.get("LOCALAWS_PERSIST", "1").strip().lower() not in ("0", "false", "no", "off")
