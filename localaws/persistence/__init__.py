"""The sandbox keeps its state on disk and resumes from it: moto's backends and the kit's extensions,
one snapshot file per service under ``<home>/data/state`` (see ``store.py``).

The snapshots carry a format version (``STATE_FORMAT``, the last byte of each file's magic; see ``snapshot.py``):
a class that moves changes the version instead of leaving a shim at its old path, and a sandbox whose saved
state has another version says so and starts fresh, as ``sandbox start --fresh`` would (``process.py``),
instead of failing to load.

``LOCALAWS_PERSIST=0`` turns it off (the sandbox then starts empty every time, as it did before).
"""

from __future__ import annotations

from .. import config
from . import changes
from .snapshot import STATE_FORMAT, SnapshotError, StateFormatError, saved_format
from .store import StateStore, read_saved

__all__ = [
    "STATE_FORMAT",
    "SnapshotError",
    "StateFormatError",
    "StateStore",
    "changes",
    "enabled",
    "read_saved",
    "saved_format",
]


def enabled() -> bool:
    """Whether the sandbox saves its state (``LOCALAWS_PERSIST``, see ``config.py``)."""
    return config.persist()
