"""Where the kit keeps its files: the repository's data folder and WORKSHOP_HOME."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # helpers/, this module being helpers/core/paths.py
REPO_ROOT = PACKAGE_DIR.parent
DATA_DIR = REPO_ROOT / "data"


def workshop_home() -> Path:
    """WORKSHOP_HOME, else ``.workshop/`` in the repository (git-ignored)."""
    configured = os.environ.get("WORKSHOP_HOME")
    home = Path(configured) if configured else REPO_ROOT / ".workshop"
    home.mkdir(parents=True, exist_ok=True)
    return home
