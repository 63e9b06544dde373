"""CodeCommit on real git repositories: branches, commits, files, diffs, fast-forward merges, tags."""

from __future__ import annotations

from pathlib import Path


def install(data_dir: Path) -> None:
    """Make moto's CodeCommit BackendDict build our backend (and so route through our urls.py)."""
    from moto.codecommit import models as moto_models

    from ...seams import moto as moto_seam
    from .models import GitCodeCommitBackend

    GitCodeCommitBackend.data_dir = data_dir / "codecommit"
    moto_seam.use_backend_class(moto_models.codecommit_backends, GitCodeCommitBackend)
