"""CodeCommit on real git repositories: branches, commits, files, diffs, fast-forward merges, tags; ``git clone``
and ``git push`` over the sandbox's ``/_sandbox/git/`` route (``git_http.py``)."""

from __future__ import annotations

from pathlib import Path

from moto.codecommit import models as moto_models

from ... import routes
from ...seams import moto as moto_seam
from .._extension import Extension, Route
from . import git_http
from .models import GitCodeCommitBackend


def install(data_dir: Path) -> None:
    """Make moto's CodeCommit BackendDict build our backend (and so route through our urls.py)."""
    GitCodeCommitBackend.data_dir = data_dir / "codecommit"
    moto_seam.use_backend_class(moto_models.codecommit_backends, GitCodeCommitBackend)


EXTENSION = Extension(
    "codecommit",
    install,
    routes=(
        Route(routes.GIT, git_http.handle, method="POST", prefix=True, saves=("codecommit",)),  # a push moves branches
        Route(routes.GIT, git_http.handle, prefix=True),
    ),
)
